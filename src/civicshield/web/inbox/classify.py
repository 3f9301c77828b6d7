"""The one place the inbox calls the abuse classifier (civicshield.core.abuse)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from civicshield.core.findings import Severity


@dataclass(frozen=True)
class Classification:
    abusive: bool
    score: float
    severity: Severity
    labels: list[str] = field(default_factory=list)
    spans: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def classify_texts(texts: Sequence[str]) -> list[Classification]:
    from civicshield.core.abuse import classify_many

    out = []
    for result in classify_many(texts):
        data = result.to_dict()
        out.append(
            Classification(
                abusive=bool(data["abusive"]),
                score=float(data["score"]),
                severity=Severity(data["severity"]),
                labels=list(data["labels"]),
                spans=list(data["spans"]),
                reasons=list(data["reasons"]),
            )
        )
    return out
