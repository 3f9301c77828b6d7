from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from civicshield.web.accounts import services
from civicshield.web.accounts.roles import Capability, Role
from civicshield.web.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_membership_changes_are_audited(cast):
    services.member_change_role(
        actor=cast.manager, membership=cast.caseworker, role=Role.COMMS_OFFICER
    )
    entry = AuditEntry.objects.get(action="accounts.membership.changed")
    assert entry.details["before"]["role"] == Role.CASEWORKER
    assert entry.details["after"]["role"] == Role.COMMS_OFFICER
    assert entry.actor == cast.manager.user


def test_a_caseworker_cannot_manage_staff(cast):
    with pytest.raises(services.NotAllowed):
        services.member_change_role(
            actor=cast.caseworker, membership=cast.volunteer, role=Role.CASEWORKER
        )


def test_a_manager_of_another_office_cannot_change_ours(cast):
    with pytest.raises(services.NotAllowed):
        services.member_deactivate(actor=cast.other_manager, membership=cast.caseworker)


def test_the_last_manager_cannot_be_removed(db):
    office = services.office_create(name="Tiny office")
    only = services.member_add(
        office=office, email="o@x.example", full_name="O", role=Role.REPRESENTATIVE
    )
    with pytest.raises(ValidationError):
        services.member_deactivate(actor=only, membership=only)


def test_volunteers_never_see_messages_or_evidence(cast):
    assert not cast.volunteer.can(Capability.TRIAGE_INBOX)
    assert not cast.volunteer.can(Capability.VIEW_EVIDENCE)
    assert cast.volunteer.can(Capability.DRAFT_POSTS)
    assert not cast.comms.can(Capability.APPROVE_POSTS)
    assert cast.representative.can(Capability.FINAL_SIGN_OFF)


def test_an_ended_membership_can_do_nothing(cast):
    services.member_deactivate(actor=cast.manager, membership=cast.caseworker)
    cast.caseworker.refresh_from_db()
    assert not cast.caseworker.can(Capability.VIEW_DASHBOARD)
    assert AuditEntry.objects.filter(action="accounts.membership.ended").exists()


def test_checkin_hours_follow_the_office_time_zone(cast):
    import datetime as dt

    office = cast.office_a
    office.time_zone = "Europe/London"
    # Monday 2 November 2026, 09:30 in London (GMT) is within 09:00-17:30.
    assert office.within_checkin_hours(dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC))
    assert not office.within_checkin_hours(dt.datetime(2026, 11, 2, 18, 0, tzinfo=dt.UTC))
    # Saturday is not a check-in day by default.
    assert not office.within_checkin_hours(dt.datetime(2026, 11, 7, 10, 0, tzinfo=dt.UTC))
    # In summer time 08:30 UTC is 09:30 in London.
    assert office.within_checkin_hours(dt.datetime(2026, 7, 6, 8, 30, tzinfo=dt.UTC))
