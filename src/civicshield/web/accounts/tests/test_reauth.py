from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.oath import totp

from civicshield.web.audit.models import AuditEntry
from civicshield.web.testing import PASSWORD, confirmed_totp, signed_in_client

pytestmark = pytest.mark.django_db


def test_it_confirms_with_password_and_code_and_goes_back(cast):
    client = signed_in_client(cast.manager.user)
    device = confirmed_totp(cast.manager.user)
    url = reverse("accounts:reauth") + "?next=/audit/"
    wrong = client.post(url, {"password": "nope", "code": f"{totp(device.bin_key):06d}"})
    assert wrong.status_code == 200
    ok = client.post(url, {"password": PASSWORD, "code": f"{totp(device.bin_key):06d}"})
    assert ok["Location"] == "/audit/"
    assert AuditEntry.objects.filter(action="accounts.reauth").exists()
    assert AuditEntry.objects.filter(action="accounts.reauth_failed").exists()


def test_it_never_redirects_off_site(cast):
    client = signed_in_client(cast.manager.user)
    device = confirmed_totp(cast.manager.user)
    url = reverse("accounts:reauth") + "?next=https://evil.example/"
    response = client.post(url, {"password": PASSWORD, "code": f"{totp(device.bin_key):06d}"})
    assert response["Location"] == reverse("dashboard")
