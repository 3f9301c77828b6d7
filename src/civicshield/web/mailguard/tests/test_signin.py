"""Connecting Microsoft 365 and Gmail by signing in, refreshing before each check, and a
sign-in the provider no longer accepts.

Microsoft's and Google's sign-in services and APIs cannot run here: a local server on
127.0.0.1 replays RECORDED responses of their documented shapes (token endpoint JSON,
``invalid_grant``, Graph ``/me``, Gmail settings; tests/fixtures/, see the README there). The
settings point the providers' endpoints at it, so Authlib's real HTTP code and ours run.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from civicshield.web.audit.models import AuditEntry
from civicshield.web.jobs.models import Job
from civicshield.web.mailguard.forwarding import forwarding_audit_run
from civicshield.web.mailguard.models import ForwardingAuditRun, WatchedMailbox
from civicshield.web.mailguard.signin import ERROR_OTHER_MAILBOX, ERROR_SIGN_IN_EXPIRED, SESSION_KEY
from civicshield.web.testing import reauthenticated_client, signed_in_client
from tests.servers.recorded import replay_server

pytestmark = pytest.mark.django_db
CONNECT = reverse("mailguard:mailbox_connect_cloud")
START = reverse("mailguard:oauth_start")
CALLBACK = reverse("mailguard:oauth_callback")
LIST = reverse("mailguard:mailboxes")
MS_TOKEN = "/organizations/oauth2/v2.0/token"
GOOGLE_TOKEN = "/google/token"


@pytest.fixture
def server():
    with replay_server() as replay:
        yield replay


@pytest.fixture
def providers(settings, server):
    """Both providers configured, with their endpoints on the local replay server."""
    settings.MICROSOFT_CLIENT_ID = "ms-client"
    settings.MICROSOFT_CLIENT_SECRET = "ms-secret"
    settings.MICROSOFT_LOGIN_URL = server.base_url
    settings.MICROSOFT_GRAPH_URL = server.base_url
    settings.GOOGLE_CLIENT_ID = "g-client"
    settings.GOOGLE_CLIENT_SECRET = "g-secret"
    settings.GOOGLE_AUTHORIZE_URL = f"{server.base_url}/google/auth"
    settings.GOOGLE_TOKEN_URL = f"{server.base_url}{GOOGLE_TOKEN}"
    settings.GMAIL_API_URL = server.base_url
    return server


@pytest.fixture
def office(cast):
    cast.office_a.own_domains = ["example.gov.uk"]
    cast.office_a.save()
    return cast.office_a


def params(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def start_sign_in(client, provider="microsoft", name="Constituency office") -> dict[str, str]:
    response = client.post(START, {"provider": provider, "name": name})
    assert response.status_code == 302
    return params(response["Location"])


def test_an_unconfigured_provider_has_no_button_and_says_what_to_set(cast, settings):
    settings.MICROSOFT_CLIENT_ID = ""
    settings.GOOGLE_CLIENT_ID = ""
    page = reauthenticated_client(cast.manager.user).get(CONNECT).content.decode()
    assert "Connect with Microsoft 365" not in page
    assert "Connect with Google" not in page
    assert "<code>CIVICSHIELD_MICROSOFT_CLIENT_ID</code>" in page
    assert "<code>CIVICSHIELD_GOOGLE_CLIENT_SECRET</code>" in page
    assert "http://127.0.0.1:8000/mail/mailboxes/oauth/callback/" in page


def test_a_configured_provider_shows_its_button(cast, providers):
    page = reauthenticated_client(cast.manager.user).get(CONNECT).content.decode()
    assert "Connect with Microsoft 365" in page and "Connect with Google" in page
    assert "CIVICSHIELD_MICROSOFT_CLIENT_ID" not in page


def test_signing_in_asks_the_manager_to_confirm_who_they_are_first(cast, providers):
    response = signed_in_client(cast.manager.user).post(START, {"provider": "microsoft"})
    assert response["Location"].startswith(reverse("accounts:reauth"))
    assert "next=" + urllib.parse.quote(CONNECT, safe="") in response["Location"]


def test_the_sign_in_redirect_carries_pkce_and_a_state_kept_in_the_session(cast, providers):
    client = reauthenticated_client(cast.manager.user)
    response = client.post(START, {"provider": "microsoft", "name": "Office"})
    location = response["Location"]
    assert location.startswith(f"{providers.base_url}/organizations/oauth2/v2.0/authorize?")
    sent = params(location)
    assert sent["code_challenge_method"] == "S256" and len(sent["code_challenge"]) == 43
    assert sent["redirect_uri"] == "http://127.0.0.1:8000" + CALLBACK
    pending = client.session[SESSION_KEY]
    assert pending["state"] == sent["state"]
    assert (pending["office"], pending["member"]) == (cast.office_a.pk, cast.manager.pk)
    assert pending["code_verifier"] not in location


def test_a_callback_with_a_wrong_state_is_refused_and_logged(cast, providers):
    providers.route("POST", MS_TOKEN, "oauth/microsoft-token.json")
    client = reauthenticated_client(cast.manager.user)
    start_sign_in(client)

    response = client.get(CALLBACK, {"code": "the-code", "state": "forged-state"})

    assert response["Location"] == LIST
    assert not WatchedMailbox.objects.exists()
    assert providers.requests == []  # the code was never sent anywhere
    entry = AuditEntry.objects.get(action="mailguard.mailbox.connect_failed")
    assert entry.details["reason"] == "state"
    # A flow is used once: the right state does not work after a refused try either.
    assert SESSION_KEY not in client.session


def test_a_callback_started_by_someone_else_is_refused(cast, providers):
    """The state is bound to the session: Maya's sign-in cannot be finished in Alice's."""
    providers.route("POST", MS_TOKEN, "oauth/microsoft-token.json")
    state = start_sign_in(reauthenticated_client(cast.manager.user))["state"]
    other = reauthenticated_client(cast.representative.user)
    other.get(CALLBACK, {"code": "the-code", "state": state})
    assert not WatchedMailbox.objects.exists()
    assert providers.requests == []


def test_a_manager_connects_microsoft_365_and_the_refresh_token_is_stored_encrypted(
    cast, office, providers
):
    """Recorded token response and Graph /me (tests/fixtures/oauth, tests/fixtures/graph)."""
    providers.route("POST", MS_TOKEN, "oauth/microsoft-token.json")
    providers.route("GET", "/me", "graph/me.json")
    client = reauthenticated_client(cast.manager.user)
    state = start_sign_in(client)["state"]

    response = client.get(CALLBACK, {"code": "the-code", "state": state})

    mailbox = WatchedMailbox.objects.get()
    assert response["Location"] == reverse("mailguard:forwarding", kwargs={"pk": mailbox.pk})
    assert (mailbox.kind, mailbox.name, mailbox.address) == (
        "microsoft365",
        "Constituency office",
        "Office@example.gov.uk",
    )
    assert mailbox.oauth_refresh_token == "recorded-ms-refresh-1"
    assert mailbox.oauth_token == "recorded-ms-access-1"
    assert mailbox.oauth_expires_at is not None
    assert mailbox.oauth_expires_at > timezone.now() + dt.timedelta(minutes=50)
    assert not mailbox.needs_reconnect
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT oauth_refresh_token, oauth_token FROM mailguard_watchedmailbox WHERE id = %s",
            [mailbox.pk],
        )
        stored_refresh, stored_access = cursor.fetchone()
    assert stored_refresh and "recorded-ms-refresh-1" not in stored_refresh
    assert stored_access and "recorded-ms-access-1" not in stored_access
    # Graph was asked with the new access token.
    me = next(r for r in providers.requests if r.path.startswith("/me"))
    assert me.headers["Authorization"] == "Bearer recorded-ms-access-1"
    entry = AuditEntry.objects.get(action="mailguard.mailbox.connected")
    assert entry.details == {
        "kind": "microsoft365",
        "via": "sign-in",
        "reconnected": False,
        "watch_mail": False,
    }
    assert "recorded" not in str(entry.details)
    job = Job.objects.get(name="mailguard.forwarding_audit")
    assert job.payload == {"mailbox_id": mailbox.pk}
    # The page never shows a token.
    page = client.get(LIST).content.decode()
    assert "recorded-ms" not in page


def test_connecting_gmail_reads_the_address_from_the_settings_scope(cast, office, providers):
    """Recorded Google token response and Gmail sendAs list."""
    providers.route("POST", GOOGLE_TOKEN, "oauth/google-token.json")
    providers.route("GET", "/users/me/settings/sendAs", "gmail/sendAs.json")
    client = reauthenticated_client(cast.manager.user)
    state = start_sign_in(client, provider="google", name="")["state"]
    client.get(CALLBACK, {"code": "c", "state": state})
    mailbox = WatchedMailbox.objects.get()
    assert (mailbox.kind, mailbox.address, mailbox.name) == (
        "gmail",
        "office@example.gov.uk",
        "office@example.gov.uk",
    )


def test_cancelling_on_the_providers_page_connects_nothing_and_is_logged(cast, providers):
    client = reauthenticated_client(cast.manager.user)
    state = start_sign_in(client)["state"]
    response = client.get(CALLBACK, {"error": "access_denied", "state": state}, follow=True)
    assert "did not allow the sign-in (access_denied)" in response.content.decode()
    assert not WatchedMailbox.objects.exists()
    entry = AuditEntry.objects.get(action="mailguard.mailbox.connect_failed")
    assert entry.details["reason"] == "refused"


def cloud_mailbox(office, *, kind="gmail", expires_in=dt.timedelta(minutes=-5), **changes):
    fields = {
        "office": office,
        "kind": kind,
        "name": "Constituency office",
        "address": "office@example.gov.uk",
        "oauth_token": "recorded-google-access-1",
        "oauth_refresh_token": "recorded-google-refresh-1",
        "oauth_expires_at": timezone.now() + expires_in,
    }
    return WatchedMailbox.objects.create(**{**fields, **changes})


def gmail_routes(server) -> None:
    base = "/users/me/settings"
    server.route("GET", f"{base}/forwardingAddresses", "gmail/forwardingAddresses.json")
    server.route("GET", f"{base}/autoForwarding", "gmail/autoForwarding.json")
    server.route("GET", f"{base}/filters", "gmail/filters.json")


def test_an_expired_access_token_is_refreshed_before_the_check(office, providers):
    """Recorded Google refresh response, then the recorded Gmail settings."""
    providers.route("POST", GOOGLE_TOKEN, "oauth/google-token-refreshed.json")
    gmail_routes(providers)
    mailbox = cloud_mailbox(office)

    run = forwarding_audit_run(mailbox)

    assert run.status == ForwardingAuditRun.Status.FOUND
    [refresh, *reads] = providers.requests
    assert refresh.path == GOOGLE_TOKEN
    assert dict(urllib.parse.parse_qsl(refresh.body.decode()))["refresh_token"] == (
        "recorded-google-refresh-1"
    )
    assert len(reads) == 3
    assert all(r.headers["Authorization"] == "Bearer recorded-google-access-2" for r in reads)
    mailbox.refresh_from_db()
    assert mailbox.oauth_token == "recorded-google-access-2"
    assert mailbox.oauth_refresh_token == "recorded-google-refresh-1"  # Google does not rotate
    assert mailbox.oauth_expires_at is not None
    assert mailbox.oauth_expires_at > timezone.now() + dt.timedelta(minutes=50)


def test_a_rotated_refresh_token_is_saved(office, providers):
    """Recorded Microsoft refresh response with a new refresh token, then recorded rules."""
    providers.route("POST", MS_TOKEN, "oauth/microsoft-token-rotated.json")
    rules = "/users/office@example.gov.uk/mailFolders/inbox/messageRules"
    providers.route("GET", rules, "graph/messageRules-page2.json")
    mailbox = cloud_mailbox(office, kind="microsoft365")
    run = forwarding_audit_run(mailbox)
    assert run.status != ForwardingAuditRun.Status.FAILED, run.error
    mailbox.refresh_from_db()
    assert (mailbox.oauth_token, mailbox.oauth_refresh_token) == (
        "recorded-ms-access-2",
        "recorded-ms-refresh-2",
    )


def test_a_valid_access_token_is_used_without_asking_for_a_new_one(office, providers):
    gmail_routes(providers)
    mailbox = cloud_mailbox(office, expires_in=dt.timedelta(minutes=40))
    assert forwarding_audit_run(mailbox).status == ForwardingAuditRun.Status.FOUND
    assert not any(r.path == GOOGLE_TOKEN for r in providers.requests)


def test_a_revoked_sign_in_shows_as_expired_with_a_reconnect_button(cast, office, providers):
    """Recorded invalid_grant answer (HTTP 400) of Google's token endpoint."""
    providers.route("POST", GOOGLE_TOKEN, "oauth/google-invalid-grant.json", status=400)
    gmail_routes(providers)
    mailbox = cloud_mailbox(office)

    run = forwarding_audit_run(mailbox)

    message = ERROR_SIGN_IN_EXPIRED.format(provider="Google")
    assert (run.status, run.error) == (ForwardingAuditRun.Status.FAILED, message)
    mailbox.refresh_from_db()
    assert mailbox.sign_in_expired_at is not None and mailbox.needs_reconnect
    assert mailbox.last_error == message
    assert (mailbox.oauth_token, mailbox.oauth_refresh_token) == ("", "")
    # No Gmail call was made with the old token.
    assert [r.path for r in providers.requests] == [GOOGLE_TOKEN]
    expired = AuditEntry.objects.get(action="mailguard.mailbox.sign_in_expired")
    assert expired.details == {"provider": "google", "error": "invalid_grant"}
    ran = AuditEntry.objects.get(action="mailguard.forwarding_audit.ran")
    assert ran.details["status"] == "failed" and ran.details["error"].startswith("Sign-in expired")
    # The list says so, with a reconnect button; the dashboard lists it as a problem.
    manager = signed_in_client(cast.manager.user)
    page = manager.get(LIST).content.decode()
    assert "Sign-in expired — reconnect." in page
    assert reverse("mailguard:mailbox_reconnect", kwargs={"pk": mailbox.pk}) in page
    assert "Mailboxes with problems" in manager.get(reverse("dashboard")).content.decode()
    # The next daily check does not ask the provider again; it fails the same way.
    assert forwarding_audit_run(mailbox).error == message
    assert len(providers.requests) == 1


def test_reconnecting_signs_in_again_and_clears_the_expiry(cast, office, providers):
    """Recorded Google token and sendAs responses."""
    providers.route("POST", GOOGLE_TOKEN, "oauth/google-token.json")
    providers.route("GET", "/users/me/settings/sendAs", "gmail/sendAs.json")
    mailbox = cloud_mailbox(office, sign_in_expired_at=timezone.now(), oauth_refresh_token="old")
    client = reauthenticated_client(cast.manager.user)
    url = reverse("mailguard:mailbox_reconnect", kwargs={"pk": mailbox.pk})
    state = params(client.post(url)["Location"])["state"]

    client.get(CALLBACK, {"code": "c", "state": state})

    mailbox.refresh_from_db()
    assert WatchedMailbox.objects.count() == 1
    assert mailbox.sign_in_expired_at is None and not mailbox.needs_reconnect
    assert mailbox.oauth_refresh_token == "recorded-google-refresh-1"
    entry = AuditEntry.objects.get(action="mailguard.mailbox.connected")
    assert entry.details["reconnected"] is True


def test_reconnecting_as_another_mailbox_is_refused(cast, office, providers):
    providers.route("POST", GOOGLE_TOKEN, "oauth/google-token.json")
    providers.route("GET", "/users/me/settings/sendAs", "gmail/sendAs.json")
    mailbox = cloud_mailbox(office, address="mp@example.gov.uk", sign_in_expired_at=timezone.now())
    client = reauthenticated_client(cast.manager.user)
    url = reverse("mailguard:mailbox_reconnect", kwargs={"pk": mailbox.pk})
    state = params(client.post(url)["Location"])["state"]

    response = client.get(CALLBACK, {"code": "c", "state": state}, follow=True)

    message = ERROR_OTHER_MAILBOX.format(
        signed_in="office@example.gov.uk", expected="mp@example.gov.uk"
    )
    assert message in response.content.decode()
    mailbox.refresh_from_db()
    assert mailbox.sign_in_expired_at is not None
    assert mailbox.oauth_refresh_token == "recorded-google-refresh-1"  # unchanged
    entry = AuditEntry.objects.get(action="mailguard.mailbox.connect_failed")
    assert entry.details["reason"] == "other_mailbox"


def test_disconnecting_deletes_the_refresh_token(cast, office):
    mailbox = cloud_mailbox(office)
    url = reverse("mailguard:mailbox_disconnect", kwargs={"pk": mailbox.pk})
    signed_in_client(cast.manager.user).post(url)
    mailbox.refresh_from_db()
    assert (mailbox.enabled, mailbox.oauth_token, mailbox.oauth_refresh_token) == (False, "", "")
