"""Gmail: read a mailbox's forwarding addresses, automatic forwarding and filters (Gmail API v1)
and audit them for forwarding outside the office; and watch its inbox for phishing
(``GmailMailbox``, with ``gmail.modify``, for ``watch_cloud_once``).

The token is an OAuth access token with the ``gmail.settings.basic`` scope (or
``gmail.readonly``) that the web app obtained (connectors/oauth.py); it is not stored here.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from civicshield.connectors._http import BearerSession, HttpFailed, request_json
from civicshield.connectors.base import PROTOCOL_FAILED, ProtocolFailed
from civicshield.connectors.cloudwatch import CloudChanges, Cursor, NewMessage, utc_now
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


# --- Watching the inbox for phishing (gmail.modify) --------------------------------------------

LABEL_PHISHING = "CivicShield/Phishing"
LABEL_SUSPICIOUS = "CivicShield/Suspicious"
LABEL_CHECKED = "CivicShield/Checked"
VERDICT_LABELS = {"phishing": LABEL_PHISHING, "suspicious": LABEL_SUSPICIOUS}
HISTORY_PAGE_SIZE = 100
MAX_HISTORY_PAGES = 20
HISTORY_GAP_CHECKED = (
    "Gmail no longer kept the record of changes since the last check (it keeps about a week), "
    "so CivicShield looked through the inbox for every email that arrived since then instead."
)
GAP_PAGE_SIZE = 100
HISTORY_RESTARTED = (
    "Gmail no longer kept the record of changes since the last check (it keeps about a week), "
    "so the check started again from now. Emails that arrived in between were not checked: "
    "look through the inbox for anything unexpected."
)


class GmailMailbox:
    """The signed-in user's Gmail inbox, for ``watch_cloud_once``.

    1. New mail: ``users.history.list`` from the stored ``historyId`` (``messageAdded`` in
       INBOX), paged with ``pageToken``. The first run takes the profile's current
       ``historyId`` (``users.getProfile``) and scans nothing: the watch starts from now. A
       cursor can point just after any history record, so a stopped run resumes exactly.
    2. The MIME source: ``users.messages.get?format=raw`` (base64url).
    3. Tagging: ``users.messages.modify`` adding CivicShield's labels, created once
       (``users.labels.create``) if the account has none yet.
    4. "Moving": add the CivicShield/Suspicious label and remove INBOX (Gmail has labels,
       not folders; the email stays in All Mail and under the label).

    A ``historyId`` Gmail no longer has (HTTP 404) restarts from the profile's current one.
    Every cursor also carries ``checked_at`` (epoch seconds at the start of the last complete
    round), so the inbox's email since then is listed instead (``messages.list`` with
    ``after:``; the "checked" label skips what was scanned already). ``CloudChanges.notice``
    says which happened.
    """

    service = SERVICE

    def __init__(
        self,
        session: BearerSession,
        *,
        base_url: str = GMAIL_URL,
        now: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.session = session
        self.now = now
        self.base_url = base_url.rstrip("/") + "/users/me"
        self._labels: dict[str, str] | None = None

    def _message_url(self, message_id: str, suffix: str = "") -> str:
        return f"{self.base_url}/messages/{urllib.parse.quote(message_id, safe='')}{suffix}"

    def _from_now(self, round_started: str) -> Cursor:
        """A cursor at the profile's current history id: the watch goes on from now."""
        return {"history_id": self._profile_history_id(), "checked_at": round_started}

    def _profile_history_id(self) -> str:
        history_id = self.session.json(f"{self.base_url}/profile").get("historyId")
        if not history_id:
            raise ProtocolFailed(
                PROTOCOL_FAILED.format(host=self.base_url, reason="the profile had no historyId")
            )
        return str(history_id)

    def _history(self, start: str, page_token: str) -> dict[str, Any]:
        query = {
            "startHistoryId": start,
            "historyTypes": "messageAdded",
            "labelId": "INBOX",
            "maxResults": str(HISTORY_PAGE_SIZE),
        }
        if page_token:
            query["pageToken"] = page_token
        return self.session.json(f"{self.base_url}/history?{urllib.parse.urlencode(query)}")

    def _gap(self, since: str, now: Cursor, limit: int | None) -> CloudChanges:
        """Inbox email that arrived after ``since`` (epoch seconds) and is not yet checked, for
        a lost history. Gmail lists newest first; a run cut short by ``limit`` keeps the gap's
        cursor, and the next run lists again, skipping what now carries the "checked" label."""
        checked = self._label_ids().get(LABEL_CHECKED, "")
        messages: list[NewMessage] = []
        token = ""
        for _ in range(MAX_HISTORY_PAGES):
            query = {"labelIds": "INBOX", "q": f"after:{since}", "maxResults": str(GAP_PAGE_SIZE)}
            if token:
                query["pageToken"] = token
            page = self.session.json(f"{self.base_url}/messages?{urllib.parse.urlencode(query)}")
            for entry in page.get("messages") or []:
                if not isinstance(entry, dict) or not entry.get("id"):
                    continue
                found = self.session.json(self._message_url(str(entry["id"]), "?format=minimal"))
                labels = tuple(str(label) for label in found.get("labelIds") or [])
                if checked and checked in labels:
                    continue
                messages.append(NewMessage(str(entry["id"]), tags=labels))
                if limit is not None and len(messages) >= limit:
                    break
            token = str(page.get("nextPageToken") or "")
            if not token or (limit is not None and len(messages) >= limit):
                break
        gap: Cursor = {"history_id": "", "checked_at": since}
        unfinished = bool(token) or (limit is not None and len(messages) >= limit)
        messages.reverse()  # oldest first, as every source reports them
        return CloudChanges(
            gap,
            tuple(messages),
            gap if unfinished else now,
            more=unfinished,
            notice=HISTORY_GAP_CHECKED,
        )

    def changes(self, cursor: Mapping[str, str] | None, *, limit: int | None) -> CloudChanges:
        start_id = str((cursor or {}).get("history_id") or "")
        since = str((cursor or {}).get("checked_at") or "")
        round_started = str(int(self.now().timestamp()))
        if not start_id and since:
            # A listing of lost history that stopped part-way: list again from the same time.
            return self._gap(since, self._from_now(round_started), limit)
        if not start_id:
            now = self._from_now(round_started)
            return CloudChanges(now, (), now)
        try:
            page = self._history(start_id, "")
        except HttpFailed as exc:
            if exc.status != 404:
                raise
            now = self._from_now(round_started)
            if since:
                return self._gap(since, now, limit)
            return CloudChanges(now, (), now, notice=HISTORY_RESTARTED)
        checked = self._label_ids().get(LABEL_CHECKED, "")
        phishing = self._label_ids().get(LABEL_PHISHING, "")
        kept = {"checked_at": since} if since else {}
        start: Cursor = {"history_id": start_id, **kept}
        messages: list[NewMessage] = []
        seen: set[str] = set()
        for _ in range(MAX_HISTORY_PAGES):
            for record in page.get("history") or []:
                if not isinstance(record, dict) or not record.get("id"):
                    continue
                after: Cursor = {"history_id": str(record["id"]), **kept}
                found = []
                for added in record.get("messagesAdded") or []:
                    entry = added.get("message") if isinstance(added, dict) else None
                    if not isinstance(entry, dict) or not entry.get("id"):
                        continue
                    labels = tuple(str(label) for label in entry.get("labelIds") or [])
                    if "INBOX" not in labels or "DRAFT" in labels or entry["id"] in seen:
                        continue
                    seen.add(str(entry["id"]))
                    found.append(
                        NewMessage(
                            str(entry["id"]),
                            tags=labels,
                            already_checked=bool(checked) and checked in labels,
                            flagged_phishing=bool(phishing) and phishing in labels,
                        )
                    )
                if found:
                    found[-1] = dataclasses.replace(found[-1], checkpoint=after)
                elif not messages:
                    start = after
                messages.extend(found)
                if limit is not None and len(messages) >= limit:
                    return CloudChanges(start, tuple(messages), after, more=True)
            token = str(page.get("nextPageToken") or "")
            if not token:
                end: Cursor = {
                    "history_id": str(page.get("historyId") or start_id),
                    "checked_at": round_started,
                }
                return CloudChanges(start, tuple(messages), end)
            page = self._history(start_id, token)
        end = messages[-1].checkpoint if messages and messages[-1].checkpoint else start
        return CloudChanges(start, tuple(messages), end, more=True)

    def fetch_raw(self, message: NewMessage) -> bytes:
        encoded = str(
            self.session.json(self._message_url(message.id, "?format=raw")).get("raw") or ""
        )
        try:
            return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError) as exc:
            raise ProtocolFailed(
                PROTOCOL_FAILED.format(host=self.base_url, reason="the email was not base64url")
            ) from exc

    def _label_ids(self) -> dict[str, str]:
        """Our labels' ids by name, created the first time they are needed."""
        if self._labels is None:
            listed = self.session.json(f"{self.base_url}/labels").get("labels") or []
            self._labels = {
                str(label["name"]): str(label["id"])
                for label in listed
                if isinstance(label, dict) and label.get("name") and label.get("id")
            }
        return self._labels

    def _label_id(self, name: str) -> str:
        labels = self._label_ids()
        if name not in labels:
            created = self.session.json(
                f"{self.base_url}/labels",
                method="POST",
                body={
                    "name": name,
                    "labelListVisibility": "labelShow",
                    "messageListVisibility": "show",
                },
            )
            labels[name] = str(created.get("id") or "")
        if not labels[name]:
            raise ProtocolFailed(
                PROTOCOL_FAILED.format(host=self.base_url, reason=f"no id for the label {name}")
            )
        return labels[name]

    def _modify(self, message: NewMessage, add: list[str], remove: list[str]) -> None:
        body = {"addLabelIds": add, "removeLabelIds": remove}
        self.session.json(self._message_url(message.id, "/modify"), method="POST", body=body)

    def mark(self, message: NewMessage, verdict: str) -> tuple[str, ...]:
        names = [n for n in (VERDICT_LABELS.get(verdict), LABEL_CHECKED) if n]
        self._modify(message, [self._label_id(n) for n in names], [])
        return tuple(names)

    def move_to_suspicious(self, message: NewMessage) -> str:
        self._modify(message, [self._label_id(LABEL_SUSPICIOUS)], ["INBOX"])
        return LABEL_SUSPICIOUS
