"""Street addresses: a house number and a street ("14 Acacia Avenue"), or "I live on Acacia Avenue".

Street names must be written with capitals, as addresses are; a handful of famous public
addresses (10 Downing Street) are never reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from civicshield.core.findings import Severity
from civicshield.core.privacy.detectors.base import ScanContext, quote
from civicshield.core.privacy.model import ADDRESS, PrivacyFinding, normalise

STREET_TYPES = (
    "Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Close|Cl|Drive|Dr|Way|Crescent|Cres|Grove|Gardens|"
    "Gdns|Place|Pl|Terrace|Tce|Court|Ct|Square|Sq|Mews|Row|Hill|Park|Walk|View|Rise|Parade|"
    "Green|Vale|Wharf|Yard|Boulevard|Chase|Croft|Fold|Gate|Wynd|Brae|Loan|Heights|Meadows|"
    "Approach|Circus|Embankment|Quay|Hollow|Mount|Side|End"
)
_NAME_WORD = r"(?:[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?|St\.?)"
_STREET = rf"(?:{_NAME_WORD}\s+){{1,3}}(?:{STREET_TYPES})\b\.?"
_HOUSE = (
    r"(?:(?:Flat|Apartment|Apt|Unit)\s+\d{1,4}[A-Za-z]?,?\s+)?\d{1,4}[A-Za-z]?(?:-\d{1,4})?,?\s+"
)
_NUMBERED = re.compile(rf"(?<![\w£$€.,:/])(?:{_HOUSE}){_STREET}")
_LIVES_ON = re.compile(
    rf"\b(?:live|lives|living|lived|moved|staying|stays)\s+"
    rf"(?:on|in|at|to)\s+(?:{_HOUSE})?{_STREET}",
    re.IGNORECASE,
)
# The name part of _LIVES_ON must still be capitalised; IGNORECASE above would allow
# "the road", so it is checked again on the street part.
_STREET_ONLY = re.compile(_STREET)

# Famous public addresses, never a privacy problem.
PUBLIC_ADDRESSES = frozenset(
    normalise(address)
    for address in (
        "10 Downing Street",
        "11 Downing Street",
        "12 Downing Street",
        "70 Whitehall",
        "1 Parliament Street",
        "221B Baker Street",
    )
)

DETAIL_NUMBERED = (
    "This looks like a street address ({address}). A home address lets people turn up at the "
    "door; remove it unless it is the office's public address."
)
DETAIL_LIVES = "This says where someone lives ({address}). Remove the street; say the area at most."


def detect(text: str, context: ScanContext) -> Iterator[PrivacyFinding]:
    for match in _NUMBERED.finditer(text):
        found = match.group(0).rstrip(",. ")
        if normalise(found) in PUBLIC_ADDRESSES:
            continue
        yield PrivacyFinding(
            ADDRESS,
            (match.start(), match.start() + len(found)),
            DETAIL_NUMBERED.format(address=quote(found)),
            Severity.HIGH,
        )
    for match in _LIVES_ON.finditer(text):
        if not _STREET_ONLY.search(match.group(0)):
            continue
        yield PrivacyFinding(
            ADDRESS,
            (match.start(), match.end()),
            DETAIL_LIVES.format(address=quote(match.group(0))),
            Severity.HIGH,
        )
