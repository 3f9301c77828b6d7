"""Microsoft 365: read a mailbox's Outlook inbox rules (Microsoft Graph) and its forwarding
setting (Exchange Online), and audit them for forwarding outside the office.

The token is an OAuth access token the web app obtained for the office's Microsoft 365 tenant
(connectors/oauth.py): Graph needs ``MailboxSettings.Read`` for inbox rules and ``User.Read``
for the signed-in mailbox's address. The Exchange admin API needs a token for another resource
(``https://outlook.office365.com``) with ``Exchange.ManageAsApp`` (or a delegated Exchange
administrator), so the sign-in flow does not use it. No token is stored here.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable
from typing import Any

from civicshield.connectors._http import request_json
from civicshield.core.forwarding import (
    ForwardingAudit,
    analyse_exchange_mailbox,
    analyse_graph_rules,
)

GRAPH_URL = "https://graph.microsoft.com/v1.0"
EXCHANGE_URL = "https://outlook.office365.com/adminapi/beta"
SERVICE = "Microsoft 365"
# Graph pages long lists with @odata.nextLink; a mailbox with more rules than this is itself
# something a person should look at, and the cap stops a looping nextLink running forever.
MAX_PAGES = 20


class GraphClient:
    """Reads inbox rules through Microsoft Graph with a bearer token."""

    def __init__(self, token: str, *, base_url: str = GRAPH_URL, timeout: float = 30.0) -> None:
        self.token = token
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def get(self, url: str) -> dict[str, Any]:
        """One JSON document (``url`` absolute, or relative to the Graph base URL)."""
        if not url.startswith(("https://", "http://")):
            url = f"{self.base_url}/{url.lstrip('/')}"
        return request_json(url, self.token, service=SERVICE, timeout=self.timeout)

    def me(self) -> dict[str, Any]:
        """``GET /me``: the signed-in user's ``mail`` and ``userPrincipalName`` (User.Read)."""
        return self.get("me?$select=mail,userPrincipalName")

    def message_rules(self, user: str) -> dict[str, Any]:
        """``GET /users/{user}/mailFolders/inbox/messageRules``, all pages merged in ``value``."""
        url = f"users/{urllib.parse.quote(user)}/mailFolders/inbox/messageRules"
        rules: list[Any] = []
        for _ in range(MAX_PAGES):
            page = self.get(url)
            rules.extend(page.get("value") or [])
            next_link = page.get("@odata.nextLink")
            if not isinstance(next_link, str) or not next_link:
                break
            url = next_link
        return {"value": rules}


class ExchangeAdminClient:
    """Reads a mailbox's forwarding fields through the Exchange Online admin API.

    This is the REST endpoint behind the ExchangeOnlineManagement PowerShell module
    (``InvokeCommand`` running ``Get-Mailbox``); Graph itself does not expose mailbox forwarding.
    """

    def __init__(
        self, token: str, tenant_id: str, *, base_url: str = EXCHANGE_URL, timeout: float = 30.0
    ) -> None:
        self.token = token
        self.tenant_id = tenant_id
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def mailbox(self, user: str) -> dict[str, Any]:
        """Get-Mailbox for one user: ``{"value": [{"ForwardingSmtpAddress": ..., ...}]}``."""
        url = f"{self.base_url}/{urllib.parse.quote(self.tenant_id)}/InvokeCommand"
        body = {"CmdletInput": {"CmdletName": "Get-Mailbox", "Parameters": {"Identity": user}}}
        return request_json(url, self.token, service=SERVICE, timeout=self.timeout, body=body)


def audit_microsoft365(
    mailbox: str,
    office_domains: Iterable[str],
    *,
    graph: GraphClient,
    exchange: ExchangeAdminClient | None = None,
) -> ForwardingAudit:
    """Audit one Microsoft 365 mailbox: inbox rules, plus the mailbox forwarding setting if an
    Exchange admin client is given. Raises ConnectorError if a document cannot be fetched."""
    domains = tuple(office_domains)
    rules = analyse_graph_rules(mailbox, graph.message_rules(mailbox), domains)
    if exchange is None:
        return rules
    forwarding = analyse_exchange_mailbox(mailbox, exchange.mailbox(mailbox), domains)
    return ForwardingAudit(
        rules.source,
        mailbox,
        rules.findings + forwarding.findings,
        rules.checked + forwarding.checked,
        rules.problems + forwarding.problems,
    )
