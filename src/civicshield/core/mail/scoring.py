"""Combine the checks' features into a score and a verdict.

The score is a logistic model over binary features: ``score = 1 / (1 + exp(-(b + sum w_f)))``
for the features present. Weights come from ``weights.json`` next to this file, written by
``scripts/fit_mail_weights.py`` (fitted on the fit split of the development corpus, never on the
held-out split) plus hand-set weights for what that corpus cannot show (impersonating the
office's own contacts and domains, which its anonymised recipients hide). ``docs/mail-checks.md``
explains every weight.

Two rules sit on top of the weights, because the development data cannot be trusted to teach
them:

1. Weak signals cannot make a verdict alone. Failed SPF/DKIM/DMARC is common in genuine
   mailing-list mail; deceptive link text and raw-IP links are now rare in phishing; other
   return paths are normal for bulk mail. One weak signal alone leaves the verdict ``clean``
   (its finding is still listed); several weak signals and nothing else give at most
   ``suspicious``.
2. Hand-set floors: an impersonated trusted contact or domain, or a program attached, is
   ``phishing`` on its own whatever the fit says (see ``weights.json`` ``floors``).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Literal

__all__ = ["WEAK_FEATURES", "Scorer", "Verdict", "load_scorer"]

Verdict = Literal["phishing", "suspicious", "clean"]

WEAK_FEATURES: frozenset[str] = frozenset(
    {
        "authentication.fail",
        "deceptive_link.mismatch",
        "risky_link.ip_address",
        "risky_link.shortener",
        "risky_link.new_domain",
        "risky_link.abused_tld",
        "reply_mismatch.return_path",
        "sender_address.abused_tld",
        "layout.mostly_pictures",
    }
)


@dataclass(frozen=True)
class Scorer:
    """Weights and thresholds, as loaded from ``weights.json``."""

    intercept: float
    """The log-odds when no check fires."""
    weights: Mapping[str, float]
    """Feature -> weight added to the log-odds when the feature is present (never negative)."""
    phishing_threshold: float
    """Scores at or above this are ``phishing``."""
    suspicious_threshold: float
    """Scores at or above this (and below the phishing one) are ``suspicious``."""

    def score(self, features: Iterable[str]) -> float:
        """The score, 0..1, of a set of features (unknown features count zero)."""
        logit = self.intercept + sum(self.weights.get(f, 0.0) for f in set(features))
        return 1.0 / (1.0 + math.exp(-logit))

    def verdict(self, features: Iterable[str]) -> tuple[Verdict, float]:
        """(verdict, score) with the weak-signal rule applied."""
        present = set(features)
        value = self.score(present)
        verdict: Verdict = "clean"
        if value >= self.phishing_threshold:
            verdict = "phishing"
        elif value >= self.suspicious_threshold:
            verdict = "suspicious"
        if present and present <= WEAK_FEATURES:
            # Weak signals: one alone gives no verdict; several together at most "suspicious".
            if len(present) == 1:
                verdict = "clean"
            elif verdict == "phishing":
                verdict = "suspicious"
        return verdict, value


@functools.cache
def load_scorer() -> Scorer:
    """The committed weights (``civicshield/core/mail/weights.json``)."""
    text = resources.files("civicshield.core.mail").joinpath("weights.json").read_text("utf-8")
    return scorer_from_dict(json.loads(text))


def scorer_from_dict(data: Mapping[str, object]) -> Scorer:
    """Build a scorer from the JSON structure written by the fitting script."""
    fitted = dict(data.get("weights", {}))  # type: ignore[call-overload]
    hand_set = dict(data.get("hand_set", {}))  # type: ignore[call-overload]
    floors = dict(data.get("floors", {}))  # type: ignore[call-overload]
    weights: dict[str, float] = {}
    for name in set(fitted) | set(hand_set) | set(floors):
        value = float(hand_set.get(name, fitted.get(name, 0.0)))
        value = max(value, float(floors.get(name, 0.0)), 0.0)
        weights[name] = value
    return Scorer(
        intercept=float(data["intercept"]),  # type: ignore[arg-type]
        weights=weights,
        phishing_threshold=float(data["phishing_threshold"]),  # type: ignore[arg-type]
        suspicious_threshold=float(data["suspicious_threshold"]),  # type: ignore[arg-type]
    )
