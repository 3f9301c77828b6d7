from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from civicshield.web.habits import bio, services

register = template.Library()


@register.simple_tag(takes_context=True)
def habits_summary(context: dict[str, Any]) -> dict[str, Any] | None:
    member = context.get("member")
    if member is None:
        return None
    office = member.office
    next_due = services.assessment_next_due(office)
    return {
        "out_of_hours": services.out_of_hours_notice_for(office),
        "hours": bio.hours_text(office.checkin_start, office.checkin_end, office.checkin_days),
        "next_due": next_due,
        "assessment_due": next_due <= timezone.now(),
    }
