from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from civicshield.web.accounts.models import Membership
from civicshield.web.audit.actions import area_q
from civicshield.web.audit.models import AuditEntry


def audit_list_for_member(
    *,
    member: Membership,
    area: str = "",
    action: str = "",
    actor: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    """The office's own entries, newest first, filtered. Other offices' entries never appear."""
    entries = AuditEntry.objects.filter(office=member.office).order_by("-created", "-seq")
    if area:
        entries = entries.filter(area_q(area))
    if action:
        entries = entries.filter(action__startswith=action)
    if actor:
        entries = entries.filter(actor_label__icontains=actor)
    if since:
        entries = entries.filter(created__date__gte=since)
    if until:
        entries = entries.filter(created__date__lte=until)
    return entries
