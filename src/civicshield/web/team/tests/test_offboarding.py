from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicshield.web.accounts import services as accounts
from civicshield.web.accounts.roles import Role
from civicshield.web.accounts.services import NotAllowed
from civicshield.web.audit.models import AuditEntry
from civicshield.web.team import offboarding, services
from civicshield.web.team.models import PlatformAccount, Task
from civicshield.web.testing import PASSWORD, signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def inventory(cast):
    page = services.account_create(
        actor=cast.manager, platform="facebook", name="Constituency page", access=[cast.caseworker]
    )
    mailbox = services.account_create(
        actor=cast.manager, platform="email", name="Office mailbox", owner=cast.caseworker
    )
    unrelated = services.account_create(
        actor=cast.manager, platform="x", name="MP's X account", access=[cast.comms]
    )
    return page, mailbox, unrelated


def test_it_signs_the_leaver_out_everywhere_and_closes_the_account(cast, inventory):
    leaver = cast.caseworker.user
    first = signed_in_client(leaver)
    second = signed_in_client(leaver)
    bystander = signed_in_client(cast.comms.user)
    accounts.recovery_codes_replace(user=leaver)
    assert first.get("/").status_code == 200

    record = offboarding.member_offboard(
        actor=cast.manager, membership=cast.caseworker, reason="Left"
    )

    assert record.sessions_ended == 2
    assert first.get("/").status_code == 302
    assert second.get("/").status_code == 302
    assert bystander.get("/").status_code == 200
    leaver.refresh_from_db()
    assert not leaver.is_active
    assert not leaver.has_usable_password()
    assert not TOTPDevice.objects.filter(user=leaver).exists()
    assert not StaticDevice.objects.filter(user=leaver).exists()
    assert record.devices_removed == 2
    assert record.user_deactivated


def test_the_leaver_cannot_sign_back_in(cast, inventory, client):
    offboarding.member_offboard(actor=cast.manager, membership=cast.caseworker)
    response = client.post(
        reverse("accounts:login"), {"username": cast.caseworker.user.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_it_opens_a_rotation_task_for_every_account_they_could_reach(cast, inventory):
    page, mailbox, unrelated = inventory
    record = offboarding.member_offboard(actor=cast.manager, membership=cast.caseworker)
    tasks = Task.objects.filter(offboarding=record, kind=Task.Kind.ROTATION)
    assert {t.account for t in tasks} == {page, mailbox}
    assert all(t.due > record.created for t in tasks)
    assert sorted(record.accounts) == sorted([str(page), str(mailbox)])
    page.refresh_from_db()
    mailbox.refresh_from_db()
    assert cast.caseworker not in page.access.all()
    assert mailbox.owner is None
    assert cast.comms in PlatformAccount.objects.get(pk=unrelated.pk).access.all()


def test_it_is_audited(cast, inventory):
    offboarding.member_offboard(actor=cast.manager, membership=cast.caseworker, reason="Left")
    entry = AuditEntry.objects.get(action="team.member.offboarded")
    assert entry.actor == cast.manager.user
    assert entry.details["sessions_ended"] == 0
    assert len(entry.details["rotation_tasks"]) == 2
    assert AuditEntry.objects.filter(action="accounts.membership.ended").exists()
    assert AuditEntry.objects.filter(action="team.task.opened").count() == 2


def test_someone_still_in_another_office_keeps_their_sign_in(cast):
    accounts.member_add(
        office=cast.office_b,
        email=cast.caseworker.user.email,
        full_name="Cara Lee",
        role=Role.CASEWORKER,
    )
    signed_in_client(cast.caseworker.user)
    record = offboarding.member_offboard(actor=cast.manager, membership=cast.caseworker)
    cast.caseworker.user.refresh_from_db()
    assert cast.caseworker.user.is_active
    assert not record.user_deactivated
    assert record.devices_removed == 0
    # Their sessions still end, so they must sign in again and land in the office they still have.
    assert record.sessions_ended == 1
    assert not Session.objects.exists()


def test_a_caseworker_cannot_offboard_anyone(cast):
    with pytest.raises(NotAllowed):
        offboarding.member_offboard(actor=cast.caseworker, membership=cast.volunteer)


def test_another_office_cannot_offboard_our_staff(cast):
    with pytest.raises(NotAllowed):
        offboarding.member_offboard(actor=cast.other_manager, membership=cast.caseworker)


def test_nobody_offboards_themselves_or_a_leaver_twice(cast):
    with pytest.raises(ValidationError, match="yourself"):
        offboarding.member_offboard(actor=cast.manager, membership=cast.manager)
    offboarding.member_offboard(actor=cast.manager, membership=cast.volunteer)
    with pytest.raises(ValidationError, match="already left"):
        offboarding.member_offboard(actor=cast.manager, membership=cast.volunteer)


def test_registered_token_revokers_are_called(cast, monkeypatch):
    calls = []

    def revoke(user, office):
        calls.append((user, office))
        return 3

    monkeypatch.setattr(offboarding, "TOKEN_REVOKERS", [revoke])
    record = offboarding.member_offboard(actor=cast.manager, membership=cast.caseworker)
    assert calls == [(cast.caseworker.user, cast.office_a)]
    assert record.tokens_revoked == 3


def test_api_tokens_the_leaver_created_are_revoked(cast):
    from civicshield.web.inbox.models import ApiToken
    from civicshield.web.inbox.services import api_token_authenticate, api_token_create

    _, theirs = api_token_create(member=cast.representative, name="theirs")
    _, mine = api_token_create(member=cast.manager, name="mine")
    record = offboarding.member_offboard(actor=cast.manager, membership=cast.representative)
    assert record.tokens_revoked == 1
    assert api_token_authenticate(theirs) is None
    assert api_token_authenticate(mine) is not None
    assert ApiToken.objects.filter(revoked__isnull=False).count() == 1


@pytest.mark.skipif(
    not __import__("django.apps").apps.apps.is_installed("civicshield.web.publishing"),
    reason="the publishing app is not in this branch yet",
)
def test_publishing_connections_they_set_up_get_a_renewal_task(cast):
    import importlib

    models = importlib.import_module("civicshield.web.publishing.models")
    AccountAccess, ConnectedAccount = models.AccountAccess, models.ConnectedAccount  # noqa: N806

    connection = ConnectedAccount.objects.create(
        office=cast.office_a,
        platform="mastodon",
        handle="@alice@mastodon.example",
        server_url="https://mastodon.example",
        connected_by=cast.comms.user,
    )
    AccountAccess.objects.create(account=connection, member=cast.comms)
    record = offboarding.member_offboard(actor=cast.manager, membership=cast.comms)
    assert record.tasks.filter(title__startswith="Renew the connection").count() == 1
    assert not AccountAccess.objects.filter(member=cast.comms).exists()
