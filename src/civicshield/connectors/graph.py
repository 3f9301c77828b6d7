"""Microsoft 365: read a mailbox's Outlook inbox rules (Microsoft Graph) and its forwarding
setting (Exchange Online), and audit them for forwarding outside the office; and watch its
inbox for phishing (``GraphMailbox``, with ``Mail.ReadWrite``, for ``watch_cloud_once``).

The token is an OAuth access token the web app obtained for the office's Microsoft 365 tenant
(connectors/oauth.py): Graph needs ``MailboxSettings.Read`` for inbox rules and ``User.Read``
for the signed-in mailbox's address. The Exchange admin API needs a token for another resource
(``https://outlook.office365.com``) with ``Exchange.ManageAsApp`` and an Exchange role, so the
sign-in flow does not use it: the organisation's own app gets an app-only token for it
(``oauth.client_credentials_token``). No token is stored here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from civicshield.connectors._http import (
    AccessRefused,
    BearerSession,
    HttpFailed,
    ServiceBusy,
    request_json,
)
from civicshield.connectors.base import PROTOCOL_FAILED, ConnectorError, ProtocolFailed
from civicshield.connectors.cloudwatch import CloudChanges, Cursor, NewMessage, utc_now
from civicshield.connectors.oauth import AppRefused
from civicshield.core.forwarding import (
    ForwardingAudit,
    analyse_exchange_mailbox,
    analyse_graph_rules,
)
from civicshield.core.forwarding.graph import MAILBOX_SOURCE

GRAPH_URL = "https://graph.microsoft.com/v1.0"
EXCHANGE_URL = "https://outlook.office365.com/adminapi/beta"
SERVICE = "Microsoft 365"
# Graph pages long lists with @odata.nextLink; a mailbox with more rules than this is itself
# something a person should look at, and the cap stops a looping nextLink running forever.
MAX_PAGES = 20
# One run reads at most this many delta pages (the limit of messages usually ends it sooner);
# a delta link that keeps pointing to further pages cannot hold a run forever.
MAX_DELTA_PAGES = 50


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


# Each says why mailbox-wide forwarding was not checked and who must do what, in plain words;
# the audit run shows it under "Could not be fully checked" while the inbox rules still report.
NOT_CHECKED = (
    "Mailbox-wide forwarding (Outlook on the web: Settings, Forwarding) was not checked for "
    "{mailbox}"
)
EXCHANGE_NOT_ALLOWED = (
    NOT_CHECKED + ": CivicShield is not allowed to read mailbox settings in Exchange Online. "
    "Your IT administrator must grant CivicShield's app the 'Exchange.ManageAsApp' permission "
    "(Office 365 Exchange Online, application permission, with admin consent) and assign it "
    "the 'View-Only Recipients' role."
)
EXCHANGE_ROLE_MISSING = (
    NOT_CHECKED + ": CivicShield's app may connect to Exchange Online but has no role that "
    "lets it read mailboxes. Your IT administrator must assign it the 'View-Only Recipients' "
    "role in Exchange Online (New-ManagementRoleAssignment with -App and "
    '-Role "View-Only Recipients").'
)
EXCHANGE_APP_REFUSED = (
    NOT_CHECKED + ": Microsoft refused to sign CivicShield's Exchange Online app in ({reason}). "
    "Your IT administrator must check the app's tenant, client id and client secret on the "
    "CivicShield server (client secrets expire: make a new one in the app registration)."
)
EXCHANGE_NOT_IN_ORGANISATION = (
    NOT_CHECKED + ": Exchange Online has no such mailbox in the Microsoft 365 organisation "
    "CivicShield's app reads. If the mailbox belongs to another organisation, its IT "
    "administrator must check this setting."
)
EXCHANGE_UNAVAILABLE = (
    NOT_CHECKED + ": Exchange Online could not be reached or was busy ({reason}). The next "
    "check will try again."
)
EXCHANGE_FAILED = NOT_CHECKED + ": Exchange Online answered with an error ({reason})."
# Exchange's own words when the app has Exchange.ManageAsApp but no usable role: "User is not
# allowed to call Get-Mailbox" (a role without the cmdlet), or "The role assigned to application
# ... isn't supported in this scenario" (no role at all).
_ROLE_MISSING_WORDS = ("not allowed to call", "role assigned to application")
# Get-Mailbox for an identity the organisation does not have:
# "ManagementObjectNotFoundException ... couldn't be found".
_NOT_FOUND_WORDS = ("managementobjectnotfound", "couldn't be found", "could not be found")


class ExchangeAdminClient:
    """Reads a mailbox's forwarding fields through the Exchange Online admin API.

    This is the REST endpoint behind the ExchangeOnlineManagement PowerShell module
    (``InvokeCommand`` running ``Get-Mailbox``); Graph itself does not expose mailbox forwarding.
    ``token`` is a bearer token, or a function giving one (the organisation's app-only token,
    fetched only when a request is made, so a refusal there is reported like the others).
    ``on_refused`` is called when Exchange answers 401/403, so a cached token that predates an
    administrator's consent or role assignment is not reused.
    """

    def __init__(
        self,
        token: str | Callable[[], str],
        tenant_id: str,
        *,
        base_url: str = EXCHANGE_URL,
        timeout: float = 30.0,
        on_refused: Callable[[], None] | None = None,
    ) -> None:
        self.token = token
        self.tenant_id = tenant_id
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.on_refused = on_refused

    def mailbox(self, user: str) -> dict[str, Any]:
        """Get-Mailbox for one user: ``{"value": [{"ForwardingSmtpAddress": ..., ...}]}``."""
        token = self.token() if callable(self.token) else self.token
        url = f"{self.base_url}/{urllib.parse.quote(self.tenant_id)}/InvokeCommand"
        body = {"CmdletInput": {"CmdletName": "Get-Mailbox", "Parameters": {"Identity": user}}}
        try:
            return request_json(url, token, service=SERVICE, timeout=self.timeout, body=body)
        except AccessRefused:
            if self.on_refused is not None:
                self.on_refused()
            raise


def exchange_problem(mailbox: str, exc: ConnectorError) -> str:
    """The plain-words reason mailbox-wide forwarding could not be read, from the failure."""
    reason = str(getattr(exc, "reason", "") or "")
    lowered = reason.lower()
    if isinstance(exc, AppRefused):
        return EXCHANGE_APP_REFUSED.format(mailbox=mailbox, reason=exc.reason)
    if isinstance(exc, AccessRefused):
        if any(words in lowered for words in _ROLE_MISSING_WORDS):
            return EXCHANGE_ROLE_MISSING.format(mailbox=mailbox)
        return EXCHANGE_NOT_ALLOWED.format(mailbox=mailbox)
    if isinstance(exc, HttpFailed) and any(words in lowered for words in _NOT_FOUND_WORDS):
        return EXCHANGE_NOT_IN_ORGANISATION.format(mailbox=mailbox)
    if exc.retryable:
        kind = f"HTTP {exc.status}" if isinstance(exc, ServiceBusy) else type(exc).__name__
        return EXCHANGE_UNAVAILABLE.format(mailbox=mailbox, reason=kind)
    detail = f"HTTP {exc.status}" if isinstance(exc, HttpFailed) else type(exc).__name__
    return EXCHANGE_FAILED.format(mailbox=mailbox, reason=detail)


def audit_exchange_mailbox(
    mailbox: str, office_domains: Iterable[str], *, exchange: ExchangeAdminClient
) -> ForwardingAudit:
    """Audit the mailbox-wide forwarding setting; a failure is a problem on the result, never
    an exception, so the inbox rules read beside it still count."""
    try:
        document = exchange.mailbox(mailbox)
    except ConnectorError as exc:
        return ForwardingAudit(MAILBOX_SOURCE, mailbox, (), (), (exchange_problem(mailbox, exc),))
    value = document.get("value")
    if isinstance(value, list) and not value:  # Get-Mailbox found nothing by that identity
        problem = EXCHANGE_NOT_IN_ORGANISATION.format(mailbox=mailbox)
        return ForwardingAudit(MAILBOX_SOURCE, mailbox, (), (), (problem,))
    try:
        return analyse_exchange_mailbox(mailbox, document, office_domains)
    except ValueError:
        problem = EXCHANGE_FAILED.format(mailbox=mailbox, reason="not a mailbox record")
        return ForwardingAudit(MAILBOX_SOURCE, mailbox, (), (), (problem,))


def audit_microsoft365(
    mailbox: str,
    office_domains: Iterable[str],
    *,
    graph: GraphClient,
    exchange: ExchangeAdminClient | None = None,
    not_checked: str = "",
) -> ForwardingAudit:
    """Audit one Microsoft 365 mailbox: inbox rules, plus the mailbox forwarding setting if an
    Exchange admin client is given (``not_checked``, the reason, is a problem when not).

    Raises ConnectorError if the inbox rules cannot be fetched; an Exchange failure is a
    problem on the result instead (``audit_exchange_mailbox``).
    """
    domains = tuple(office_domains)
    rules = analyse_graph_rules(mailbox, graph.message_rules(mailbox), domains)
    if exchange is None:
        if not not_checked:
            return rules
        return dataclasses.replace(rules, problems=(*rules.problems, not_checked))
    forwarding = audit_exchange_mailbox(mailbox, domains, exchange=exchange)
    return ForwardingAudit(
        rules.source,
        mailbox,
        rules.findings + forwarding.findings,
        rules.checked + forwarding.checked,
        rules.problems + forwarding.problems,
    )


# --- Watching the inbox for phishing (Mail.ReadWrite) ------------------------------------------

CATEGORY_PHISHING = "CivicShield: phishing"
CATEGORY_SUSPICIOUS = "CivicShield: suspicious"
CATEGORY_CHECKED = "CivicShield: checked"
VERDICT_CATEGORIES = {"phishing": CATEGORY_PHISHING, "suspicious": CATEGORY_SUSPICIOUS}
SUSPICIOUS_FOLDER = "Suspicious"
# Graph sends 10 messages per delta page unless asked for more; 50 keeps a page's scan short.
DELTA_PAGE_SIZE = 50
DELTA_RESTARTED = (
    "Microsoft 365 no longer recognised where the last check stopped (its record of changes "
    "expires after a while), so the check started again from emails received since {since}. "
    "Emails already checked were not checked twice."
)


def _graph_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class GraphMailbox:
    """The signed-in user's Outlook inbox through Microsoft Graph, for ``watch_cloud_once``.

    1. New mail: the inbox's delta query, ``$select=id,categories`` (the id to fetch, and the
       categories to tell our own earlier tagging apart), following ``@odata.nextLink`` pages
       until ``@odata.deltaLink``, which is the cursor for next time. The first run starts
       from now (``$filter=receivedDateTime ge <now>``, the one filter delta supports): mail
       that was there before the office turned the watch on is not scanned.
    2. The MIME source: ``GET /me/messages/{id}/$value``.
    3. Tagging: ``PATCH /me/messages/{id}`` with ``categories`` (the existing ones kept).
    4. Moving: ``POST /me/messages/{id}/move`` into a top-level "Suspicious" folder, found by
       its display name or created once with ``POST /me/mailFolders``.

    A delta link Graph no longer honours (HTTP 410) restarts the delta from the time of the
    last completed round, and ``CloudChanges.notice`` says so.
    """

    service = SERVICE

    def __init__(
        self,
        session: BearerSession,
        *,
        base_url: str = GRAPH_URL,
        folder: str = SUSPICIOUS_FOLDER,
        now: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.folder = folder
        self.now = now
        self._folder_id: str | None = None

    def _url(self, path: str) -> str:
        return path if path.startswith(("https://", "http://")) else f"{self.base_url}/{path}"

    def _delta_link(self, since: dt.datetime) -> str:
        query = urllib.parse.urlencode(
            {"$select": "id,categories", "$filter": f"receivedDateTime ge {_graph_time(since)}"}
        )
        return f"{self.base_url}/me/mailFolders/inbox/messages/delta?{query}"

    def _page(self, link: str) -> dict[str, Any]:
        return self.session.json(
            self._url(link), headers={"Prefer": f"odata.maxpagesize={DELTA_PAGE_SIZE}"}
        )

    def changes(self, cursor: Mapping[str, str] | None, *, limit: int | None) -> CloudChanges:
        started = self.now()
        since = str((cursor or {}).get("since") or _graph_time(started))
        link = str((cursor or {}).get("link") or "") or self._delta_link(started)
        notice = ""
        try:
            page = self._page(link)
        except HttpFailed as exc:
            if exc.status != 410:
                raise
            link = self._delta_link(dt.datetime.fromisoformat(since))
            notice = DELTA_RESTARTED.format(since=since.replace("T", " ").replace("Z", " UTC"))
            page = self._page(link)
        start: Cursor = {"link": link, "since": since}
        messages: list[NewMessage] = []
        for _ in range(MAX_DELTA_PAGES):
            next_link = page.get("@odata.nextLink")
            delta_link = page.get("@odata.deltaLink")
            if isinstance(delta_link, str) and delta_link:
                # A finished round covers everything received before it started.
                after: Cursor = {"link": delta_link, "since": _graph_time(started)}
            elif isinstance(next_link, str) and next_link:
                after = {"link": next_link, "since": since}
            else:
                raise ProtocolFailed(
                    PROTOCOL_FAILED.format(host=self.base_url, reason="a delta page had no link")
                )
            found = [
                m for m in (self._new_message(e) for e in page.get("value") or []) if m is not None
            ]
            if found:
                found[-1] = dataclasses.replace(found[-1], checkpoint=after)
            elif not messages:
                start = after  # nothing to handle before here: no need to read this page again
            messages.extend(found)
            if delta_link:
                return CloudChanges(start, tuple(messages), after, more=False, notice=notice)
            if limit is not None and len(messages) >= limit:
                break
            page = self._page(after["link"])
        return CloudChanges(start, tuple(messages), after, more=True, notice=notice)

    @staticmethod
    def _new_message(entry: Any) -> NewMessage | None:
        if not isinstance(entry, dict) or "@removed" in entry or not entry.get("id"):
            return None  # deleted, or moved out of the inbox (by us, or by a person)
        categories = tuple(str(c) for c in entry.get("categories") or [])
        return NewMessage(
            str(entry["id"]),
            tags=categories,
            already_checked=CATEGORY_CHECKED in categories,
            flagged_phishing=CATEGORY_PHISHING in categories,
        )

    def _message_url(self, message: NewMessage, suffix: str = "") -> str:
        return f"{self.base_url}/me/messages/{urllib.parse.quote(message.id, safe='')}{suffix}"

    def fetch_raw(self, message: NewMessage) -> bytes:
        return self.session.request(self._message_url(message, "/$value"), accept="*/*")

    def mark(self, message: NewMessage, verdict: str) -> tuple[str, ...]:
        added = [c for c in (VERDICT_CATEGORIES.get(verdict), CATEGORY_CHECKED) if c]
        categories = [*message.tags, *(c for c in added if c not in message.tags)]
        self.session.json(
            self._message_url(message), method="PATCH", body={"categories": categories}
        )
        return tuple(added)

    def _suspicious_folder_id(self) -> str:
        if self._folder_id:
            return self._folder_id
        name = self.folder.replace("'", "''")  # OData string literal
        query = urllib.parse.urlencode({"$filter": f"displayName eq '{name}'", "$select": "id"})
        found = self.session.json(f"{self.base_url}/me/mailFolders?{query}").get("value") or []
        if found and isinstance(found[0], dict) and found[0].get("id"):
            self._folder_id = str(found[0]["id"])
        else:
            created = self.session.json(
                f"{self.base_url}/me/mailFolders", method="POST", body={"displayName": self.folder}
            )
            self._folder_id = str(created.get("id") or "")
        if not self._folder_id:
            raise ProtocolFailed(
                PROTOCOL_FAILED.format(host=self.base_url, reason="no id for the folder")
            )
        return self._folder_id

    def move_to_suspicious(self, message: NewMessage) -> str:
        folder_id = self._suspicious_folder_id()
        self.session.json(
            self._message_url(message, "/move"), method="POST", body={"destinationId": folder_id}
        )
        return self.folder
