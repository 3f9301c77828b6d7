from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from civicshield.web.testing import signed_in_client

pytestmark = pytest.mark.django_db


def test_pages_carry_security_headers(cast):
    response = signed_in_client(cast.manager.user).get(reverse("dashboard"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"


def test_forms_need_a_csrf_token(cast):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("accounts:login"), {"username": cast.manager.user.email, "password": "x"}
    )
    assert response.status_code == 403


def test_a_person_without_an_office_is_told_so(db):
    from civicshield.web.accounts.models import User

    user = User.objects.create_user(email="loner@x.example", password="x", full_name="Lone")
    response = signed_in_client(user).get(reverse("dashboard"))
    assert response.status_code == 403
    assert b"not part of an office" in response.content


def test_the_session_id_changes_at_sign_in(cast):
    from civicshield.web.testing import PASSWORD

    client = Client()
    client.get(reverse("accounts:login"))
    client.cookies["sessionid"] = "attacker-chosen-session-id"
    client.post(
        reverse("accounts:login"), {"username": cast.manager.user.email, "password": PASSWORD}
    )
    assert client.cookies["sessionid"].value != "attacker-chosen-session-id"


def test_debug_is_off_by_default():
    from civicshield.web import settings as production

    assert production.DEBUG is False
