from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicshield.web.accounts.models import Membership
from civicshield.web.accounts.roles import Role
from civicshield.web.accounts.services import NotAllowed
from civicshield.web.audit.models import AuditEntry
from civicshield.web.team import services
from civicshield.web.team.models import Invitation
from civicshield.web.testing import signed_in_client

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "velvet-harbour-quiz-tandem"


def _link_path(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/team/join/[^\s]+)", body)
    assert match, body
    return match.group(1)


def test_it_emails_a_link_and_stores_only_a_hash(cast):
    invitation, token = services.invitation_send(
        actor=cast.manager, email="New.Person@a.example", role=Role.CASEWORKER
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@a.example"]
    assert token in mail.outbox[0].body
    assert invitation.token_hash == services.hash_token(token)
    assert token not in invitation.token_hash
    assert not Invitation.objects.filter(token_hash=token).exists()
    assert AuditEntry.objects.filter(action="team.invitation.sent").exists()


def test_a_caseworker_cannot_invite(cast):
    with pytest.raises(NotAllowed):
        services.invitation_send(actor=cast.caseworker, email="x@a.example", role=Role.VOLUNTEER)


def test_it_refuses_existing_members_and_duplicate_invitations(cast):
    with pytest.raises(ValidationError):
        services.invitation_send(
            actor=cast.manager, email=cast.comms.user.email, role=Role.VOLUNTEER
        )
    services.invitation_send(actor=cast.manager, email="x@a.example", role=Role.VOLUNTEER)
    with pytest.raises(ValidationError):
        services.invitation_send(actor=cast.manager, email="x@a.example", role=Role.VOLUNTEER)


def test_the_invited_person_joins_with_a_strong_password_then_sets_up_two_factor(cast):
    services.invitation_send(actor=cast.manager, email="new@a.example", role=Role.CASEWORKER)
    client = Client()
    response = client.get(_link_path(str(mail.outbox[0].body)))
    assert response["Location"] == reverse("team:invitation_join")
    weak = client.post(
        reverse("team:invitation_join"),
        {"full_name": "Nia New", "password": "password1", "password_again": "password1"},
    )
    assert weak.status_code == 200
    assert "too easy to guess" in weak.content.decode() or "too common" in weak.content.decode()
    response = client.post(
        reverse("team:invitation_join"),
        {"full_name": "Nia New", "password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD},
    )
    assert response["Location"] == reverse("accounts:two_factor_setup")
    membership = Membership.objects.get(user__email="new@a.example")
    assert membership.office == cast.office_a
    assert membership.role == Role.CASEWORKER
    assert membership.user.check_password(GOOD_PASSWORD)


def test_the_link_works_once(cast):
    _, token = services.invitation_send(
        actor=cast.manager, email="new@a.example", role=Role.VOLUNTEER
    )
    services.invitation_accept(token=token, full_name="Nia", password=GOOD_PASSWORD)
    with pytest.raises(ValidationError):
        services.invitation_accept(token=token, full_name="Nia", password=GOOD_PASSWORD)
    assert (
        Client().get(reverse("team:invitation_accept", kwargs={"token": token})).status_code == 404
    )


def test_the_link_expires(cast):
    _, token = services.invitation_send(
        actor=cast.manager, email="new@a.example", role=Role.VOLUNTEER
    )
    with time_machine.travel(
        timezone.now() + services.INVITATION_VALID_FOR + dt.timedelta(minutes=1)
    ):
        with pytest.raises(ValidationError, match="expired"):
            services.invitation_accept(token=token, full_name="Nia", password=GOOD_PASSWORD)


def test_a_withdrawn_invitation_cannot_be_used(cast):
    invitation, token = services.invitation_send(
        actor=cast.manager, email="new@a.example", role=Role.VOLUNTEER
    )
    signed_in_client(cast.manager.user).post(
        reverse("team:invitation_revoke", kwargs={"pk": invitation.pk})
    )
    assert services.invitation_for_token(token) is None


def test_a_signed_in_stranger_gets_not_found(cast):
    _, token = services.invitation_send(
        actor=cast.manager, email="new@a.example", role=Role.VOLUNTEER
    )
    client = signed_in_client(cast.comms.user)
    assert client.get(reverse("team:invitation_accept", kwargs={"token": token})).status_code == 404


def test_the_invite_page_sends_the_email(cast):
    client = signed_in_client(cast.manager.user)
    response = client.post(reverse("team:invite"), {"email": "p@a.example", "role": Role.VOLUNTEER})
    assert response.status_code == 302
    assert mail.outbox[0].to == ["p@a.example"]
    assert signed_in_client(cast.comms.user).get(reverse("team:invite")).status_code == 403


def test_a_former_member_can_be_invited_back_and_chooses_a_new_password(cast):
    from civicshield.web.team.offboarding import member_offboard

    member_offboard(actor=cast.manager, membership=cast.caseworker)
    _, token = services.invitation_send(
        actor=cast.manager, email=cast.caseworker.user.email, role=Role.VOLUNTEER
    )
    client = Client()
    client.get(reverse("team:invitation_accept", kwargs={"token": token}))
    response = client.post(
        reverse("team:invitation_join"),
        {"full_name": "Cara Lee", "password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD},
    )
    assert response["Location"] == reverse("accounts:two_factor_setup")
    cast.caseworker.refresh_from_db()
    assert cast.caseworker.is_active
    assert cast.caseworker.role == Role.VOLUNTEER
    assert cast.caseworker.user.is_active
    assert cast.caseworker.user.check_password(GOOD_PASSWORD)


def test_an_active_person_elsewhere_must_sign_in_to_join(cast):
    _, token = services.invitation_send(
        actor=cast.manager, email=cast.other_manager.user.email, role=Role.VOLUNTEER
    )
    with pytest.raises(ValidationError):
        services.invitation_accept(token=token, full_name="Bob", password=GOOD_PASSWORD)
    membership = services.invitation_accept(token=token, user=cast.other_manager.user)
    assert membership.office == cast.office_a
