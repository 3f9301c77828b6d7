"""Spear-phishing analysis of emails: ``analyse(raw) -> MailVerdict``.

    >>> from civicshield.core.mail import analyse, TrustedDirectory
    >>> trusted = TrustedDirectory.from_csv("name,email\\nSarah Jones,sarah.jones@parliament.uk\\n")
    >>> analyse(raw_bytes, trusted=trusted).verdict  # doctest: +SKIP
    'phishing'

Checks live one per module in ``checks/``; ``scoring.py`` turns their features into a verdict;
``report.py`` builds the NCSC report email; ``sources.py`` finds messages in files and folders.
"""

from __future__ import annotations

from civicshield.core.mail.engine import (
    ADVICE_CHECK,
    ADVICE_TEXT,
    NCSC_REPORT_ADDRESS,
    MailVerdict,
    analyse,
)
from civicshield.core.mail.parse import (
    ERROR_EMPTY,
    ERROR_NOT_EMAIL,
    ERROR_TOO_LARGE,
    MAX_MESSAGE_BYTES,
    MailParseError,
    ParsedMail,
    parse,
)
from civicshield.core.mail.report import ERROR_BAD_REPORTER, build_ncsc_report
from civicshield.core.mail.scoring import Scorer, load_scorer
from civicshield.core.mail.sources import RawMessage, SourceError, iter_messages
from civicshield.core.mail.trusted import ERROR_CSV_NO_COLUMNS, TrustedDirectory

__all__ = [
    "ADVICE_CHECK",
    "ADVICE_TEXT",
    "ERROR_BAD_REPORTER",
    "ERROR_CSV_NO_COLUMNS",
    "ERROR_EMPTY",
    "ERROR_NOT_EMAIL",
    "ERROR_TOO_LARGE",
    "MAX_MESSAGE_BYTES",
    "NCSC_REPORT_ADDRESS",
    "MailParseError",
    "MailVerdict",
    "ParsedMail",
    "RawMessage",
    "Scorer",
    "SourceError",
    "TrustedDirectory",
    "analyse",
    "build_ncsc_report",
    "iter_messages",
    "load_scorer",
    "parse",
]
