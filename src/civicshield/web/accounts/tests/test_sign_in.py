"""Sign-in: password, then mandatory two-factor enrolment or verification; failures are audited."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicshield.web.accounts.views import ERROR_THROTTLED, ERROR_WRONG_CODE
from civicshield.web.audit.models import AuditEntry
from civicshield.web.testing import PASSWORD, confirmed_totp, signed_in_client

pytestmark = pytest.mark.django_db


def _code(device: TOTPDevice, *, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def _password_sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_it_sends_a_new_person_to_two_factor_setup(cast):
    client = Client()
    response = _password_sign_in(client, cast.manager.user.email)
    assert response.status_code == 302
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:two_factor_setup")


def test_it_enrols_totp_and_shows_recovery_codes_once(cast):
    client = Client()
    _password_sign_in(client, cast.manager.user.email)
    page = client.get(reverse("accounts:two_factor_setup"))
    assert page.status_code == 200
    assert b"data:image/svg+xml;base64," in page.content
    device = TOTPDevice.objects.get(user=cast.manager.user, confirmed=False)
    response = client.post(reverse("accounts:two_factor_setup"), {"code": _code(device)})
    assert response["Location"] == reverse("accounts:recovery_codes")
    codes_page = client.get(reverse("accounts:recovery_codes"))
    assert codes_page.status_code == 200
    assert len(codes_page.context["codes"]) == 10
    # Shown once only.
    assert client.get(reverse("accounts:recovery_codes")).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    assert AuditEntry.objects.filter(action="accounts.2fa.enrolled", office=cast.office_a).exists()


def test_it_refuses_a_wrong_enrolment_code(cast):
    client = Client()
    _password_sign_in(client, cast.manager.user.email)
    client.get(reverse("accounts:two_factor_setup"))
    response = client.post(reverse("accounts:two_factor_setup"), {"code": "000000"})
    assert response.status_code == 200
    assert ERROR_WRONG_CODE in response.content.decode()
    assert not TOTPDevice.objects.filter(user=cast.manager.user, confirmed=True).exists()


def test_an_enrolled_person_must_give_a_code_and_a_recovery_code_works_once(cast):
    from civicshield.web.accounts.services import recovery_codes_replace

    user = cast.caseworker.user
    confirmed_totp(user)
    codes = recovery_codes_replace(user=user)
    client = Client()
    _password_sign_in(client, user.email)
    assert client.get(reverse("dashboard"))["Location"] == reverse("accounts:two_factor_verify")
    bad = client.post(reverse("accounts:two_factor_verify"), {"code": "123456"})
    assert ERROR_WRONG_CODE in bad.content.decode()
    # Each wrong code makes the next try wait longer (django-otp throttling).
    throttled = client.post(reverse("accounts:two_factor_verify"), {"code": codes[0]})
    assert ERROR_THROTTLED in throttled.content.decode()
    with time_machine.travel(dt.timedelta(seconds=5)):
        ok = client.post(reverse("accounts:two_factor_verify"), {"code": codes[0]})
        assert ok.status_code == 302
        assert client.get(reverse("dashboard")).status_code == 200
    # Same code again, in a fresh sign-in: refused.
    other = Client()
    _password_sign_in(other, user.email)
    again = other.post(reverse("accounts:two_factor_verify"), {"code": codes[0]})
    assert again.status_code == 200
    assert AuditEntry.objects.filter(action="accounts.2fa.failed").exists()


def test_sign_in_and_failed_sign_in_are_audited(cast):
    client = Client()
    _password_sign_in(client, cast.comms.user.email, "wrong password here")
    failed = AuditEntry.objects.get(action="accounts.signin_failed")
    assert failed.office == cast.office_a
    assert failed.details["email"] == cast.comms.user.email
    _password_sign_in(client, cast.comms.user.email)
    assert AuditEntry.objects.filter(action="accounts.signin", actor=cast.comms.user).count() == 1


def test_unknown_address_failure_goes_to_the_system_chain(db):
    Client().post(reverse("accounts:login"), {"username": "nobody@x.example", "password": "x"})
    entry = AuditEntry.objects.get(action="accounts.signin_failed")
    assert entry.office is None and entry.chain == "system"


def test_sign_in_is_rate_limited(cast, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(3):
        _password_sign_in(client, cast.comms.user.email, "not the password")
    response = _password_sign_in(client, cast.comms.user.email)  # right password, but locked
    assert response.status_code == 429
    assert b"Too many attempts" in response.content


def test_sign_out_ends_the_session_and_is_audited(cast):
    client = signed_in_client(cast.comms.user)
    assert client.get(reverse("dashboard")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("dashboard")).status_code == 302
    assert AuditEntry.objects.filter(action="accounts.signout", actor=cast.comms.user).exists()


def test_sign_out_refuses_get(cast):
    client = signed_in_client(cast.comms.user)
    assert client.get(reverse("accounts:logout")).status_code == 405


def test_session_ends_after_thirty_idle_minutes(cast):
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        client = signed_in_client(cast.comms.user)
        assert client.get(reverse("dashboard")).status_code == 200
        clock.shift(dt.timedelta(minutes=29))
        assert client.get(reverse("dashboard")).status_code == 200  # activity extends it
        clock.shift(dt.timedelta(minutes=31))
        response = client.get(reverse("dashboard"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_production_hashing_is_argon2():
    from civicshield.web import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    encoded = Argon2PasswordHasher().encode("velvet-harbour-pickle", "somesaltvalue1234")
    assert encoded.startswith("argon2$argon2id$")
