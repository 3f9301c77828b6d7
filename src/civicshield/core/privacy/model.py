"""What the privacy scanner finds, and the office's own lists it scans with."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from civicshield.core.findings import Severity

PHONE: Final = "phone"
EMAIL: Final = "email"
POSTCODE: Final = "postcode"
ADDRESS: Final = "address"
VEHICLE: Final = "vehicle"
PRIVATE_PERSON: Final = "private_person"
LIVE_LOCATION: Final = "live_location"
ROUTINE: Final = "routine"
IMAGE_GPS: Final = "image_gps"
IMAGE_DEVICE: Final = "image_device"

TEXT_KINDS: tuple[str, ...] = (
    PHONE,
    EMAIL,
    POSTCODE,
    ADDRESS,
    VEHICLE,
    PRIVATE_PERSON,
    LIVE_LOCATION,
    ROUTINE,
)
IMAGE_KINDS: tuple[str, ...] = (IMAGE_GPS, IMAGE_DEVICE)
KINDS: tuple[str, ...] = TEXT_KINDS + IMAGE_KINDS

DEFAULT_LABEL = "on the office's private list"

ERROR_EMPTY_NAME = "a private-list entry must not be empty"


@dataclass(frozen=True, slots=True)
class PrivacyFinding:
    """One piece of personal information in a post or a photo."""

    kind: str
    """What it is: one of ``KINDS`` (``phone``, ``email``, ``postcode``, ``address``...)."""
    span: tuple[int, int]
    """Where it is in the text: ``text[start:end]``. ``(0, 0)`` for a photo's metadata."""
    detail: str
    """What was found and what to do about it, in plain words."""
    severity: Severity
    """How much harm posting it could do."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: ``{"kind", "span": [start, end], "detail", "severity"}``."""
        return {
            "kind": self.kind,
            "span": [self.span[0], self.span[1]],
            "detail": self.detail,
            "severity": str(self.severity),
        }


@dataclass(frozen=True, slots=True)
class PrivateName:
    """A name or place that must not appear in a post."""

    text: str
    """As the office wrote it: "Sophie", "Hillside Primary School", "Acacia Avenue"."""
    label: str = DEFAULT_LABEL
    """What it is, in plain words, used in the finding: "child", "school", "home street"."""


def normalise(value: str) -> str:
    """Lower case, letters and digits only: how allowed details are compared."""
    return re.sub(r"[\W_]+", "", value.casefold())


@dataclass(frozen=True)
class PrivateList:
    """The office's own lists: what must never be posted, and what may always be.

    ``names`` are the representative's family members, children, their schools, the home
    street, staff home details: anything that helps someone find them. ``allowed`` are the
    office's public contact details (office phone number, office email, constituency office
    address); a phone number, email, postcode or address found in a post is not reported
    when it is one of these or part of one.
    """

    names: tuple[PrivateName, ...] = ()
    """Private people and places, matched case-insensitively as whole words."""
    allowed: frozenset[str] = field(default_factory=frozenset)
    """Public contact details that may be posted."""

    def __post_init__(self) -> None:
        for name in self.names:
            if not name.text.strip():
                raise ValueError(ERROR_EMPTY_NAME)

    @classmethod
    def build(
        cls,
        names: Mapping[str, str] | Iterable[str | PrivateName] = (),
        *,
        allowed: Iterable[str] = (),
    ) -> PrivateList:
        """Make a list from plain values.

        ``names`` is either a mapping ``{"Sophie": "child", "Acacia Avenue": "home street"}``
        or an iterable of names (each labelled ``DEFAULT_LABEL``) or ``PrivateName`` objects.
        Blank entries are skipped.
        """
        entries: list[PrivateName] = []
        if isinstance(names, Mapping):
            entries = [
                PrivateName(str(k).strip(), str(v) or DEFAULT_LABEL) for k, v in names.items()
            ]
        else:
            for item in names:
                entries.append(item if isinstance(item, PrivateName) else PrivateName(item.strip()))
        return cls(
            names=tuple(entry for entry in entries if entry.text.strip()),
            allowed=frozenset(item.strip() for item in allowed if item and item.strip()),
        )
