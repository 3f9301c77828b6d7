"""In a real browser: the office manager sets a retention period, places a legal hold from an
account's page, sees erasure refused while it holds, lifts it, downloads the account's export
and erases it. On a phone-sized screen the page does not scroll sideways."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

from civicshield.web.accounts import services as accounts
from civicshield.web.dataprotection.services import retention_days
from civicshield.web.inbox.models import Author
from civicshield.web.testing import PASSWORD, make_message
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_retention_hold_export_and_erasure(page, live_server, cast):
    author = make_message(cast.office_a, "I know where you live", author="@dp_subject").author
    recovery = accounts.recovery_codes_replace(user=cast.manager.user)
    page.set_default_timeout(15_000)
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, live_server, cast.manager.user)

    page.get_by_role("link", name="Data protection").first.click()
    page.wait_for_url(re.compile(r"/data-protection/$"))
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    page.get_by_label("Days to keep dismissed inbox messages").fill("30")
    page.get_by_role("button", name="Save the period for dismissed inbox messages").click()
    assert "are now kept for 30 days" in page.locator(".messages").inner_text()
    assert retention_days(cast.office_a, "inbox.dismissed_messages") == 30

    # Find the account, open its page in the inbox and place a hold there.
    page.get_by_label("Account handle").fill("dp_subject")
    page.get_by_role("button", name="Find", exact=True).click()
    page.locator("#author-results").get_by_role("link", name="@dp_subject", exact=True).click()
    page.get_by_label("Reason for a legal hold on this account").fill("Police ref CAD-42")
    page.get_by_role("button", name="Place a legal hold").click()
    assert "Under legal hold" in page.content()

    # Erasure asks who you are, then refuses in plain words while the hold stands.
    page.get_by_role("link", name="Erase this account…").click()
    page.wait_for_url(re.compile(r"/accounts/confirm/"))
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(recovery[0])
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/erase/"))
    assert "under a legal hold" in page.locator("#erase-refusal").inner_text()

    page.goto(f"{live_server.url}/data-protection/")
    assert "Police ref CAD-42" in page.locator("#holds-table").inner_text()
    page.locator("#holds-table").get_by_role("button", name=re.compile("Lift")).click()
    assert "Lifted" in page.locator("#holds-table").inner_text()

    page.get_by_label("Account handle").fill("dp_subject")
    page.get_by_role("button", name="Find", exact=True).click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download export for @dp_subject").click()
    with zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read())) as archive:
        assert json.loads(archive.read("author.json"))["handle"] == "@dp_subject"

    page.get_by_role("link", name=re.compile(r"^Erase @dp_subject")).click()
    page.get_by_label(re.compile("I understand")).check()
    page.get_by_role("button", name="Erase for good").click()
    page.wait_for_url(re.compile(r"/data-protection/$"))
    assert "@dp_subject and 1 message were erased." in page.locator(".messages").inner_text()
    assert not Author.objects.filter(pk=author.pk).exists()
