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


# --- Cancel: back where the person was, never off the site -------------------------------------

CANCEL = '<a class="button secondary" href="{}">Cancel</a>'


def _cancel_target(page: str) -> str:
    import re

    match = re.search(r'<a class="button secondary" href="([^"]*)">Cancel</a>', page)
    assert match, "no Cancel link"
    return match.group(1)


def test_cancel_goes_back_to_the_page_the_person_came_from(cast):
    client = signed_in_client(cast.manager.user)
    url = reverse("accounts:reauth") + "?next=/team/people/5/offboard/"
    page = client.get(url, HTTP_REFERER="http://testserver/team/people/?tab=1").content.decode()
    assert CANCEL.format("/team/people/?tab=1") in page
    assert '<input type="hidden" name="back" value="/team/people/?tab=1">' in page


def test_cancel_survives_a_wrong_code(cast):
    client = signed_in_client(cast.manager.user)
    url = reverse("accounts:reauth") + "?next=/audit/"
    # After a POST the Referer is this page itself: the hidden field remembers the way back.
    response = client.post(
        url,
        {"password": "nope", "code": "000000", "back": "/team/people/"},
        HTTP_REFERER="http://testserver" + url,
    )
    assert _cancel_target(response.content.decode()) == "/team/people/"


@pytest.mark.parametrize(
    "referer",
    [
        "",
        "https://evil.example/team/",
        "http://testserver.evil.example/team/",
        "http://testserver//evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "javascript:alert(1)",
        "http://testserver/audit/",  # the page that asked: Cancel would only come back here
        "http://testserver/accounts/confirm/?next=/audit/",
    ],
)
def test_cancel_falls_back_to_the_dashboard(cast, referer):
    client = signed_in_client(cast.manager.user)
    url = reverse("accounts:reauth")
    page = client.get(url, {"next": "/audit/"}, HTTP_REFERER=referer).content.decode()
    assert _cancel_target(page) == reverse("dashboard")
    as_field = client.get(url, {"next": "/audit/", "back": referer}).content.decode()
    assert _cancel_target(as_field) == reverse("dashboard")
