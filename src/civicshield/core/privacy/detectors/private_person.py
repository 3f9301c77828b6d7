"""Names on the office's private list: family, children, schools, the home street, staff.

Matching ignores case and allows possessives ("Sophie's", "James'"), but a name inside a
longer word never matches ("Ann" is not in "Annual"). One exception keeps everyday words
quiet: a one-word entry that is also a common English word ("Rose", "Mark", "Grace") matches
only when written with a capital, so "prices rose" is not a finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from civicshield.core.findings import Severity
from civicshield.core.privacy.detectors.base import ScanContext
from civicshield.core.privacy.model import PRIVATE_PERSON, PrivacyFinding, PrivateName

# First names that are also everyday words.
EVERYDAY_WORDS = frozenset(
    (
        "amber april art august autumn bill bob brook buck carol chase cliff crystal daisy "
        "dawn dean don drew eve faith frank gene glen grace grant guy hazel heather holly hope "
        "hunter iris ivy jack jade jay jean jewel joy june lily mark marsh max may mercy "
        "olive opal pat patience pearl penny pepper poppy ray reed rich river rob robin rock "
        "rose ruby rush sage scarlett sky skye summer sunny violet wade will willow win winter"
    ).split()
)

DETAIL = (
    "This names {name}, {label}. Posts that name family, children, their schools or a "
    "home street help people find them; leave it out."
)


@lru_cache(maxsize=256)
def _pattern(text: str) -> re.Pattern[str]:
    words = text.split()
    body = r"[\s\u00a0]+".join(re.escape(word) for word in words)
    flags = 0 if len(words) == 1 and text.lower() in EVERYDAY_WORDS else re.IGNORECASE
    if not flags:
        # Capitalised or all capitals only.
        first, rest = re.escape(text[0].upper()), re.escape(text[1:])
        body = rf"(?:{first}(?i:{rest}))"
    return re.compile(rf"(?<![\w'’-]){body}(?=(?:['’]s?)?(?![\w-]))", flags)


def _label(entry: PrivateName) -> str:
    label = entry.label.strip()
    if label.startswith(("on ", "in ", "from ")) or label.startswith(("the ", "a ", "an ")):
        return label
    return f"listed as {label}"


def detect(text: str, context: ScanContext) -> Iterator[PrivacyFinding]:
    for entry in context.private.names:
        for match in _pattern(entry.text.strip()).finditer(text):
            yield PrivacyFinding(
                PRIVATE_PERSON,
                (match.start(), match.end()),
                DETAIL.format(name=match.group(0), label=_label(entry)),
                Severity.HIGH,
            )
