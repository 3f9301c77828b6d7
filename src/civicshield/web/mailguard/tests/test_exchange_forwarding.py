"""The daily forwarding check of signed-in Microsoft 365 mailboxes with the optional
organisation-level Exchange Online connection (CIVICSHIELD_EXCHANGE_APP_TENANT).

These are RECORDED responses: Microsoft's token endpoint, Graph and Exchange Online cannot run
here, so a local server on 127.0.0.1 replays JSON documents of their documented shapes
(tests/fixtures/, see the README there). What is real: the job, the client-credentials request,
the token cache, the HTTP clients, the stored run, the audit log, the alert email and the page.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from civicshield.connectors.graph import EXCHANGE_ROLE_MISSING
from civicshield.web.audit.models import AuditEntry
from civicshield.web.jobs import services as jobs
from civicshield.web.mailguard import forwarding
from civicshield.web.mailguard.forwarding import EXCHANGE_NOT_CONFIGURED, forwarding_audit_run
from civicshield.web.mailguard.models import ForwardingAuditRun, WatchedMailbox
from civicshield.web.testing import signed_in_client
from tests.servers.recorded import replay_server

pytestmark = pytest.mark.django_db
TENANT = "example.onmicrosoft.com"
TOKEN_PATH = f"/{TENANT}/oauth2/v2.0/token"
INVOKE = f"/{TENANT}/InvokeCommand"
SECRET = "exchange-app-secret-not-real"  # noqa: S105 - test value
APP_TOKEN = "recorded-exchange-app-token-1"  # noqa: S105 - the fixture's made-up token
GRAPH_TOKEN = "graph-token-not-a-secret"  # noqa: S105 - test value


def rules_path(address: str) -> str:
    return f"/users/{address}/mailFolders/inbox/messageRules"


@pytest.fixture(autouse=True)
def fresh_token_cache(monkeypatch):
    # One cache per process in production; one per test here, so tests cannot share a token.
    from civicshield.connectors import oauth

    monkeypatch.setattr(forwarding, "EXCHANGE_APP_TOKENS", oauth.AppTokenCache())


@pytest.fixture
def server(settings):
    with replay_server() as replay:
        settings.MICROSOFT_LOGIN_URL = replay.base_url
        settings.MICROSOFT_GRAPH_URL = replay.base_url
        settings.EXCHANGE_ADMIN_URL = replay.base_url
        replay.route("POST", TOKEN_PATH, "oauth/microsoft-app-token.json")
        yield replay


@pytest.fixture
def exchange_app(settings, server):
    """The organisation-level connection configured, as by the environment variables."""
    settings.EXCHANGE_APP_TENANT = TENANT
    settings.EXCHANGE_APP_CLIENT_ID = "exchange-app"
    settings.EXCHANGE_APP_CLIENT_SECRET = SECRET
    return server


@pytest.fixture
def office(cast):
    cast.office_a.own_domains = ["example.gov.uk"]
    cast.office_a.save()
    return cast.office_a


def signed_in_mailbox(office, address="office@example.gov.uk") -> WatchedMailbox:
    return WatchedMailbox.objects.create(
        office=office,
        kind=WatchedMailbox.Kind.MICROSOFT365,
        name=address,
        address=address,
        oauth_token=GRAPH_TOKEN,
        oauth_refresh_token="refresh-not-a-secret",  # noqa: S106 - test value
        oauth_expires_at=timezone.now() + dt.timedelta(hours=1),
    )


def test_outside_mailbox_forwarding_raises_the_alert_and_one_token_serves_every_mailbox(
    cast, office, exchange_app, settings, mailoutbox, django_capture_on_commit_callbacks
):
    server = exchange_app
    first = signed_in_mailbox(office)
    second = signed_in_mailbox(office, "mp@example.gov.uk")
    for mailbox in (first, second):
        server.route("GET", rules_path(mailbox.address), "graph/messageRules-internal.json")
    server.route("POST", INVOKE, "graph/mailbox.json")
    settings.JOBS_RUN_EAGERLY = True

    with django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue("mailguard.forwarding_audit")

    runs = ForwardingAuditRun.objects.filter(mailbox__in=[first, second])
    assert sorted(r.status for r in runs) == ["found", "found"]
    run = runs.get(mailbox=first)
    [alert] = run.alerts
    assert (alert["source"], alert["kind"]) == ("exchange", "mailbox_forwarding")
    assert alert["target"] == "constituency.office.uk@outlook.com"
    assert "mailbox forwarding setting" in run.checked
    assert run.problems == []
    # One client-credentials request for both mailboxes; each Get-Mailbox named its mailbox.
    assert len(server.seen("POST", TOKEN_PATH)) == 1
    identities = [
        json.loads(r.body)["CmdletInput"]["Parameters"]["Identity"]
        for r in server.seen("POST", INVOKE)
    ]
    assert sorted(identities) == ["mp@example.gov.uk", "office@example.gov.uk"]
    # The alert email reaches the representative and managers, as for a forwarding rule.
    subjects = sorted(m.subject for m in mailoutbox)
    assert subjects == [
        "URGENT: mp@example.gov.uk is forwarding email outside the office",
        "URGENT: office@example.gov.uk is forwarding email outside the office",
    ]
    body = next(m.body for m in mailoutbox if "office@" in m.subject)
    assert "Sends to: constituency.office.uk@outlook.com" in body
    assert cast.manager.user.email in mailoutbox[0].to


def test_mailbox_forwarding_inside_the_office_is_fine(office, exchange_app, mailoutbox):
    mailbox = signed_in_mailbox(office)
    exchange_app.route("GET", rules_path(mailbox.address), "graph/messageRules-internal.json")
    exchange_app.route("POST", INVOKE, "graph/mailbox-internal.json")
    run = forwarding_audit_run(mailbox)
    assert run.status == ForwardingAuditRun.Status.OK
    assert run.problems == []
    assert {f["target"] for f in run.findings} == {"caseworker@example.gov.uk"}
    assert any(f["kind"] == "mailbox_forwarding" for f in run.findings)
    assert mailoutbox == []


def test_without_the_connection_the_run_says_plainly_it_was_not_checked(cast, office, server):
    mailbox = signed_in_mailbox(office)
    server.route("GET", rules_path(mailbox.address), "graph/messageRules-internal.json")
    run = forwarding_audit_run(mailbox)
    assert run.status == ForwardingAuditRun.Status.OK
    assert run.problems == [EXCHANGE_NOT_CONFIGURED.format(mailbox=mailbox.address)]
    assert "CIVICSHIELD_EXCHANGE_APP_TENANT" in run.problems[0]
    assert server.seen("POST", "/") == []  # neither a token nor Exchange was asked
    page = signed_in_client(cast.manager.user).get(
        reverse("mailguard:forwarding", kwargs={"pk": mailbox.pk})
    )
    assert "Could not be fully checked" in page.content.decode()
    assert "CIVICSHIELD_EXCHANGE_APP_TENANT" in page.content.decode()


def test_a_missing_role_is_a_plain_problem_while_the_inbox_rules_still_alert(
    office, exchange_app, mailoutbox, settings, django_capture_on_commit_callbacks
):
    mailbox = signed_in_mailbox(office)
    path = rules_path(mailbox.address)
    exchange_app.route("GET", path, "graph/messageRules.json")
    exchange_app.route("GET", path + "?$skiptoken=page2", "graph/messageRules-page2.json")
    exchange_app.route("POST", INVOKE, "graph/exchange-error-role.json", status=401)
    settings.JOBS_RUN_EAGERLY = True
    with django_capture_on_commit_callbacks(execute=True):
        run = forwarding_audit_run(mailbox)
    assert run.status == ForwardingAuditRun.Status.FOUND
    assert run.error == ""
    assert run.problems == [EXCHANGE_ROLE_MISSING.format(mailbox=mailbox.address)]
    assert {f["target"] for f in run.alerts} == {"mp.office.backup@gmail.com"}
    [alert] = mailoutbox
    assert "mp.office.backup@gmail.com" in alert.body


def test_secrets_are_never_logged_stored_or_shown(
    cast, office, exchange_app, caplog, mailoutbox, settings, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    mailbox = signed_in_mailbox(office)
    exchange_app.route("GET", rules_path(mailbox.address), "graph/messageRules-internal.json")
    exchange_app.route("POST", INVOKE, "graph/mailbox.json")
    settings.JOBS_RUN_EAGERLY = True
    with django_capture_on_commit_callbacks(execute=True):
        run = forwarding_audit_run(mailbox)
    # A second run whose token request is refused: the refusal is reported, not the secret.
    forwarding.EXCHANGE_APP_TOKENS.forget(forwarding.exchange_app_provider())  # type: ignore[arg-type]
    exchange_app.route("POST", TOKEN_PATH, "oauth/microsoft-invalid-client.json", status=401)
    refused = forwarding_audit_run(mailbox)
    assert "invalid_client" in refused.problems[0]

    page = signed_in_client(cast.manager.user).get(
        reverse("mailguard:forwarding", kwargs={"pk": mailbox.pk})
    )
    audit_log = json.dumps([e.details for e in AuditEntry.objects.all()])
    runs = json.dumps(
        [[r.findings, r.checked, r.problems, r.summary, r.error] for r in (run, refused)]
    )
    emails = " ".join(m.body for m in mailoutbox)
    for secret in (SECRET, APP_TOKEN, GRAPH_TOKEN):
        assert secret not in caplog.text
        assert secret not in audit_log
        assert secret not in runs
        assert secret not in page.content.decode()
        assert secret not in emails
    assert len(exchange_app.seen("POST", TOKEN_PATH)) == 2  # the requests really were made


def test_the_connect_page_says_whether_mailbox_forwarding_is_checked(cast, settings):
    from civicshield.web.testing import reauthenticated_client

    settings.MICROSOFT_CLIENT_ID = "ms-client"
    settings.MICROSOFT_CLIENT_SECRET = "ms-secret"  # noqa: S105 - test value
    connect = reverse("mailguard:mailbox_connect_cloud")
    page = reauthenticated_client(cast.manager.user).get(connect).content.decode()
    assert "<strong>not checked</strong>" in page
    assert "Exchange.ManageAsApp" in page and "CIVICSHIELD_EXCHANGE_APP_TENANT" in page

    # Reusing the sign-in app: only the tenant needs setting.
    settings.EXCHANGE_APP_TENANT = TENANT
    settings.EXCHANGE_APP_CLIENT_ID = settings.MICROSOFT_CLIENT_ID
    settings.EXCHANGE_APP_CLIENT_SECRET = settings.MICROSOFT_CLIENT_SECRET
    page = reauthenticated_client(cast.manager.user).get(connect).content.decode()
    assert "through your organisation's Exchange Online connection" in page
    assert "<strong>not checked</strong>" not in page
    assert "ms-secret" not in page
