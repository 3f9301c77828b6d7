"""Gmail: read a mailbox's forwarding addresses, automatic forwarding and filters (Gmail API v1)
and audit them for forwarding outside the office.

The token is an OAuth access token with the ``gmail.settings.basic`` scope (or
``gmail.readonly``) that the web app obtained (connectors/oauth.py); it is not stored here.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable
from typing import Any

from civicshield.connectors._http import request_json
from civicshield.core.forwarding import ForwardingAudit, analyse_gmail

GMAIL_URL = "https://gmail.googleapis.com/gmail/v1"
SERVICE = "Gmail"


class GmailClient:
    """Reads one user's Gmail settings with a bearer token."""

    def __init__(self, token: str, *, base_url: str = GMAIL_URL, timeout: float = 30.0) -> None:
        self.token = token
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _get(self, user: str, path: str) -> dict[str, Any]:
        url = f"{self.base_url}/users/{urllib.parse.quote(user)}/settings/{path}"
        return request_json(url, self.token, service=SERVICE, timeout=self.timeout)

    def forwarding_addresses(self, user: str = "me") -> dict[str, Any]:
        """``users.settings.forwardingAddresses.list``."""
        return self._get(user, "forwardingAddresses")

    def auto_forwarding(self, user: str = "me") -> dict[str, Any]:
        """``users.settings.getAutoForwarding``."""
        return self._get(user, "autoForwarding")

    def primary_address(self, user: str = "me") -> str:
        """The account's own address: the primary entry of ``users.settings.sendAs.list``.

        Read this way, the sign-in needs no scope beyond the settings one (Gmail's getProfile
        would need gmail.readonly, which reads every email)."""
        for entry in self._get(user, "sendAs").get("sendAs") or []:
            if isinstance(entry, dict) and entry.get("isPrimary"):
                return str(entry.get("sendAsEmail") or "")
        return ""

    def filters(self, user: str = "me") -> dict[str, Any]:
        """``users.settings.filters.list``."""
        return self._get(user, "filters")


def audit_gmail(
    mailbox: str, office_domains: Iterable[str], *, client: GmailClient, user: str = "me"
) -> ForwardingAudit:
    """Fetch the three settings documents and audit them. Raises ConnectorError on failure."""
    return analyse_gmail(
        mailbox,
        forwarding_addresses=client.forwarding_addresses(user),
        auto_forwarding=client.auto_forwarding(user),
        filters=client.filters(user),
        office_domains=office_domains,
    )
