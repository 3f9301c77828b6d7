from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from civicshield.web.accounts.services import NotAllowed
from civicshield.web.audit.models import AuditEntry
from civicshield.web.team import selectors, services
from civicshield.web.team.models import PlatformAccount
from civicshield.web.testing import signed_in_client

pytestmark = pytest.mark.django_db


def test_accounts_are_created_and_changed_with_an_audit_trail(cast):
    account = services.account_create(
        actor=cast.manager, platform="x", name="MP's X account", access=[cast.comms]
    )
    services.account_update(
        actor=cast.manager,
        account=account,
        two_factor="app",
        access=[cast.comms, cast.representative],
    )
    change = AuditEntry.objects.get(action="team.account.changed")
    assert change.details["two_factor"] == {"before": "unknown", "after": "app"}
    assert change.details["access"]["after"] == sorted(
        [cast.comms.user.email, cast.representative.user.email]
    )


def test_only_account_managers_may_change_the_inventory(cast):
    with pytest.raises(NotAllowed):
        services.account_create(actor=cast.comms, platform="x", name="X")


def test_people_from_another_office_cannot_be_given_access(cast):
    with pytest.raises(NotAllowed):
        services.account_create(
            actor=cast.manager, platform="x", name="X", access=[cast.other_manager]
        )


@pytest.mark.parametrize(
    ("two_factor", "expected"),
    [("off", "is off"), ("sms", "text message"), ("unknown", "Nobody has recorded")],
)
def test_weak_two_factor_is_flagged(two_factor, expected):
    account = PlatformAccount(platform="x", name="X", two_factor=two_factor)
    assert any(expected in w for w in selectors.account_warnings(account))


def test_a_well_kept_account_has_no_warnings(cast):
    today = dt.date(2026, 11, 27)
    account = PlatformAccount(
        platform="x",
        name="X",
        two_factor="app",
        owner=cast.manager,
        recovery_confirmed=today - dt.timedelta(days=30),
        password_changed=today,
        recovery_url="https://help.x.com/forms/account-access",
    )
    assert selectors.account_warnings(account, today=today) == []
    account.recovery_confirmed = today - dt.timedelta(days=400)
    assert selectors.account_warnings(account, today=today)


def test_the_staff_page_shows_who_can_reach_what(cast):
    services.account_create(
        actor=cast.manager, platform="facebook", name="Constituency page", access=[cast.comms]
    )
    page = signed_in_client(cast.manager.user).get(reverse("team:staff")).content.decode()
    assert "Who can reach what" in page
    assert "Constituency page" in page
    matrix = selectors.access_matrix_for_member(member=cast.manager)
    reaches = {row.member.pk: row.reaches for row in matrix.rows}
    assert reaches[cast.comms.pk] == [True]
    assert reaches[cast.caseworker.pk] == [False]


def test_the_inventory_pages_work_and_never_ask_for_a_password(cast):
    client = signed_in_client(cast.manager.user)
    response = client.post(
        reverse("team:account_add"),
        {
            "platform": "email",
            "name": "Office mailbox",
            "two_factor": "app",
            "access": [cast.caseworker.pk],
            "recovery_url": "https://account.example.org/recover",
        },
    )
    assert response.status_code == 302
    account = PlatformAccount.objects.get(name="Office mailbox")
    assert list(account.access.all()) == [cast.caseworker]
    form_page = client.get(reverse("team:account_edit", kwargs={"pk": account.pk})).content.decode()
    assert 'type="password"' not in form_page
    assert signed_in_client(cast.caseworker.user).get(reverse("team:accounts")).status_code == 403
