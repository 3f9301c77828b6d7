"""The Microsoft 365 and Gmail forwarding audits over HTTP.

These are RECORDED responses: the Microsoft Graph, Exchange Online and Gmail APIs cannot run
here, so a local server on 127.0.0.1 replays JSON documents of their documented shapes
(tests/fixtures/graph/, tests/fixtures/gmail/, see the README there). What is real: our HTTP
client, its bearer token, paging, error handling, and the analysis of the documents.
"""

from __future__ import annotations

import json

import pytest

from civicshield.connectors._http import ACCESS_REFUSED, SERVICE_BUSY
from civicshield.connectors.base import AuthenticationFailed, ConnectorError, ServerUnreachable
from civicshield.connectors.gmail import GmailClient, audit_gmail
from civicshield.connectors.graph import ExchangeAdminClient, GraphClient, audit_microsoft365
from tests.servers.dovecot import free_port
from tests.servers.recorded import replay_server

MAILBOX = "office@example.gov.uk"
DOMAINS = ["example.gov.uk"]
TOKEN = "test-token-not-a-secret"
RULES = "/users/office@example.gov.uk/mailFolders/inbox/messageRules"


@pytest.fixture
def server():
    with replay_server() as replay:
        yield replay


def test_microsoft365_audit_reads_every_page_of_rules_and_the_mailbox_forwarding(server):
    server.route("GET", RULES, "graph/messageRules.json")
    server.route("GET", RULES + "?$skiptoken=page2", "graph/messageRules-page2.json")
    server.route("POST", "/tenant-1/InvokeCommand", "graph/mailbox.json")
    graph = GraphClient(TOKEN, base_url=server.base_url)
    exchange = ExchangeAdminClient(TOKEN, "tenant-1", base_url=server.base_url)

    audit = audit_microsoft365(MAILBOX, DOMAINS, graph=graph, exchange=exchange)

    by_target = {f.target: f for f in audit.findings}
    assert set(by_target) == {
        "caseworker@example.gov.uk",
        "mp.office.backup@gmail.com",
        "books@accountants.example",
        "constituency.office.uk@outlook.com",
    }
    # The hidden-looking rule named "." that redirects everything to Gmail is the alert.
    hidden = by_target["mp.office.backup@gmail.com"]
    assert (hidden.alert, hidden.kind, hidden.rule_name) == (True, "redirect", ".")
    # A disabled rule to an outside accountant is listed, not alerted.
    assert by_target["books@accountants.example"].active is False
    assert by_target["books@accountants.example"].alert is False
    assert by_target["caseworker@example.gov.uk"].external is False
    mailbox_forwarding = by_target["constituency.office.uk@outlook.com"]
    assert mailbox_forwarding.alert is True
    assert mailbox_forwarding.kind == "mailbox_forwarding"
    assert "sends a copy of every email to constituency.office.uk@outlook.com" in (
        mailbox_forwarding.detail
    )
    assert {f.target for f in audit.alerts} == {
        "mp.office.backup@gmail.com",
        "constituency.office.uk@outlook.com",
    }
    # Four rules over two pages, plus the mailbox setting.
    assert len(audit.checked) == 5
    # What was sent: the bearer token on every request, and the Get-Mailbox command.
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in server.requests)
    post = next(r for r in server.requests if r.method == "POST")
    assert json.loads(post.body)["CmdletInput"] == {
        "CmdletName": "Get-Mailbox",
        "Parameters": {"Identity": MAILBOX},
    }


def test_an_expired_microsoft_token_asks_the_office_to_reconnect(server):
    server.route("GET", RULES, "graph/error-401.json", status=401)
    with pytest.raises(AuthenticationFailed) as caught:
        audit_microsoft365(MAILBOX, DOMAINS, graph=GraphClient(TOKEN, base_url=server.base_url))
    assert str(caught.value) == ACCESS_REFUSED.format(
        service="Microsoft 365", reason="Access token has expired or is not yet valid."
    )
    assert caught.value.retryable is False


def test_a_busy_service_is_retryable(server):
    server.route("GET", RULES, "graph/error-401.json", status=503)
    with pytest.raises(ConnectorError) as caught:
        GraphClient(TOKEN, base_url=server.base_url).message_rules(MAILBOX)
    assert str(caught.value) == SERVICE_BUSY.format(service="Microsoft 365", status=503)
    assert caught.value.retryable is True


def test_an_unreachable_api_is_retryable():
    client = GraphClient(TOKEN, base_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ServerUnreachable) as caught:
        client.message_rules(MAILBOX)
    assert caught.value.retryable is True


def test_a_token_is_never_sent_over_plain_http_to_another_host():
    with pytest.raises(ConnectorError, match="only https URLs are used"):
        GraphClient(TOKEN, base_url="http://graph.example.org/v1.0").message_rules(MAILBOX)


def gmail_routes(server, auto="gmail/autoForwarding.json"):
    base = "/users/me/settings"
    server.route("GET", f"{base}/forwardingAddresses", "gmail/forwardingAddresses.json")
    server.route("GET", f"{base}/autoForwarding", auto)
    server.route("GET", f"{base}/filters", "gmail/filters.json")


def test_gmail_audit_finds_auto_forwarding_and_forwarding_filters(server):
    gmail_routes(server)
    audit = audit_gmail(MAILBOX, DOMAINS, client=GmailClient(TOKEN, base_url=server.base_url))

    alerts = {(f.kind, f.target) for f in audit.alerts}
    assert alerts == {
        ("auto_forwarding", "jo.bloggs.mp@gmail.com"),
        ("forward", "jo.bloggs.mp@gmail.com"),
    }
    auto = next(f for f in audit.findings if f.kind == "auto_forwarding")
    assert "forwards every email and archives it, so it disappears from the inbox" in auto.detail
    internal = next(f for f in audit.findings if f.target == "office.archive@example.gov.uk")
    assert internal.external is False
    # A pending (unconfirmed) outside address is listed but is not an alert yet.
    pending = next(f for f in audit.findings if f.target == "helper@protonmail.example")
    assert (pending.kind, pending.external, pending.alert) == ("forwarding_address", True, False)
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in server.requests)


def test_gmail_verified_outside_address_without_forwarding_is_still_an_alert(server):
    gmail_routes(server, auto="gmail/autoForwarding-off.json")
    server.route("GET", "/users/me/settings/filters", "gmail/autoForwarding-off.json")
    audit = audit_gmail(MAILBOX, DOMAINS, client=GmailClient(TOKEN, base_url=server.base_url))
    [alert] = audit.alerts
    assert (alert.kind, alert.target) == ("forwarding_address", "jo.bloggs.mp@gmail.com")
    assert "No email is forwarded there yet" in alert.detail


def test_gmail_without_the_settings_scope_asks_the_office_to_reconnect(server):
    server.route("GET", "/users/me/settings/forwardingAddresses", "gmail/error-403.json", 403)
    with pytest.raises(AuthenticationFailed, match="Request had insufficient authentication"):
        audit_gmail(MAILBOX, DOMAINS, client=GmailClient(TOKEN, base_url=server.base_url))
