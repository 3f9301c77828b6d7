"""UK number plates. A plate lets someone follow a car, or find where it is parked at night.

The current format (``AB12 CDE``, since 2001) is distinctive enough on its own. The older
prefix (``A123 BCD``) and suffix (``ABC 123D``) formats look like too many other things, so
they are reported only near a word about cars.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from civicshield.core.findings import Severity
from civicshield.core.privacy.detectors.base import ScanContext
from civicshield.core.privacy.model import VEHICLE, PrivacyFinding

# Memory tag (2 letters, no I Q Z... first letter from the DVLA's region letters), age
# identifier (March 02-29, September 51-79), 3 letters without I or Q.
_CURRENT = re.compile(
    r"(?<![A-Za-z0-9])[A-HJ-PR-Y][A-HJ-PR-Y](?:0[2-9]|[12][0-9]|5[1-9]|[67][0-9])"
    r" ?[A-HJ-PR-Z]{3}(?![A-Za-z0-9])"
)
_PREFIX = re.compile(r"(?<![A-Za-z0-9])[A-HJ-NP-Y][1-9][0-9]{0,2} ?[A-HJ-PR-Y]{3}(?![A-Za-z0-9])")
_SUFFIX = re.compile(r"(?<![A-Za-z0-9])[A-HJ-PR-Y]{3} ?[1-9][0-9]{0,2}[A-HJ-NP-Y](?![A-Za-z0-9])")
_CAR_WORDS = re.compile(
    r"\b(?:car|cars|van|vehicle|reg|registration|plate|plates|number\s*plate|parked|driving|"
    r"drives|motor|motorbike|taxi|4x4|hatchback|saloon|estate car)\b",
    re.IGNORECASE,
)
_NEAR = 60

DETAIL = (
    "This looks like a number plate ({plate}). A plate lets someone recognise and follow the "
    "car, or find where it is parked; blur or remove it."
)


def detect(text: str, context: ScanContext) -> Iterator[PrivacyFinding]:
    for match in _CURRENT.finditer(text):
        yield PrivacyFinding(
            VEHICLE,
            (match.start(), match.end()),
            DETAIL.format(plate=match.group(0)),
            Severity.MEDIUM,
        )
    for pattern in (_PREFIX, _SUFFIX):
        for match in pattern.finditer(text):
            window = text[max(0, match.start() - _NEAR) : match.end() + _NEAR]
            if not _CAR_WORDS.search(window):
                continue
            yield PrivacyFinding(
                VEHICLE,
                (match.start(), match.end()),
                DETAIL.format(plate=match.group(0)),
                Severity.MEDIUM,
            )
