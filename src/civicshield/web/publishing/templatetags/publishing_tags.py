from __future__ import annotations

from typing import Any

from django import template

from civicshield.web.publishing import selectors
from civicshield.web.publishing.models import Draft

register = template.Library()


@register.simple_tag(takes_context=True)
def publishing_summary(context: dict[str, Any]) -> dict[str, Any]:
    """Counts for the dashboard panel, for the signed-in member's office."""
    member = context.get("member")
    if member is None:
        return {}
    drafts = selectors.draft_list_for_member(member=member)
    approves = selectors.member_approves_posts(member=member)
    return {
        "approves": approves,
        "to_review": len(selectors.review_queue_for_member(member=member)) if approves else 0,
        "scheduled": drafts.filter(state=Draft.State.SCHEDULED).count(),
        "failed": drafts.filter(state=Draft.State.FAILED).count(),
        "paused": member.office.publishing_paused,
    }


@register.simple_tag(takes_context=True)
def approves_posts(context: dict[str, Any]) -> bool:
    """Whether the signed-in member approves posts for any account (for the Posts menu)."""
    member = context.get("member")
    return member is not None and selectors.member_approves_posts(member=member)
