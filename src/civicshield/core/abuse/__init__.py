"""Abuse triage: classify messages as threat, hate, sexual, harassment, profanity, spam or doxxing.

    from civicshield.core.abuse import classify, classify_many
    result = classify("I know where you live")
    result.labels      # ("threat",)
    result.severity    # Severity.CRITICAL
    result.spans       # (Span(0, 21, "threat"),) -- offsets into the original text

A trained linear model (committed as ``abuse_model.npz``, loaded once, offline) does the
broad judgement; patterns catch threats, doxxing details, slurs and scams, and undo
leetspeak, homoglyphs and split-up words before anything is judged.
"""

from civicshield.core.abuse.classifier import (
    LABEL_WORDS,
    LABELS,
    AbuseResult,
    Span,
    classify,
    classify_many,
)
from civicshield.core.findings import Severity

__all__ = ["LABEL_WORDS", "LABELS", "AbuseResult", "Severity", "Span", "classify", "classify_many"]
