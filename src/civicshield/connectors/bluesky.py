"""Bluesky, through the atproto SDK: publishing, reading mentions and the moderation actions.

Idempotent publishing without an Idempotency-Key
------------------------------------------------
The AT Protocol has no idempotency header. But ``com.atproto.repo.createRecord`` takes an
optional ``rkey`` (the record key, the last part of the post's ``at://`` URI), and a record key
names at most one record in a collection: a second create with the same key is refused by
the PDS instead of making a second post. ``app.bsky.feed.post`` records use TID keys, so the
app's idempotency key *is* a TID (``new_idempotency_key``), written to the database before the
call, and the post is created under exactly that key. Reconciling after a crash is then a
``com.atproto.repo.getRecord`` for that key, not a search of the account's recent posts:

* found -> the earlier try reached the PDS; use that post;
* not found -> nothing was written; create it (and if the create fails, look the key up once
  more: a real PDS, @atproto/pds 0.4 via @atproto/dev-env 0.6.7, answers a duplicate record
  key with HTTP 500, so only reading the record tells "already there" from "failed").

Direct messages
---------------
``fetch_mentions`` returns mentions and replies. Direct messages live on a separate chat
service (``did:web:api.bsky.chat``), reached through the account's PDS with the
``atproto-proxy`` header; ``fetch_direct_messages`` reads them from the chat log
(``chat.bsky.convo.getLog``). An app password made without "Allow access to your direct
messages" is refused there ("Bad token scope"/"Bad token method") while mentions still work,
so that failure is its own error, ``DirectMessagesNotAllowed`` (made without that box ticked).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from atproto import Client, models
from atproto.exceptions import (
    AtProtocolError,
    BadRequestError,
    NetworkError,
    RequestErrorBase,
    UnauthorizedError,
)
from atproto_client.utils.facet_detection import (  # type: ignore[import-untyped]
    detect_facets,
)

from civicshield.connectors.publishing import (
    ERROR_NOT_SUPPORTED,
    Account,
    ConnectorError,
    DirectMessagePage,
    DirectMessagesNotAllowed,
    MediaItem,
    Mention,
    NotSupported,
    Profile,
    PublishedPost,
    is_idempotency_key,
)
from civicshield.core.batch import ItemError

__all__ = [
    "ERROR_BLUESKY_BAD_KEY",
    "ERROR_BLUESKY_BAD_MESSAGE",
    "ERROR_BLUESKY_NO_DM_ACCESS",
    "ERROR_BLUESKY_REFUSED",
    "ERROR_BLUESKY_SIGNED_OUT",
    "ERROR_BLUESKY_UNEXPECTED",
    "ERROR_BLUESKY_UNREACHABLE",
    "BlueskyConnector",
]

POST = "app.bsky.feed.post"
ERROR_BLUESKY_UNREACHABLE = "Bluesky could not be reached; it will be tried again."
ERROR_BLUESKY_SIGNED_OUT = (
    "Bluesky did not accept the handle and app password: check them, or make a new app password."
)
ERROR_BLUESKY_REFUSED = "Bluesky refused the request (HTTP {status})."
ERROR_BLUESKY_UNEXPECTED = "Bluesky answered something CivicShield could not read."
ERROR_BLUESKY_BAD_KEY = "The publishing key is not a Bluesky record key (TID)."
ERROR_BLUESKY_NO_DM_ACCESS = (
    "CivicShield can read mentions and replies, but not direct messages: the app password was "
    "made without 'Allow access to your direct messages'. Make a new app password with that "
    "box ticked (Bluesky: Settings → Privacy and security → App passwords) and paste it here."
)
ERROR_BLUESKY_BAD_MESSAGE = "Bluesky sent a direct message CivicShield could not read: skipped."

CHAT_LOG_PAGES = 10
"""Most chat log pages read in one poll; the rest come next time (the cursor is kept)."""
_CREATE_MESSAGE = "chat.bsky.convo.defs#logCreateMessage"
_MESSAGE_VIEW = "chat.bsky.convo.defs#messageView"


def _is_scope_error(exc: AtProtocolError) -> bool:
    """Whether the PDS refused a chat call because of the app password's permissions.

    The PDS answers ``{"error": "InvalidToken", "message": "Bad token scope"}`` (or "Bad token
    method"), with HTTP 400 or 401 depending on its version; the message is what tells it apart
    from an expired session, so that is what is checked (as Bluesky's own app does).
    """
    if not isinstance(exc, RequestErrorBase) or exc.response is None:
        return False
    message = str(getattr(exc.response.content, "message", "") or "")
    return "Bad token scope" in message or "Bad token method" in message


T = TypeVar("T")


def _status(exc: RequestErrorBase) -> int | None:
    return exc.response.status_code if exc.response is not None else None


def _convert(exc: AtProtocolError) -> ConnectorError:
    """A safe ``ConnectorError`` for an SDK error (the SDK's own text is never passed on)."""
    if isinstance(exc, UnauthorizedError):
        return ConnectorError(ERROR_BLUESKY_SIGNED_OUT, retryable=False)
    if isinstance(exc, NetworkError):
        return ConnectorError(ERROR_BLUESKY_UNREACHABLE, retryable=True)
    if isinstance(exc, RequestErrorBase):
        status = _status(exc)
        if status == 401:
            return ConnectorError(ERROR_BLUESKY_SIGNED_OUT, retryable=False)
        retryable = status is None or status >= 500 or status == 429
        return ConnectorError(
            ERROR_BLUESKY_REFUSED.format(status=status or "?"), retryable=retryable
        )
    return ConnectorError(ERROR_BLUESKY_UNREACHABLE, retryable=True)


def _call(action: Callable[[], T]) -> T:
    """Run one SDK call, turning its errors into safe ``ConnectorError``s."""
    try:
        return action()
    except AtProtocolError as exc:
        raise _convert(exc) from exc
    except Exception as exc:  # noqa: BLE001 - a parsing error's text may quote a session token
        raise ConnectorError(ERROR_BLUESKY_UNEXPECTED, retryable=True) from exc


def _utc(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _rkey(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


class BlueskyConnector:
    """One Bluesky account, signed in with its handle and an app password."""

    platform = "bluesky"
    max_characters = 300
    can_edit = False
    idempotency_window: dt.timedelta | None = None
    """None: the record key never expires, so a retry can always be reconciled."""

    def __init__(
        self,
        service_url: str,
        handle: str,
        app_password: str,
        *,
        session: str = "",
        on_session: Callable[[str], None] | None = None,
    ) -> None:
        """``session`` is a saved session (from ``on_session``), reused instead of signing in.

        Bluesky limits sign-ins (``createSession``: 30 in five minutes, 300 a day per account),
        so a connector built every few minutes to read mentions must not sign in each time.
        ``on_session`` is called with the new session text whenever it changes (sign-in or
        token refresh); store it encrypted, like the app password.
        """
        self.service_url = service_url.rstrip("/")
        self.handle = handle.lstrip("@")
        self._password = app_password
        self._saved_session = session
        self._on_session = on_session
        self._client: Client | None = None
        self._did = ""

    def __repr__(self) -> str:  # never the password
        return f"BlueskyConnector({self.service_url!r}, {self.handle!r})"

    def _resume(self, client: Client) -> bool:
        """Reuse the saved session if the PDS still accepts it (one cheap request)."""
        if not self._saved_session:
            return False
        try:
            client.login(session_string=self._saved_session, fetch_bsky_profile=False)
            client.com.atproto.server.get_session()
        except Exception:  # noqa: BLE001 - any failure: sign in with the app password instead
            return False
        return True

    def _api(self) -> Client:
        if self._client is None:
            client = Client(base_url=f"{self.service_url}/xrpc")
            if self._on_session is not None:
                save = self._on_session
                client.on_session_change(lambda event, _: save(client.export_session_string()))
            if not self._resume(client):
                _call(lambda: client.login(self.handle, self._password, fetch_bsky_profile=False))
            session: Any = client._session  # noqa: SLF001 - the SDK keeps the DID only here
            self._did = str(session.did) if session is not None else ""
            self.handle = str(session.handle) if session is not None else self.handle
            self._client = client
        return self._client

    def sign_in(self) -> str:
        """Check the app password; return the account's handle."""
        self._api()
        return self.handle

    def _post_url(self, uri: str) -> str:
        return f"https://bsky.app/profile/{self.handle}/post/{_rkey(uri)}"

    def publish(
        self, text: str, *, media: Sequence[MediaItem] = (), idempotency_key: str
    ) -> PublishedPost:
        if not is_idempotency_key(idempotency_key):
            raise ConnectorError(ERROR_BLUESKY_BAD_KEY, retryable=False)
        api = self._api()
        embed = None
        if media:
            images = []
            for data, alt in media:
                blob: Any = _call(functools.partial(api.upload_blob, data))
                images.append(models.AppBskyEmbedImages.Image(alt=alt or "", image=blob.blob))
            embed = models.AppBskyEmbedImages.Main(images=images)
        record = models.AppBskyFeedPost.Record(
            created_at=api.get_current_time_iso(),
            text=text,
            embed=embed,
            facets=detect_facets(text) or None,
            langs=["en"],
        )
        try:
            created: Any = api.app.bsky.feed.post.create(self._did, record, rkey=idempotency_key)
        except AtProtocolError as exc:
            # Refused or lost. If the key is taken, the first try got through after all: read
            # it back. (The reference PDS answers a duplicate key with HTTP 500, not a
            # conflict, so the error's type cannot tell us; the record can.)
            try:
                existing = self.find_published(idempotency_key)
            except ConnectorError:
                existing = None
            if existing is not None:
                return existing
            raise _convert(exc) from exc
        return PublishedPost(str(created.uri), self._post_url(str(created.uri)))

    def find_published(
        self, idempotency_key: str, *, text: str = "", since: dt.datetime | None = None
    ) -> PublishedPost | None:
        """The post under this record key (``text`` and ``since`` are not needed here)."""
        api = self._api()
        try:
            found: Any = api.app.bsky.feed.post.get(self._did, idempotency_key)
        except BadRequestError:
            return None  # RecordNotFound (HTTP 400 in the PDS)
        except AtProtocolError as exc:
            if isinstance(exc, RequestErrorBase) and _status(exc) == 404:
                return None
            raise _convert(exc) from exc
        return PublishedPost(str(found.uri), self._post_url(str(found.uri)))

    def delete(self, platform_id: str) -> None:
        api = self._api()
        _call(lambda: api.delete_post(platform_id))

    def edit(self, platform_id: str, text: str) -> PublishedPost:
        raise NotSupported(ERROR_NOT_SUPPORTED.format(platform="Bluesky", action="editing posts"))

    def fetch_mentions(self, cursor: str | None) -> tuple[list[Mention], str | None]:
        """Mentions and replies indexed after ``cursor`` (an ISO time; None = the latest page).

        Bluesky's own cursor pages backwards in time, so the cursor kept here is the newest
        ``indexedAt`` seen.
        """
        api = self._api()
        page: Any = _call(
            lambda: api.app.bsky.notification.list_notifications(params={"limit": 50})
        )
        items: list[Mention] = []
        newest = cursor
        for note in page.notifications:
            if note.reason not in ("mention", "reply"):
                continue
            if cursor is not None and note.indexed_at <= cursor:
                continue
            if newest is None or note.indexed_at > newest:
                newest = note.indexed_at
            record = note.record
            reply = getattr(record, "reply", None)
            author = note.author
            items.append(
                Mention(
                    platform_id=str(note.uri),
                    author_id=str(author.did),
                    author_handle=str(author.handle),
                    author_display_name=str(author.display_name or ""),
                    author_url=f"https://bsky.app/profile/{author.handle}",
                    text=str(getattr(record, "text", "") or ""),
                    url=f"https://bsky.app/profile/{author.handle}/post/{_rkey(str(note.uri))}",
                    created_at=_utc(getattr(record, "created_at", None) or note.indexed_at)
                    or dt.datetime.now(dt.UTC),
                    is_direct_message=False,
                    in_reply_to=str(reply.parent.uri) if reply is not None else None,
                )
            )
        items.sort(key=lambda m: (m.created_at, m.platform_id))
        return items, newest

    def _chat_query(self, chat: Client, nsid: str, params: Any) -> dict[str, Any]:
        """One chat service query, as plain JSON (read item by item, see ``fetch_direct_messages``)."""
        try:
            response = chat.invoke_query(nsid, params=params)
        except AtProtocolError as exc:
            if _is_scope_error(exc):
                raise DirectMessagesNotAllowed(ERROR_BLUESKY_NO_DM_ACCESS) from exc
            raise _convert(exc) from exc
        except Exception as exc:  # noqa: BLE001 - its text may quote a session token
            raise ConnectorError(ERROR_BLUESKY_UNEXPECTED, retryable=True) from exc
        if not isinstance(response.content, dict):
            raise ConnectorError(ERROR_BLUESKY_UNEXPECTED, retryable=True)
        return response.content

    def fetch_direct_messages(self, cursor: str | None) -> DirectMessagePage:
        """Chat messages other people sent after ``cursor`` (a chat log rev; None = from now).

        Why the chat log and not ``listConvos`` + ``getMessages``: the log is one ordered
        stream of events for the whole account with one cursor, so "everything after the
        last event stored" is a single string, which the caller saves only after storing the
        messages. A restart resumes from it: nothing is fetched twice (events at or before the
        cursor are dropped) or missed. Reading conversations instead would need a cursor per
        conversation and a walk over every conversation that changed. Without a cursor the
        log's current position is taken, as Bluesky's own app does, so the first poll starts
        from now rather than replaying the account's whole history.

        The page is read as JSON, item by item, not through the SDK's strict models: one
        malformed message would otherwise fail the whole page, again on every poll, and hold
        back every message after it. It becomes an ``ItemError`` and the cursor moves past it.
        """
        api = self._api()
        chat = api.with_bsky_chat_proxy()
        messages: list[Mention] = []
        errors: list[ItemError] = []
        members: dict[str, dict[str, Any]] = {}
        newest = cursor
        for _ in range(CHAT_LOG_PAGES):
            page = self._chat_query(
                chat, "chat.bsky.convo.getLog", models.ChatBskyConvoGetLog.Params(cursor=newest)
            )
            if newest is None:
                # First poll: start from the log's current position.
                position = page.get("cursor")
                newest = position if isinstance(position, str) and position else None
            advanced = False
            for event in page.get("logs") or []:
                rev = event.get("rev") if isinstance(event, dict) else None
                if not isinstance(rev, str) or (newest is not None and rev <= newest):
                    continue  # seen before (or not an event at all)
                newest, advanced = rev, True
                if event.get("$type") != _CREATE_MESSAGE:
                    continue  # reads, deletions, reactions, joins: nothing to triage
                message = event.get("message")
                if not isinstance(message, dict) or message.get("$type") != _MESSAGE_VIEW:
                    continue  # a deletedMessageView: already gone, no text to keep
                try:
                    found = self._direct_message(chat, event, message, members)
                except (KeyError, TypeError, ValueError, AttributeError):
                    errors.append(ItemError(message.get("id") or rev, ERROR_BLUESKY_BAD_MESSAGE))
                    continue
                if found is not None:
                    messages.append(found)
            if not advanced:
                break
        messages.sort(key=lambda m: (m.created_at, m.platform_id))
        return DirectMessagePage(messages, errors, newest)

    def _direct_message(
        self,
        chat: Client,
        event: dict[str, Any],
        message: dict[str, Any],
        members: dict[str, dict[str, Any]],
    ) -> Mention | None:
        """One ``messageView`` as a ``Mention``; None for the account's own messages."""
        sender = str(message["sender"]["did"])
        if sender == self._did:
            return None
        convo_id = str(event["convoId"])
        for profile in event.get("relatedProfiles") or []:
            members.setdefault(str(profile["did"]), profile)
        if sender not in members:
            # relatedProfiles was added to the log later and may be missing: ask for the
            # conversation's members instead (once per conversation).
            convo = self._chat_query(
                chat,
                "chat.bsky.convo.getConvo",
                models.ChatBskyConvoGetConvo.Params(convo_id=convo_id),
            )
            for profile in convo["convo"]["members"]:
                members.setdefault(str(profile["did"]), profile)
        profile = members.get(sender, {})
        handle = str(profile.get("handle") or sender)
        sent_at = _utc(str(message["sentAt"]))
        if sent_at is None:
            raise ValueError("no sentAt")
        return Mention(
            platform_id=str(message["id"]),
            author_id=sender,
            author_handle=handle,
            author_display_name=str(profile.get("displayName") or ""),
            author_url=f"https://bsky.app/profile/{handle}",
            text=str(message["text"]),
            # The conversation in Bluesky's web app (its route /messages/:conversation); it
            # opens for whoever is signed in as the office's account. There is no public URL.
            url=f"https://bsky.app/messages/{convo_id}",
            created_at=sent_at,
            is_direct_message=True,
            in_reply_to=None,
            conversation_id=convo_id,
        )

    def fetch_profile(self, handle: str) -> Profile:
        api = self._api()
        found: Any = _call(lambda: api.get_profile(handle.lstrip("@")))
        return Profile(
            handle=str(found.handle),
            platform_id=str(found.did),
            display_name=str(found.display_name or ""),
            bio=str(found.description or ""),
            avatar_url=str(found.avatar or ""),
            created_at=_utc(found.created_at),
            url=f"https://bsky.app/profile/{found.handle}",
        )

    def block(self, account: Account) -> None:
        api = self._api()
        record = models.AppBskyGraphBlock.Record(
            subject=account.platform_id, created_at=api.get_current_time_iso()
        )
        _call(lambda: api.app.bsky.graph.block.create(self._did, record))

    def mute(self, account: Account) -> None:
        api = self._api()
        _call(lambda: api.mute(account.platform_id))

    def report(self, account: Account, post_ids: Sequence[str], comment: str) -> None:
        """Report the account to Bluesky's moderators; the posts are named in the reason."""
        api = self._api()
        reason = comment
        posts = [i for i in post_ids if i.startswith("at://")]
        # Chat messages have no at:// address; Bluesky's moderators find them by id.
        messages = [i for i in post_ids if not i.startswith("at://")]
        if posts:
            reason += "\n\nPosts: " + " ".join(posts)
        if messages:
            reason += "\n\nDirect messages (chat message ids): " + " ".join(messages)
        data = models.ComAtprotoModerationCreateReport.Data(
            reason_type="com.atproto.moderation.defs#reasonOther",
            reason=reason[:2000],
            subject=models.ComAtprotoAdminDefs.RepoRef(did=account.platform_id),
        )
        _call(lambda: api.com.atproto.moderation.create_report(data))
