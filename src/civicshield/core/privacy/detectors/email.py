"""Email addresses. A personal address invites phishing and abuse straight to someone's inbox."""

from __future__ import annotations

import re
from collections.abc import Iterator

from civicshield.core.findings import Severity
from civicshield.core.privacy.detectors.base import ScanContext
from civicshield.core.privacy.model import EMAIL, PrivacyFinding

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])"
)
# Shared inboxes that organisations publish on purpose.
_ROLE_ACCOUNTS = frozenset(
    {
        "info",
        "office",
        "enquiries",
        "enquiry",
        "contact",
        "hello",
        "press",
        "media",
        "admin",
        "team",
        "casework",
        "surgery",
        "help",
        "support",
        "events",
        "bookings",
        "reception",
        "general",
        "mail",
        "newsroom",
    }
)

DETAIL_PERSONAL = (
    "This is an email address ({address}). Posting it invites spam, phishing and abuse "
    "straight to that inbox; remove it unless it is the office's public address."
)
DETAIL_ROLE = (
    "This is a shared email address ({address}). That is usually fine for an organisation; "
    "check it is not a private inbox before posting."
)


def detect(text: str, context: ScanContext) -> Iterator[PrivacyFinding]:
    for match in _EMAIL.finditer(text):
        address = match.group(0).rstrip(".")
        local = address.split("@", 1)[0].lower()
        if local in _ROLE_ACCOUNTS:
            detail, severity = DETAIL_ROLE, Severity.LOW
        else:
            detail, severity = DETAIL_PERSONAL, Severity.MEDIUM
        yield PrivacyFinding(
            EMAIL,
            (match.start(), match.start() + len(address)),
            detail.format(address=address),
            severity,
        )
