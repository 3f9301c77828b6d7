"""The publishing pages: who may open them, what they show, and that secrets never appear."""

from __future__ import annotations

import urllib.parse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from civicshield.web.audit.actions import action_label
from civicshield.web.audit.models import AuditEntry
from civicshield.web.publishing import services
from civicshield.web.publishing.models import ConnectedAccount, Draft
from civicshield.web.publishing.tests.images import geotagged_jpeg
from civicshield.web.testing import reauthenticated_client, signed_in_client
from tests.connectors.fake_social import BLUESKY_PASSWORD, MASTODON_TOKEN, fake_social

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name",
    [
        "publishing:drafts",
        "publishing:draft_new",
        "publishing:review",
        "publishing:calendar",
        "publishing:accounts",
    ],
)
def test_every_member_can_open_the_posting_pages(cast, account, name):
    for member in cast.by_role().values():
        assert signed_in_client(member.user).get(reverse(name)).status_code == 200, member


@pytest.mark.parametrize("name", ["publishing:account", "publishing:account_log"])
def test_only_managers_open_account_settings(cast, account, name):
    url = reverse(name, kwargs={"pk": account.pk})
    assert signed_in_client(cast.manager.user).get(url).status_code == 200
    assert signed_in_client(cast.comms.user).get(url).status_code == 403
    assert signed_in_client(cast.volunteer.user).get(url).status_code == 403


def test_check_settings_page_saves_and_audits(cast):
    client = signed_in_client(cast.manager.user)
    response = client.post(
        reverse("publishing:checks"),
        {
            "privacy": "warn",
            "images": "block",
            "links": "block",
            "tone": "warn",
            "private_names": "Sophie: daughter",
            "allowed_details": "",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="publishing.checks.changed")
    assert entry.details["private_names"] == 1 and "Sophie" not in str(entry.details)
    assert (
        signed_in_client(cast.volunteer.user).get(reverse("publishing:checks")).status_code == 403
    )


def test_a_volunteer_drafts_sees_findings_and_cannot_approve(cast, account):
    client = signed_in_client(cast.volunteer.user)
    response = client.post(
        reverse("publishing:draft_new"),
        {"account": account.pk, "text": "Ring me on 07700 900123", "topics": ""},
    )
    draft = Draft.objects.get()
    assert response["Location"] == reverse("publishing:draft", kwargs={"pk": draft.pk})
    page = client.get(response["Location"]).content.decode()
    assert "looks like a mobile phone number" in page
    assert "Characters: Mastodon 23/500" in page
    client.post(reverse("publishing:draft_action", kwargs={"pk": draft.pk, "action": "submit"}))
    approve = reverse("publishing:draft_action", kwargs={"pk": draft.pk, "action": "approve"})
    assert client.post(approve).status_code == 403
    assert Draft.objects.get().state == Draft.State.IN_REVIEW


def test_a_photo_upload_shows_what_was_removed(cast, account, draft):
    client = signed_in_client(cast.volunteer.user)
    url = reverse("publishing:draft_action", kwargs={"pk": draft.pk, "action": "image"})
    upload = SimpleUploadedFile("stall.jpg", geotagged_jpeg(), content_type="image/jpeg")
    response = client.post(url, {"image": upload, "alt_text": ""}, follow=True)
    page = response.content.decode()
    assert "Hidden details were found in it and removed" in page
    assert "Removed: This photo records where it was taken" in page
    image = draft.images.get()
    served = client.get(reverse("publishing:image", kwargs={"pk": image.pk}))
    assert served["Content-Type"] == "image/jpeg"
    assert b"PhoneMaker" not in served.content
    # Shown in the draft page, not saved: inline, and (through the middleware) kept by no cache.
    assert served["Content-Disposition"] == "inline"
    assert served["Cache-Control"] == "no-store"
    assert served["X-Content-Type-Options"] == "nosniff"


def test_a_bad_upload_gets_a_plain_error(cast, account, draft):
    client = signed_in_client(cast.volunteer.user)
    url = reverse("publishing:draft_action", kwargs={"pk": draft.pk, "action": "image"})
    upload = SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")
    page = client.post(url, {"image": upload}, follow=True).content.decode()
    assert "not an image CivicShield can read" in page


def test_the_review_queue_hides_own_drafts(cast, account):
    mine = services.draft_create(member=cast.manager, account=account, text="Mine")
    services.draft_submit(member=cast.manager, draft=mine)
    theirs = services.draft_create(member=cast.volunteer, account=account, text="Theirs")
    services.draft_submit(member=cast.volunteer, draft=theirs)
    page = signed_in_client(cast.manager.user).get(reverse("publishing:review")).content.decode()
    assert "Theirs" in page and "Mine" not in page


def test_pause_switch(cast):
    client = signed_in_client(cast.comms.user)
    client.post(reverse("publishing:pause"), {"paused": "1"})
    cast.office_a.refresh_from_db()
    assert cast.office_a.publishing_paused
    assert AuditEntry.objects.filter(action="publishing.paused").exists()
    assert (
        signed_in_client(cast.volunteer.user)
        .post(reverse("publishing:pause"), {"paused": "0"})
        .status_code
        == 403
    )


def test_connect_bluesky_and_secrets_never_show(cast):
    with fake_social() as server:
        client = reauthenticated_client(cast.manager.user)
        response = client.post(
            reverse("publishing:connect_bluesky"),
            {"handle": "alice.test", "app_password": BLUESKY_PASSWORD, "server_url": server.url},
        )
        account = ConnectedAccount.objects.get()
        assert response["Location"] == reverse("publishing:account", kwargs={"pk": account.pk})
        for url in (
            reverse("publishing:accounts"),
            reverse("publishing:account", kwargs={"pk": account.pk}),
            reverse("publishing:account_log", kwargs={"pk": account.pk}),
            reverse("audit:log"),
        ):
            assert BLUESKY_PASSWORD not in client.get(url).content.decode(), url
        log = client.get(reverse("publishing:account_log", kwargs={"pk": account.pk}))
        assert "publishing.account.connected" in log.content.decode()
        # Plain words first, as on the office's audit log; the stored code stays beside them.
        assert action_label("publishing.account.connected") in log.content.decode()


def test_connecting_needs_a_recent_password_confirmation(cast):
    client = signed_in_client(cast.manager.user)
    response = client.post(reverse("publishing:connect_bluesky"), {"handle": "x"})
    assert response["Location"].startswith(reverse("accounts:reauth"))


def test_the_mastodon_oauth_flow(cast, settings):
    with fake_social() as server:
        client = reauthenticated_client(cast.manager.user)
        response = client.post(reverse("publishing:connect_mastodon"), {"server_url": server.url})
        location = urllib.parse.urlsplit(response["Location"])
        assert f"{location.scheme}://{location.netloc}" == server.url
        query = urllib.parse.parse_qs(location.query)
        assert query["redirect_uri"] == [
            settings.SITE_URL + reverse("publishing:mastodon_callback")
        ]
        wrong = client.get(
            reverse("publishing:mastodon_callback"), {"state": "forged", "code": "good-code"}
        )
        assert wrong.status_code == 302 and not ConnectedAccount.objects.filter(is_active=True)
        done = client.get(
            reverse("publishing:mastodon_callback"),
            {"state": query["state"][0], "code": "good-code"},
        )
        account = ConnectedAccount.objects.get(is_active=True)
        assert done["Location"] == reverse("publishing:account", kwargs={"pk": account.pk})
        assert account.access_token == MASTODON_TOKEN
        assert account.handle.startswith("@alice@")
        assert MASTODON_TOKEN not in client.get(reverse("publishing:accounts")).content.decode()


def test_disconnect_forgets_the_secrets(cast, account):
    client = reauthenticated_client(cast.manager.user)
    url = reverse("publishing:account_disconnect", kwargs={"pk": account.pk})
    assert signed_in_client(cast.comms.user).post(url).status_code == 403
    client.post(url)
    account.refresh_from_db()
    assert not account.is_active and account.access_token == ""
    assert AuditEntry.objects.filter(action="publishing.account.disconnected").exists()


def test_access_rights_per_account(cast, account):
    client = signed_in_client(cast.manager.user)
    client.post(
        reverse("publishing:account_access", kwargs={"pk": account.pk}),
        {"member": cast.volunteer.pk, "can_draft": ""},
    )
    volunteer = signed_in_client(cast.volunteer.user)
    response = volunteer.post(
        reverse("publishing:draft_new"), {"account": account.pk, "text": "x", "topics": ""}
    )
    assert response.status_code == 403
    assert AuditEntry.objects.filter(action="publishing.account.access_changed").exists()


def test_calendar_shows_scheduled_posts_in_office_time(cast, account, in_review):
    import datetime as dt
    import zoneinfo

    services.draft_approve(member=cast.manager, draft=in_review)
    when = dt.datetime(2030, 7, 1, 9, 30, tzinfo=zoneinfo.ZoneInfo("Europe/London"))
    services.draft_schedule(member=cast.comms, draft=in_review, when=when)
    page = (
        signed_in_client(cast.comms.user)
        .get(reverse("publishing:calendar"), {"month": "2030-07"})
        .content.decode()
    )
    assert "09:30 Surgery on Friday." in page
