"""Result types shared by every engine: what was found, how bad it is, in plain words."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.StrEnum):
    """How urgently a person should look at something, from most to least urgent."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NONE = "none"

    @property
    def rank(self) -> int:
        """Sort key: 4 for critical down to 0 for none."""
        return _RANK[self]


_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.NONE: 0,
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a check noticed."""

    check: str
    """Machine name of the check that produced it, e.g. ``lookalike_sender``."""
    severity: Severity
    """How serious this one finding is on its own."""
    detail: str
    """What was found and what to do, in words a non-expert understands."""
