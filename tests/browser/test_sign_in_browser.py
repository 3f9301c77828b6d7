"""In a real browser: sign in, enrol two-factor, reach the dashboard, sign out; another office sees nothing."""

from __future__ import annotations

import base64
import re

import pytest
from django_otp.oath import totp

from civicshield.web.audit import services as audit
from civicshield.web.testing import PASSWORD, confirmed_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code_for_secret(secret: str) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key):06d}"


def _sign_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_enrol_two_factor_and_sign_out(page, live_server, cast):
    _sign_in(page, live_server, cast.manager.user.email)
    page.wait_for_url(re.compile(r"/accounts/two-factor/set-up/"))
    assert page.get_by_role("img", name=re.compile("QR code")).is_visible()
    secret = page.locator("#totp-secret").get_attribute("data-secret")
    page.get_by_label(re.compile("Six-digit code")).fill(_code_for_secret(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    page.wait_for_url(re.compile(r"/recovery-codes/"))
    assert page.locator("#recovery-codes li").count() == 10
    page.get_by_role("link", name=re.compile("continue")).click()
    page.wait_for_url(f"{live_server.url}/")
    assert (
        page.get_by_role("heading", level=1).inner_text().startswith("Good to see you, Maya Patel")
    )
    page.get_by_role("button", name="Sign out").first.click()
    page.wait_for_url(re.compile(r"/accounts/sign-in/"))
    page.goto(f"{live_server.url}/")
    page.wait_for_url(re.compile(r"/accounts/sign-in/"))


def test_another_office_cannot_see_the_first_offices_pages(page, live_server, cast):
    audit.record(action="test.office_a_private", office=cast.office_a, actor=cast.manager.user)
    device = confirmed_totp(cast.other_manager.user)
    _sign_in(page, live_server, cast.other_manager.user.email)
    page.wait_for_url(re.compile(r"/two-factor/verify/"))
    page.get_by_label(re.compile("Code from your authenticator")).fill(
        f"{totp(device.bin_key):06d}"
    )
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/")
    assert "Office of Bob Brown MP" in page.content()
    page.goto(f"{live_server.url}/audit/")
    assert "test.office_a_private" not in page.content()
    assert "Office of Alice Adams MP" not in page.content()
