from __future__ import annotations

from typing import Any

from django import template

from civicshield.web.emergency.models import Incident
from civicshield.web.emergency.services import incident_get_open

register = template.Library()


@register.simple_tag(takes_context=True)
def open_incident(context: dict[str, Any]) -> Incident | None:
    member = context.get("member")
    return incident_get_open(member.office) if member is not None else None
