"""Demo data for the team, emergency and habits apps (called from ``web/demo.py``)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from civicshield.web.accounts.models import Membership, Office
from civicshield.web.accounts.roles import Role


def _people(office: Office) -> dict[str, Membership]:
    return {
        m.role: m
        for m in Membership.objects.filter(office=office, is_active=True).select_related("user")
    }


def seed_demo_team(office: Office) -> None:
    """An account inventory with a realistic mix of well-kept and neglected accounts."""
    from civicshield.web.team import services

    people = _people(office)
    manager = people.get(Role.OFFICE_MANAGER) or people[Role.REPRESENTATIVE]
    comms = people.get(Role.COMMS_OFFICER)
    caseworker = people.get(Role.CASEWORKER)
    today = timezone.localdate()
    services.account_create(
        actor=manager,
        platform="facebook",
        name="Constituency Facebook page",
        handle="facebook.com/JaneMorganMP",
        owner=comms,
        access=[m for m in (comms, manager) if m],
        two_factor="app",
        recovery_confirmed=today - dt.timedelta(days=40),
        password_changed=today - dt.timedelta(days=100),
        recovery_url="https://www.facebook.com/hacked",
        abuse_report_url="https://www.facebook.com/help/reportlinks",
    )
    services.account_create(
        actor=manager,
        platform="x",
        name="The MP's X account",
        handle="@JaneMorganMP",
        owner=people.get(Role.REPRESENTATIVE),
        access=[m for m in (comms, people.get(Role.REPRESENTATIVE)) if m],
        two_factor="sms",
        password_changed=today - dt.timedelta(days=500),
        recovery_url="https://help.x.com/forms/account-access/regain-access",
        abuse_report_url="https://help.x.com/forms",
    )
    services.account_create(
        actor=manager,
        platform="email",
        name="Office mailbox",
        handle="jane.morgan.office@parliament.uk",
        owner=manager,
        access=[m for m in (manager, caseworker) if m],
        shared_login=True,
        two_factor="app",
        recovery_confirmed=today - dt.timedelta(days=400),
    )
    services.account_create(
        actor=manager,
        platform="website",
        name="Website admin",
        handle="janemorgan.example.org.uk",
        owner=manager,
        access=[manager],
        two_factor="off",
    )


def seed_demo_emergency(office: Office) -> None:
    from civicshield.web.emergency import services

    plan = services.plan_for_office(office)
    plan.notes = (
        "The office's spare laptop is in the locked cabinet. The printed copy of this plan is "
        "in the red folder by the door."
    )
    plan.save(update_fields=["notes"])


def seed_demo_habits(office: Office) -> None:
    from civicshield.web.habits import services

    office.checkin_start, office.checkin_end = dt.time(9, 30), dt.time(17, 0)
    office.checkin_days = [0, 1, 2, 3, 4]
    office.save(update_fields=["checkin_start", "checkin_end", "checkin_days"])
    settings = services.habit_settings_for(office)
    settings.casework_contact = "casework@janemorgan.example.org.uk"
    settings.save(update_fields=["casework_contact"])


def seed_demo_apps(office: Office) -> None:
    """Everything the team, emergency and habits apps show in a fresh demo office."""
    seed_demo_team(office)
    seed_demo_emergency(office)
    seed_demo_habits(office)
