from __future__ import annotations

from typing import Any

from django import template

from civicshield.web.team.selectors import TeamSummary, team_summary_for_member

register = template.Library()


@register.simple_tag(takes_context=True)
def team_summary(context: dict[str, Any]) -> TeamSummary | None:
    """The dashboard panel's numbers (the dashboard view belongs to the foundation)."""
    member = context.get("member")
    return team_summary_for_member(member=member) if member is not None else None
