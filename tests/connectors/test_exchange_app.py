"""The organisation-level Exchange Online connection: an app-only token (client credentials)
and Get-Mailbox through the Exchange Online admin API, over real HTTP.

These are RECORDED responses: Microsoft's token endpoint and Exchange Online cannot run here,
so a local server on 127.0.0.1 replays JSON documents of their documented shapes
(tests/fixtures/oauth/, tests/fixtures/graph/, see the README there). What is real: Authlib's
client-credentials request, our token cache, our HTTP client, and how failures become problems.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse

import pytest

from civicshield.connectors import oauth
from civicshield.connectors.graph import (
    EXCHANGE_APP_REFUSED,
    EXCHANGE_NOT_ALLOWED,
    EXCHANGE_NOT_IN_ORGANISATION,
    EXCHANGE_ROLE_MISSING,
    EXCHANGE_UNAVAILABLE,
    ExchangeAdminClient,
    GraphClient,
    audit_microsoft365,
)
from tests.servers.recorded import replay_server

MAILBOX = "office@example.gov.uk"
DOMAINS = ["example.gov.uk"]
TENANT = "example.onmicrosoft.com"
TOKEN_PATH = f"/{TENANT}/oauth2/v2.0/token"
INVOKE = f"/{TENANT}/InvokeCommand"
RULES = "/users/office@example.gov.uk/mailFolders/inbox/messageRules"
SECRET = "app-secret-not-a-real-one"  # noqa: S105 - test value
APP_TOKEN = "recorded-exchange-app-token-1"  # noqa: S105 - the recorded fixture's made-up token


@pytest.fixture
def server():
    with replay_server() as replay:
        replay.route("POST", TOKEN_PATH, "oauth/microsoft-app-token.json")
        replay.route("GET", RULES, "graph/messageRules-internal.json")
        yield replay


def app(server) -> oauth.Provider:
    return oauth.exchange_app("app-client", SECRET, tenant=TENANT, login_url=server.base_url)


def clients(server, cache: oauth.AppTokenCache) -> tuple[GraphClient, ExchangeAdminClient]:
    provider = app(server)
    exchange = ExchangeAdminClient(
        lambda: cache.access_token(provider),
        TENANT,
        base_url=server.base_url,
        on_refused=lambda: cache.forget(provider),
    )
    return GraphClient("graph-token", base_url=server.base_url), exchange


def form(body: bytes) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(body.decode()))


def test_the_app_token_is_fetched_once_with_client_credentials_and_reused(server):
    server.route("POST", INVOKE, "graph/mailbox.json")
    cache = oauth.AppTokenCache()
    graph, exchange = clients(server, cache)

    first = audit_microsoft365(MAILBOX, DOMAINS, graph=graph, exchange=exchange)
    second = audit_microsoft365(MAILBOX, DOMAINS, graph=graph, exchange=exchange)

    [token_request] = server.seen("POST", TOKEN_PATH)
    sent = form(token_request.body)
    assert sent["grant_type"] == "client_credentials"
    assert sent["scope"] == "https://outlook.office365.com/.default"
    assert (sent["client_id"], sent["client_secret"]) == ("app-client", SECRET)
    invokes = server.seen("POST", INVOKE)
    assert len(invokes) == 2
    assert all(r.headers["Authorization"] == f"Bearer {APP_TOKEN}" for r in invokes)
    assert json.loads(invokes[0].body)["CmdletInput"] == {
        "CmdletName": "Get-Mailbox",
        "Parameters": {"Identity": MAILBOX},
    }
    # The Graph token and the app token never cross: Graph gets the mailbox's own.
    assert all(r.headers["Authorization"] == "Bearer graph-token" for r in server.seen("GET", "/"))
    for audit in (first, second):
        [alert] = audit.alerts
        assert (alert.kind, alert.target) == (
            "mailbox_forwarding",
            "constituency.office.uk@outlook.com",
        )
        assert "mailbox forwarding setting" in audit.checked
        assert audit.problems == ()


def test_a_token_close_to_running_out_is_replaced():
    now = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
    clock = [now]
    issued: list[str] = []

    def fetch(provider: oauth.Provider) -> oauth.Tokens:
        issued.append(f"token-{len(issued) + 1}")
        return oauth.Tokens(issued[-1], "", clock[0] + dt.timedelta(hours=1))

    cache = oauth.AppTokenCache(fetch=fetch, now=lambda: clock[0])
    provider = oauth.exchange_app("c", "s", tenant=TENANT)
    assert cache.access_token(provider) == "token-1"
    clock[0] = now + dt.timedelta(minutes=50)
    assert cache.access_token(provider) == "token-1"
    clock[0] = now + dt.timedelta(minutes=56)  # within five minutes of running out
    assert cache.access_token(provider) == "token-2"


def test_mailbox_forwarding_inside_the_office_is_listed_without_an_alert(server):
    server.route("POST", INVOKE, "graph/mailbox-internal.json")
    graph, exchange = clients(server, oauth.AppTokenCache())
    audit = audit_microsoft365(MAILBOX, DOMAINS, graph=graph, exchange=exchange)
    assert audit.alerts == ()
    setting = next(f for f in audit.findings if f.kind == "mailbox_forwarding")
    assert (setting.target, setting.external) == ("caseworker@example.gov.uk", False)


def test_a_missing_role_is_a_plain_problem_and_the_inbox_rules_still_count(server):
    server.route("POST", INVOKE, "graph/exchange-error-role.json", status=401)
    server.route("GET", RULES, "graph/messageRules.json")
    server.route("GET", RULES + "?$skiptoken=page2", "graph/messageRules-page2.json")
    cache = oauth.AppTokenCache()
    graph, exchange = clients(server, cache)

    audit = audit_microsoft365(MAILBOX, DOMAINS, graph=graph, exchange=exchange)

    assert audit.problems == (EXCHANGE_ROLE_MISSING.format(mailbox=MAILBOX),)
    assert "'View-Only Recipients'" in audit.problems[0]
    # The outside redirect in the inbox rules is still the alert.
    assert {f.target for f in audit.alerts} == {"mp.office.backup@gmail.com"}
    assert "mailbox forwarding setting" not in audit.checked
    # The refused token is not reused: once the administrator fixes the role, a new one is got.
    audit_microsoft365(MAILBOX, DOMAINS, graph=graph, exchange=exchange)
    assert len(server.seen("POST", TOKEN_PATH)) == 2


def test_an_app_without_consent_is_told_what_the_administrator_must_grant(server):
    server.route("POST", INVOKE, "graph/exchange-error-403.json", status=403)
    graph, exchange = clients(server, oauth.AppTokenCache())
    audit = audit_microsoft365(MAILBOX, DOMAINS, graph=graph, exchange=exchange)
    assert audit.problems == (EXCHANGE_NOT_ALLOWED.format(mailbox=MAILBOX),)
    assert "'Exchange.ManageAsApp'" in audit.problems[0]
    assert len(audit.checked) == 1  # the inbox rule was still read


def test_a_refused_client_secret_is_a_problem_that_never_shows_the_secret(server):
    server.route("POST", TOKEN_PATH, "oauth/microsoft-invalid-client.json", status=401)
    graph, exchange = clients(server, oauth.AppTokenCache())
    audit = audit_microsoft365(MAILBOX, DOMAINS, graph=graph, exchange=exchange)
    assert audit.problems == (
        EXCHANGE_APP_REFUSED.format(mailbox=MAILBOX, reason="invalid_client"),
    )
    assert SECRET not in repr(audit) and "AADSTS" not in repr(audit)
    assert server.seen("POST", INVOKE) == []


def test_a_mailbox_outside_the_organisation_is_a_plain_problem(server):
    server.route("POST", INVOKE, "graph/mailbox-none.json")
    graph, exchange = clients(server, oauth.AppTokenCache())
    audit = audit_microsoft365(MAILBOX, DOMAINS, graph=graph, exchange=exchange)
    assert audit.problems == (EXCHANGE_NOT_IN_ORGANISATION.format(mailbox=MAILBOX),)


def test_a_busy_exchange_is_a_problem_for_this_run_only(server):
    server.route("POST", INVOKE, "graph/exchange-error-403.json", status=503)
    graph, exchange = clients(server, oauth.AppTokenCache())
    audit = audit_microsoft365(MAILBOX, DOMAINS, graph=graph, exchange=exchange)
    assert audit.problems == (EXCHANGE_UNAVAILABLE.format(mailbox=MAILBOX, reason="HTTP 503"),)


def test_without_exchange_the_reason_it_was_not_checked_is_a_problem(server):
    graph = GraphClient("graph-token", base_url=server.base_url)
    audit = audit_microsoft365(MAILBOX, DOMAINS, graph=graph, not_checked="Not checked: why.")
    assert audit.problems == ("Not checked: why.",)
    assert len(audit.checked) == 1
