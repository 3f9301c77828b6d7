"""The dashboard's mail security panel, as a tag so the dashboard view needs no change."""

from __future__ import annotations

from typing import Any

from django import template

from civicshield.web.accounts.roles import Capability

register = template.Library()


@register.inclusion_tag("mailguard/dashboard_panel.html", takes_context=True)
def mailguard_panel(context: template.Context) -> dict[str, Any]:
    from civicshield.web.mailguard.selectors import dashboard_stats

    member = context.get("member")
    if member is None or not member.can(Capability.MANAGE_MAILBOXES):
        return {"stats": None}
    return {"stats": dashboard_stats(member=member)}
