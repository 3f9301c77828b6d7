"""Full UK postcodes (``SW1A 1AA``): a postcode narrows a home down to a handful of doors.

Only the full form is reported; an outward code on its own (``SW1A``) names a district.
Postcodes are matched in capitals, or in lower case with the space, as people write them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from civicshield.core.findings import Severity
from civicshield.core.privacy.detectors.base import ScanContext
from civicshield.core.privacy.model import POSTCODE, PrivacyFinding

# Royal Mail format: area (1-2 letters), district (digit, then digit or letter), space,
# sector digit, unit (2 letters without C I K M O V).
_OUTWARD = r"(?:[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]?)"
_INWARD = r"(?:[0-9][ABD-HJLNP-UW-Z]{2})"
_UPPER = re.compile(rf"(?<![A-Za-z0-9])(?:{_OUTWARD} ?{_INWARD}|GIR ?0AA)(?![A-Za-z0-9])")
_LOWER_SPACED = re.compile(
    rf"(?<![A-Za-z0-9])(?:{_OUTWARD} {_INWARD})(?![A-Za-z0-9])", re.IGNORECASE
)

DETAIL = (
    "This is a full UK postcode ({postcode}). A postcode narrows an address down to a few "
    "doors; remove it unless it is the office's public address."
)


def detect(text: str, context: ScanContext) -> Iterator[PrivacyFinding]:
    seen: set[int] = set()
    for pattern in (_UPPER, _LOWER_SPACED):
        for match in pattern.finditer(text):
            if match.start() in seen:
                continue
            seen.add(match.start())
            yield PrivacyFinding(
                POSTCODE,
                (match.start(), match.end()),
                DETAIL.format(postcode=match.group(0).upper()),
                Severity.MEDIUM,
            )
