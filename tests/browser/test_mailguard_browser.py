"""In a real browser: a caseworker pastes a suspicious email, reads the findings, reports it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from django_otp.oath import totp

from civicshield.core.mail import NCSC_REPORT_ADDRESS
from civicshield.web.mailguard.models import TrustedContact
from civicshield.web.testing import PASSWORD, confirmed_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHISHING = (
    Path(__file__).resolve().parents[2]
    / "src/civicshield/web/mailguard/tests/fixtures/phishing_lookalike.eml"
)


def test_check_an_email_and_report_it_to_the_ncsc(page, live_server, cast):
    TrustedContact.objects.create(
        office=cast.office_a,
        name="Sarah Jones",
        email="sarah.jones@parliament.uk",
        phone="020 7219 0000",
    )
    user = cast.caseworker.user
    device = confirmed_totp(user)
    page.goto(f"{live_server.url}/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/two-factor/verify/"))
    page.get_by_label(re.compile("Code from your authenticator")).fill(
        f"{totp(device.bin_key):06d}"
    )
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/")

    page.get_by_role("link", name="Mail security").click()
    page.get_by_label("Paste the email's full source").fill(PHISHING.read_text())
    page.get_by_role("button", name="Check this email").click()
    page.wait_for_url(re.compile(r"/mail/emails/\d+/$"))
    assert page.get_by_role("heading", name="This email looks like phishing").is_visible()
    assert "your colleague Sarah Jones" in page.content()
    assert "020 7219 0000" in page.content()

    page.get_by_role("link", name="Report to the NCSC").click()
    page.get_by_role("button", name="Yes, send the report").click()
    page.wait_for_url(re.compile(r"/mail/emails/\d+/$"))
    assert "Reported to the NCSC" in page.content()
    [sent] = mail.outbox
    assert sent.to == [NCSC_REPORT_ADDRESS]
