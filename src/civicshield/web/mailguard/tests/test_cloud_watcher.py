"""Checking new email of Microsoft 365 and Gmail mailboxes for phishing, in the web app.

Microsoft's and Google's services cannot run here: a local server on 127.0.0.1 replays
RECORDED responses of their documented shapes (token endpoint, Graph delta pages and messages,
Gmail history; tests/fixtures/, see the README there). The settings point the providers'
endpoints at it, so our HTTP client, the job, the stored rows and the cursor are real.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse

import pytest
from django.urls import reverse
from django.utils import timezone

from civicshield.connectors._http import ServiceBusy
from civicshield.web.audit.models import AuditEntry
from civicshield.web.jobs import services as jobs
from civicshield.web.mailguard.models import ScannedEmail, WatchedMailbox
from civicshield.web.mailguard.watcher import mailbox_watch
from civicshield.web.testing import reauthenticated_client
from tests.servers.recorded import Answer, replay_server

pytestmark = pytest.mark.django_db
DELTA = "/me/mailFolders/inbox/messages/delta"
START = reverse("mailguard:oauth_start")
CALLBACK = reverse("mailguard:oauth_callback")
LIST = reverse("mailguard:mailboxes")


@pytest.fixture
def server(settings):
    with replay_server() as replay:
        settings.MICROSOFT_CLIENT_ID = "ms-client"
        settings.MICROSOFT_CLIENT_SECRET = "ms-secret"
        settings.MICROSOFT_LOGIN_URL = replay.base_url
        settings.MICROSOFT_GRAPH_URL = replay.base_url
        settings.GOOGLE_CLIENT_ID = "g-client"
        settings.GOOGLE_CLIENT_SECRET = "g-secret"
        settings.GOOGLE_AUTHORIZE_URL = f"{replay.base_url}/google/auth"
        settings.GOOGLE_TOKEN_URL = f"{replay.base_url}/google/token"
        settings.GMAIL_API_URL = replay.base_url
        yield replay


@pytest.fixture
def m365(cast, server):
    return WatchedMailbox.objects.create(
        office=cast.office_a,
        name="Parliamentary office",
        kind=WatchedMailbox.Kind.MICROSOFT365,
        address="office@example.gov.uk",
        oauth_token="access-token-not-a-secret",
        oauth_refresh_token="refresh-token-not-a-secret",
        oauth_expires_at=timezone.now() + dt.timedelta(hours=1),
        watch_mail=True,
        move_phishing=True,
        cursor={
            "link": f"{server.base_url}{DELTA}?$deltatoken=round0",
            "since": "2026-11-20T09:00:00Z",
        },
    )


def route_graph_round(server) -> None:
    server.route("GET", DELTA + "?$deltatoken=round0", "graph/delta-page1.json")
    server.route("GET", DELTA + "?$skiptoken=page2", "graph/delta-page2.json")
    server.route("GET", DELTA + "?$deltatoken=round1", "graph/delta-round2.json")
    for name, fixture in [
        ("clean", "mail/clean.eml"),
        ("phish", "mail/phishing_lookalike.eml"),
        ("garbage", "mail/garbage.bin"),
        ("new", "mail/clean.eml"),
    ]:
        server.route("GET", f"/me/messages/AAMkAGI2-{name}/$value", fixture)
        server.route("PATCH", f"/me/messages/AAMkAGI2-{name}", "graph/message-patched.json")
    server.route("GET", "/me/mailFolders", "graph/mailFolders-none.json")
    server.route("POST", "/me/mailFolders", "graph/mailFolder-created.json", status=201)
    server.route("POST", "/me/messages/AAMkAGI2-phish/move", "graph/message-moved.json", 201)


def test_the_periodic_watch_checks_microsoft_365_mail_and_stores_findings_as_for_imap(
    cast, m365, server, settings, django_capture_on_commit_callbacks
):
    route_graph_round(server)
    settings.JOBS_RUN_EAGERLY = True
    with django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue("mailguard.watch")

    rows = {r.verdict: r for r in ScannedEmail.objects.filter(mailbox=m365)}
    assert set(rows) == {"clean", "phishing", "unreadable"}
    phishing = rows["phishing"]
    assert phishing.subject == "Urgent: updated briefing, please sign in"
    assert (phishing.moved, phishing.imap_folder) == (True, "Suspicious")
    assert phishing.imap_tags == ["CivicShield: phishing", "CivicShield: checked"]
    assert phishing.raw.startswith(b"From: Sarah Jones")  # kept (encrypted) for reporting
    assert rows["clean"].raw == b"" and rows["clean"].imap_tags == ["CivicShield: checked"]
    m365.refresh_from_db()
    assert m365.cursor["link"].endswith("$deltatoken=round1")
    assert m365.last_checked is not None
    assert "could not be checked" in m365.last_error  # the malformed email, reported
    entry = AuditEntry.objects.get(action="mailguard.mailbox.flagged")
    assert entry.details == {"phishing": 1, "suspicious": 0, "moved": 1}
    # The mailbox list shows the cloud mailbox's check like an IMAP one's.
    page = reauthenticated_client(cast.manager.user)
    html = page.get(LIST).content.decode()
    assert "Last checked for new email" in html and "1 phishing" in html

    # A second run: the clean email (reported again because we tagged it) is not fetched or
    # scanned again; only the new one is (the recording's new email has the same bytes as the
    # clean one, so it lands on the same row: rows are keyed by the message's hash).
    server.requests.clear()
    mailbox_watch(m365)
    fetched = [r.path for r in server.seen("GET", "/me/messages/")]
    assert fetched == ["/me/messages/AAMkAGI2-new/$value"]
    assert ScannedEmail.objects.filter(mailbox=m365).count() == 3
    m365.refresh_from_db()
    assert m365.cursor["link"].endswith("$deltatoken=round2") and m365.last_error == ""


def test_throttling_keeps_the_cursor_says_so_and_retries(m365, server):
    server.route(
        "GET",
        DELTA + "?$deltatoken=round0",
        "graph/error-429.json",
        status=429,
        headers={"Retry-After": "30"},
    )
    before = dict(m365.cursor)

    with pytest.raises(ServiceBusy):
        mailbox_watch(m365)

    m365.refresh_from_db()
    assert m365.cursor == before
    assert "busy" in m365.last_error
    assert not ScannedEmail.objects.exists()


def test_an_expired_access_token_is_refreshed_once_and_saved(m365, server):
    server.route_sequence(
        "GET",
        DELTA + "?$deltatoken=round0",
        [Answer(401, "graph/error-401.json"), Answer(200, "graph/delta-empty.json")],
    )
    server.route("POST", "/organizations/oauth2/v2.0/token", "oauth/microsoft-token-rotated.json")

    mailbox_watch(m365)

    m365.refresh_from_db()
    assert m365.oauth_refresh_token == "recorded-ms-refresh-2"
    assert m365.cursor["link"].endswith("$deltatoken=fresh")
    assert m365.last_error == ""


def test_an_expired_delta_restarts_and_the_office_is_told(m365, server):
    server.route("GET", DELTA + "?$deltatoken=round0", "graph/error-410.json", status=410)
    server.route("GET", DELTA, "graph/delta-empty.json")

    mailbox_watch(m365)

    m365.refresh_from_db()
    assert "started again from emails received since 2026-11-20" in m365.last_error
    assert AuditEntry.objects.filter(action="mailguard.mailbox.watch_restarted").exists()


def test_a_cloud_mailbox_without_the_option_is_not_polled(m365, server, settings):
    m365.watch_mail = False
    m365.save()
    settings.JOBS_RUN_EAGERLY = True
    jobs.enqueue("mailguard.watch")
    assert server.requests == []


# --- Asking for the mail scope only when the office chose it -------------------------------------


def scopes_of(location: str) -> set[str]:
    return set(dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["scope"].split())


def test_the_mail_scope_is_asked_for_only_when_checking_new_email_is_chosen(cast, server):
    client = reauthenticated_client(cast.manager.user)

    without = client.post(START, {"provider": "microsoft"})["Location"]
    with_mail = client.post(START, {"provider": "microsoft", "watch_mail": "on"})["Location"]
    google = client.post(START, {"provider": "google", "watch_mail": "on"})["Location"]

    assert scopes_of(without) == {"offline_access", "User.Read", "MailboxSettings.Read"}
    assert scopes_of(with_mail) == {
        "offline_access",
        "User.Read",
        "MailboxSettings.Read",
        "Mail.ReadWrite",
    }
    assert "https://www.googleapis.com/auth/gmail.modify" in scopes_of(google)


def test_signing_in_with_the_mail_permission_turns_the_watch_on(cast, server):
    server.route("POST", "/organizations/oauth2/v2.0/token", "oauth/microsoft-token-mail.json")
    server.route("GET", "/me", "graph/me.json")
    client = reauthenticated_client(cast.manager.user)
    location = client.post(
        START, {"provider": "microsoft", "watch_mail": "on", "move_phishing": "on"}
    )["Location"]
    state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["state"]

    client.get(CALLBACK, {"code": "c", "state": state})

    mailbox = WatchedMailbox.objects.get()
    assert (mailbox.watch_mail, mailbox.move_phishing) == (True, True)
    assert AuditEntry.objects.get(action="mailguard.mailbox.connected").details["watch_mail"]


def test_a_permission_refused_on_googles_page_leaves_the_watch_off(cast, server):
    """Google lets a person untick a permission; the recorded token grants settings only."""
    server.route("POST", "/google/token", "oauth/google-token.json")
    server.route("GET", "/users/me/settings/sendAs", "gmail/sendAs.json")
    client = reauthenticated_client(cast.manager.user)
    location = client.post(START, {"provider": "google", "watch_mail": "on"})["Location"]
    state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["state"]

    client.get(CALLBACK, {"code": "c", "state": state})

    assert WatchedMailbox.objects.get().watch_mail is False


def test_turning_the_watch_on_later_signs_in_again_with_the_mail_scope(m365, cast, server):
    m365.watch_mail = False
    m365.save()
    client = reauthenticated_client(cast.manager.user)
    url = reverse("mailguard:mailbox_watch_mail", kwargs={"pk": m365.pk})

    response = client.post(url, {"watch_mail": "on"})

    assert "Mail.ReadWrite" in scopes_of(response["Location"])
    client.post(url, {})  # and off again, at once, without signing in
    m365.refresh_from_db()
    assert m365.watch_mail is False
    assert AuditEntry.objects.filter(action="mailguard.mailbox.watch_mail_off").exists()


@pytest.fixture
def gmail_box(cast, server):
    return WatchedMailbox.objects.create(
        office=cast.office_a,
        name="Campaign Gmail",
        kind=WatchedMailbox.Kind.GMAIL,
        address="campaign@example.org",
        oauth_token="access-token-not-a-secret",
        oauth_refresh_token="refresh-token-not-a-secret",
        oauth_expires_at=timezone.now() + dt.timedelta(hours=1),
        watch_mail=True,
        move_phishing=True,
        cursor={"history_id": "100000"},
    )


def test_the_periodic_watch_checks_gmail_mail_and_stores_findings_as_for_imap(
    cast, gmail_box, server, settings, django_capture_on_commit_callbacks
):
    from tests.connectors.gmail_routes import gmail_round

    gmail_round(server)
    settings.JOBS_RUN_EAGERLY = True
    with django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue("mailguard.watch")

    rows = {r.verdict: r for r in ScannedEmail.objects.filter(mailbox=gmail_box)}
    assert set(rows) == {"clean", "phishing", "unreadable"}
    phishing = rows["phishing"]
    assert (phishing.moved, phishing.imap_folder) == (True, "CivicShield/Suspicious")
    assert phishing.imap_tags == ["CivicShield/Phishing", "CivicShield/Checked"]
    assert phishing.raw  # kept (encrypted) for reporting to the NCSC
    assert rows["clean"].raw == b""
    gmail_box.refresh_from_db()
    assert gmail_box.cursor["history_id"] == "100020" and gmail_box.cursor["checked_at"]
    assert gmail_box.last_checked is not None
    assert "could not be checked" in gmail_box.last_error
    assert AuditEntry.objects.get(action="mailguard.mailbox.flagged").details == {
        "phishing": 1,
        "suspicious": 0,
        "moved": 1,
    }
