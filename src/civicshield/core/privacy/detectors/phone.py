"""Phone numbers, UK and international, found with Google's libphonenumber rules.

Numbers must be written the way people write phone numbers: starting with ``+``, ``00`` or a
trunk ``0`` (a bare run of digits is a count, a year or a reference, not a number to call).
Numbers in Ofcom's ranges kept for drama (07700 900xxx, 01632 960xxx) are not "valid" to
libphonenumber, but are "possible"; they are reported too, because a real number written the
same way would be.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers
from phonenumbers import PhoneNumberType

from civicshield.core.findings import Severity
from civicshield.core.privacy.detectors.base import ScanContext, quote
from civicshield.core.privacy.model import PHONE, PrivacyFinding

# Words just before a number that make it a reference, not a phone number.
_REFERENCE_BEFORE = re.compile(
    r"(?:\bref(?:erence)?|\bcase|\border|\binvoice|\baccount|\bacct|\bid|\bticket|\btracking|"
    r"\bpolicy|\bserial)(?:\s*(?:no\.?|number))?\s*[:#]?\s*$",
    re.IGNORECASE,
)
_MOBILE = (PhoneNumberType.MOBILE, PhoneNumberType.PAGER)
_PUBLIC_LINES = (
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.UAN,
)

DETAIL_MOBILE = (
    "This looks like a mobile phone number ({number}). Posting it lets anyone call or text "
    "it; remove it unless it is the office's public number."
)
DETAIL_LANDLINE = (
    "This looks like a phone number ({number}). A landline number can lead to a home address; "
    "remove it unless it is the office's public number."
)
DETAIL_PUBLIC_LINE = (
    "This looks like a freephone, 03 or other non-geographic number ({number}). These are "
    "usually public helplines; check it is not a private line before posting."
)


def _number_type(number: phonenumbers.PhoneNumber) -> int:
    kind = int(phonenumbers.number_type(number))
    if kind != PhoneNumberType.UNKNOWN:
        return kind
    # Drama and unallocated ranges: judge by the national prefix (GB rules).
    national = str(number.national_number)
    if number.country_code == 44 and national.startswith("7") and not national.startswith("70"):
        return PhoneNumberType.MOBILE
    if number.country_code == 44 and national.startswith(("80", "3")):
        return PhoneNumberType.TOLL_FREE
    return PhoneNumberType.FIXED_LINE


def normalise_phone(raw: str, region: str) -> str | None:
    """The number in E.164 form (``+447700900123``), or ``None`` if it is not a number."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def detect(text: str, context: ScanContext) -> Iterator[PrivacyFinding]:
    matcher = phonenumbers.PhoneNumberMatcher(
        text, context.region, leniency=phonenumbers.Leniency.POSSIBLE, max_tries=200
    )
    for match in matcher:
        raw = match.raw_string
        stripped = raw.lstrip("(")
        if not stripped.startswith(("+", "0")):
            continue
        digits = sum(ch.isdigit() for ch in raw)
        if digits < 9:
            continue
        if _REFERENCE_BEFORE.search(text[max(0, match.start - 20) : match.start]):
            continue
        kind = _number_type(match.number)
        if kind in _MOBILE:
            detail, severity = DETAIL_MOBILE, Severity.HIGH
        elif kind in _PUBLIC_LINES:
            detail, severity = DETAIL_PUBLIC_LINE, Severity.LOW
        else:
            detail, severity = DETAIL_LANDLINE, Severity.MEDIUM
        yield PrivacyFinding(
            PHONE, (match.start, match.end), detail.format(number=quote(raw)), severity
        )
