"""The nav line and the dashboard panel; the demo seeder."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicshield.web.mailguard.models import ForwardingAuditRun, WatchedMailbox
from civicshield.web.testing import signed_in_client

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("dashboard")


def test_everyone_sees_the_nav_link(cast):
    page = signed_in_client(cast.volunteer.user).get(DASHBOARD).content.decode()
    assert reverse("mailguard:check") in page
    assert 'id="mailguard-panel"' not in page  # the panel is for managers


def test_the_panel_shows_mailboxes_with_problems_and_the_last_forwarding_check(cast):
    broken = WatchedMailbox.objects.create(
        office=cast.office_a, name="Surgery inbox", last_error="The server refused the password"
    )
    found = WatchedMailbox.objects.create(office=cast.office_a, name="Casework")
    ForwardingAuditRun.objects.create(office=cast.office_a, mailbox=found, status="found")
    ForwardingAuditRun.objects.create(office=cast.office_a, mailbox=broken, status="ok")
    page = signed_in_client(cast.manager.user).get(DASHBOARD).content.decode()
    assert 'id="mailguard-panel"' in page
    assert "Surgery inbox</a>: The server refused the password" in page
    assert "Forwarding outside the office was found" in page
    assert reverse("mailguard:forwarding", kwargs={"pk": found.pk}) in page
    # Office B's dashboard shows none of it.
    other = signed_in_client(cast.other_manager.user).get(DASHBOARD).content.decode()
    assert "Surgery inbox" not in other


def test_the_demo_seeder_adds_contacts_and_a_phishing_example(cast):
    from civicshield.web.mailguard.demo import seed_demo_mailguard
    from civicshield.web.mailguard.models import ScannedEmail, TrustedContact

    seed_demo_mailguard(cast.office_a)
    seed_demo_mailguard(cast.office_a)  # twice is harmless
    assert TrustedContact.objects.filter(office=cast.office_a).count() == 4
    [example] = ScannedEmail.objects.filter(office=cast.office_a)
    assert example.verdict == "phishing"
    assert any("Sarah Jones" in f["detail"] for f in example.findings)
