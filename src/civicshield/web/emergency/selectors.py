"""Reading plans and incidents, always through the acting member's office."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from civicshield.web.accounts.models import Membership
from civicshield.web.emergency.models import Incident, IncidentStep, PlanContact, Playbook


def contact_get_for_member(*, member: Membership, pk: int) -> PlanContact:
    return get_object_or_404(
        PlanContact.objects.filter(plan__office=member.office).select_related("plan"), pk=pk
    )


def playbook_get_for_member(*, member: Membership, pk: int) -> Playbook:
    return get_object_or_404(
        Playbook.objects.filter(plan__office=member.office).select_related("plan"), pk=pk
    )


def incident_list_for_member(*, member: Membership) -> QuerySet[Incident]:
    return Incident.objects.filter(office=member.office).select_related("opened_by", "closed_by")


def incident_get_for_member(*, member: Membership, pk: int) -> Incident:
    return get_object_or_404(incident_list_for_member(member=member), pk=pk)


def step_get_for_member(*, member: Membership, pk: int) -> IncidentStep:
    return get_object_or_404(
        IncidentStep.objects.filter(incident__office=member.office).select_related("incident"),
        pk=pk,
    )
