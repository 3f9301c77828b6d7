"""What every detector gets and gives back.

A detector is a function ``detect(text, context) -> Iterable[PrivacyFinding]``. It reads the
text and the scan's context (region, private list, what earlier detectors found) and yields
findings with spans into ``text``. Adding one means a module here and a line in ``REGISTRY``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from civicshield.core.privacy.model import PrivacyFinding, PrivateList


@dataclass
class ScanContext:
    """What a detector may look at besides the text."""

    region: str = "GB"
    """Where numbers without a country code are assumed to be from (ISO 3166 code)."""
    private: PrivateList = field(default_factory=PrivateList)
    """The office's private names and allowed public details."""
    earlier: list[PrivacyFinding] = field(default_factory=list)
    """Findings of the detectors that ran before this one (addresses count as places)."""


Detector = Callable[[str, ScanContext], Iterable[PrivacyFinding]]


def quote(text: str, limit: int = 60) -> str:
    """A short quotation of what was found, for the finding's detail."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
