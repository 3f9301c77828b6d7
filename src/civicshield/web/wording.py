"""Numbers as staff read them: the same words on every page that shows one."""

from __future__ import annotations


def how_sure(score: float) -> str:
    """A 0..1 score from a check, as "97 out of 100".

    The abuse classifier's and the mail checks' scores say how sure CivicShield is (0.5 and
    above is abusive; the mail verdict has its own thresholds), not a chance of being right,
    so they are shown as a mark out of 100 rather than as a percentage or a bare "0.97".
    """
    return f"{round(min(max(score, 0.0), 1.0) * 100)} out of 100"
