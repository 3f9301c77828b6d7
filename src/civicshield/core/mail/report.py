"""Build the email that reports a suspicious message to the NCSC.

The NCSC Suspicious Email Reporting Service (SERS) takes suspicious emails forwarded to
report@phishing.gov.uk. Forwarding inline loses the original headers the analysts need, so we
build a new message with the suspicious one attached whole, as ``message/rfc822``. This module
only builds the message; sending it is the caller's choice (the web app's button, or the
person's own mail program with the .eml from ``civicshield mail report``).
"""

from __future__ import annotations

import email.utils
from email.message import EmailMessage

from civicshield.core.mail.engine import NCSC_REPORT_ADDRESS
from civicshield.core.mail.parse import MailParseError, parse

__all__ = ["ERROR_BAD_REPORTER", "build_ncsc_report"]

ERROR_BAD_REPORTER = "the reporter must be an email address (for example you@parliament.uk)"

_BODY = """\
Hello,

I am reporting the attached email as suspected phishing. It is attached whole, with its
original headers.

Subject: {subject}
From: {sender}
Reported by: {reporter}

This report was prepared with CivicShield.
"""


def _attachment_cte(raw: bytes) -> str:
    """message/rfc822 may only be 7bit or 8bit (RFC 2046 5.2.1) when lines are short enough."""
    if any(len(line) > 990 for line in raw.splitlines()):
        return "base64"
    return "7bit" if raw.isascii() else "8bit"


def build_ncsc_report(raw: bytes, *, reporter: str) -> EmailMessage:
    """A new email to report@phishing.gov.uk from ``reporter`` with ``raw`` attached.

    Works even when ``raw`` cannot be parsed (the analysts still want it); raises
    ``ValueError(ERROR_BAD_REPORTER)`` when ``reporter`` is not an address.
    """
    name, address = email.utils.parseaddr(reporter)
    if "@" not in address or any(c in reporter for c in "\r\n"):
        raise ValueError(ERROR_BAD_REPORTER)
    try:
        parsed = parse(raw)
        subject, sender = parsed.subject, parsed.from_address or parsed.from_name
    except MailParseError:
        subject, sender = "", ""
    subject = " ".join(subject.split())[:150]
    report = EmailMessage()
    report["From"] = email.utils.formataddr((name, address))
    report["To"] = NCSC_REPORT_ADDRESS
    report["Subject"] = f"Suspicious email: {subject}" if subject else "Suspicious email"
    report["Date"] = email.utils.formatdate(localtime=False)
    report["Message-ID"] = email.utils.make_msgid(domain=address.rsplit("@", 1)[1])
    report.set_content(
        _BODY.format(subject=subject or "(none)", sender=sender or "(unknown)", reporter=address)
    )
    report.add_attachment(
        raw,
        maintype="message",
        subtype="rfc822",
        cte=_attachment_cte(raw),
        filename="suspicious-email.eml",
    )
    return report
