"""Scan a post's text for personal information before it is published."""

from __future__ import annotations

import phonenumbers

from civicshield.core.privacy.detectors import REGISTRY, ScanContext
from civicshield.core.privacy.detectors.phone import normalise_phone
from civicshield.core.privacy.model import (
    LIVE_LOCATION,
    PHONE,
    PRIVATE_PERSON,
    ROUTINE,
    PrivacyFinding,
    PrivateList,
    normalise,
)

ERROR_UNKNOWN_REGION = "the region must be a two-letter country code such as GB, IE or US"

# Private names and what a post says about where someone is are never waived by the
# allowed list (an allowed email may well contain a child's first name).
_NEVER_ALLOWED = frozenset({LIVE_LOCATION, ROUTINE, PRIVATE_PERSON})
# An allowed detail shorter than this (after normalising) could match too much by accident.
_MIN_ALLOWED_CHARS = 5


class _Allowed:
    """The office's public details, normalised for comparison."""

    def __init__(self, private: PrivateList, region: str) -> None:
        self.texts = [n for n in (normalise(a) for a in private.allowed) if n]
        self.phones = {p for p in (normalise_phone(a, region) for a in private.allowed) if p}
        self.region = region

    def covers(self, finding: PrivacyFinding, text: str) -> bool:
        if finding.kind in _NEVER_ALLOWED:
            return False
        found = text[finding.span[0] : finding.span[1]]
        if finding.kind == PHONE:
            return normalise_phone(found, self.region) in self.phones
        key = normalise(found)
        if len(key) < _MIN_ALLOWED_CHARS:
            return key in self.texts
        return any(key in allowed for allowed in self.texts)


def _drop_overlaps(findings: list[PrivacyFinding]) -> list[PrivacyFinding]:
    """Of overlapping findings of the same kind, keep the longer (the first if equal)."""
    kept: list[PrivacyFinding] = []
    last: dict[str, int] = {}  # kind -> index in kept of its latest finding
    for finding in sorted(findings, key=lambda f: (f.span[0], f.span[0] - f.span[1])):
        at = last.get(finding.kind)
        if at is not None and finding.span[0] < kept[at].span[1]:
            current = kept[at]
            if finding.span[1] - finding.span[0] > current.span[1] - current.span[0]:
                kept[at] = finding
            continue
        last[finding.kind] = len(kept)
        kept.append(finding)
    return sorted(kept, key=lambda f: (f.span[0], f.span[1], f.kind))


def scan_text(
    text: str, *, private: PrivateList | None = None, region: str = "GB"
) -> tuple[PrivacyFinding, ...]:
    """Find personal information in ``text``, in the order it appears.

    ``private`` holds the office's private names (reported wherever they appear) and its
    allowed public details (never reported). ``region`` is where phone numbers without a
    country code are from (raises ``ValueError(ERROR_UNKNOWN_REGION)`` for an unknown one).
    Each finding's ``detail`` says what it is and what to do.
    """
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(ERROR_UNKNOWN_REGION)
    private = private or PrivateList()
    context = ScanContext(region=region, private=private)
    allowed = _Allowed(private, region)
    for detect in REGISTRY.values():
        for finding in detect(text, context):
            if allowed.covers(finding, text):
                continue
            context.earlier.append(finding)
    return tuple(_drop_overlaps(context.earlier))
