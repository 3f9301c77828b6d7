"""Template filters for the mail pages: numbers in the same words as everywhere else."""

from __future__ import annotations

from django import template

from civicshield.web import wording

register = template.Library()


@register.filter
def how_sure(score: float) -> str:
    """``0.97`` -> ``97 out of 100`` (``civicshield.web.wording.how_sure``)."""
    return wording.how_sure(score)
