"""Mastodon, through Mastodon.py: publishing, reading mentions, and the moderation actions.

Tokens are passed in by the caller and never appear in an error message: every Mastodon.py
error is turned into a ``ConnectorError`` whose text is built here from the status code.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import html.parser
import mimetypes
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from civicshield.connectors.publishing import (
    Account,
    ConnectorError,
    MediaItem,
    Mention,
    Profile,
    PublishedPost,
)

__all__ = [
    "ERROR_MASTODON_REFUSED",
    "ERROR_MASTODON_SIGNED_OUT",
    "ERROR_MASTODON_UNEXPECTED",
    "ERROR_MASTODON_UNREACHABLE",
    "SCOPES",
    "MastodonConnector",
    "authorize_url",
    "exchange_code",
    "register_app",
]

SCOPES = ["read", "write", "follow"]
TIMEOUT = 30.0
ERROR_MASTODON_UNREACHABLE = "The Mastodon server could not be reached; it will be tried again."
ERROR_MASTODON_SIGNED_OUT = (
    "Mastodon no longer accepts CivicShield's sign-in for this account: reconnect it."
)
ERROR_MASTODON_REFUSED = "Mastodon refused the request (HTTP {status})."
ERROR_MASTODON_UNEXPECTED = "Mastodon answered something CivicShield could not read."
ERROR_MASTODON_BUSY = "Mastodon asked CivicShield to slow down; it will be tried again."

T = TypeVar("T")

# Mastodon stores an Idempotency-Key "for up to 1 hour" (docs.joinmastodon.org, POST
# /api/v1/statuses). After that a retry could post twice, so when ``find_published`` finds
# nothing either, the app gives up with a warning instead of posting again.
IDEMPOTENCY_WINDOW = dt.timedelta(minutes=50)


def _allow_http(url: str) -> bool:
    # Plain http only for a server on this machine (the recorded-response test server).
    return url.startswith(("http://127.0.0.1", "http://localhost"))


def _call(action: Callable[[], T]) -> T:
    """Run one Mastodon.py call, turning its errors into safe ``ConnectorError``s."""
    try:
        return action()
    except MastodonUnauthorizedError as exc:
        raise ConnectorError(ERROR_MASTODON_SIGNED_OUT, retryable=False) from exc
    except MastodonRatelimitError as exc:
        raise ConnectorError(ERROR_MASTODON_BUSY, retryable=True) from exc
    except (MastodonNetworkError, MastodonServerError) as exc:
        raise ConnectorError(ERROR_MASTODON_UNREACHABLE, retryable=True) from exc
    except MastodonAPIError as exc:
        status = exc.args[1] if len(exc.args) > 1 else "?"
        raise ConnectorError(ERROR_MASTODON_REFUSED.format(status=status), retryable=False) from exc
    except MastodonError as exc:
        raise ConnectorError(ERROR_MASTODON_UNREACHABLE, retryable=True) from exc
    except Exception as exc:  # noqa: BLE001 - an SDK bug's text may quote a response (tokens)
        raise ConnectorError(ERROR_MASTODON_UNEXPECTED, retryable=True) from exc


class _TextOnly(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "p") and self.parts:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(content: str) -> str:
    """Mastodon sends post and bio text as HTML; people read it as text."""
    parser = _TextOnly()
    parser.feed(content or "")
    parser.close()
    return html.unescape("".join(parser.parts)).strip()


def _utc(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def register_app(api_base_url: str, *, redirect_uri: str, app_name: str) -> tuple[str, str]:
    """Register CivicShield with a Mastodon server: ``(client_id, client_secret)``."""
    return _call(
        lambda: Mastodon.create_app(
            app_name,
            scopes=SCOPES,
            redirect_uris=redirect_uri,
            api_base_url=api_base_url,
            request_timeout=TIMEOUT,
        )
    )


def authorize_url(
    api_base_url: str, *, client_id: str, client_secret: str, redirect_uri: str, state: str
) -> str:
    """Where the office manager signs in to Mastodon and allows CivicShield to post."""
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=api_base_url)
    return _call(
        lambda: api.auth_request_url(
            redirect_uris=redirect_uri,
            scopes=SCOPES,
            state=state,
            skip_server_info=True,
            allow_http=_allow_http(api_base_url),
        )
    )


def exchange_code(
    api_base_url: str, *, client_id: str, client_secret: str, redirect_uri: str, code: str
) -> str:
    """Swap the code Mastodon gave back for an access token."""
    api = Mastodon(
        client_id=client_id,
        client_secret=client_secret,
        api_base_url=api_base_url,
        request_timeout=TIMEOUT,
    )
    return _call(
        lambda: api.log_in(
            code=code,
            redirect_uri=redirect_uri,
            scopes=SCOPES,
            allow_http=_allow_http(api_base_url),
        )
    )


class MastodonConnector:
    """One Mastodon account, signed in with its access token."""

    platform = "mastodon"
    max_characters = 500
    can_edit = True
    idempotency_window: dt.timedelta | None = IDEMPOTENCY_WINDOW

    def __init__(self, api_base_url: str, access_token: str) -> None:
        self.api_base_url = api_base_url.rstrip("/")
        self._api = Mastodon(
            access_token=access_token,
            api_base_url=self.api_base_url,
            request_timeout=TIMEOUT,
            ratelimit_method="throw",
            version_check_mode="none",
        )

    def __repr__(self) -> str:  # never the token
        return f"MastodonConnector({self.api_base_url!r})"

    def whoami(self) -> str:
        """The account's full handle, ``@name@server``."""
        me: Any = _call(self._api.account_verify_credentials)
        acct = str(me["acct"])
        if "@" not in acct:
            host = self.api_base_url.split("://", 1)[-1].split("/", 1)[0]
            acct = f"{acct}@{host}"
        return "@" + acct

    def publish(
        self, text: str, *, media: Sequence[MediaItem] = (), idempotency_key: str
    ) -> PublishedPost:
        media_ids = []
        for data, alt in media:
            mime = _sniff_mime(data)
            extension = mimetypes.guess_extension(mime) or ".bin"
            attachment: Any = _call(
                functools.partial(
                    self._api.media_post,
                    data,
                    mime_type=mime,
                    description=alt or None,
                    file_name=f"image{extension}",
                )
            )
            media_ids.append(attachment["id"])
        status: Any = _call(
            lambda: self._api.status_post(
                text, media_ids=media_ids or None, idempotency_key=idempotency_key
            )
        )
        return PublishedPost(str(status["id"]), str(status["url"] or status["uri"]))

    def find_published(
        self, idempotency_key: str, *, text: str = "", since: dt.datetime | None = None
    ) -> PublishedPost | None:
        """The account's own recent post with this text, made since the first try began.

        Mastodon has no lookup by key. Posting again with the same key returns the first post,
        but only while the server remembers the key (an hour), and a slow server can make the
        post before it stores the key (mastodon/mastodon#21840). So the account's latest posts
        are searched first, and the caller re-posts only when this finds nothing.
        """
        if not text or since is None:
            return None
        me: Any = _call(self._api.account_verify_credentials)
        statuses: Any = _call(
            lambda: self._api.account_statuses(
                me["id"], limit=40, exclude_replies=True, exclude_reblogs=True
            )
        )
        wanted = " ".join(text.split())
        # A few minutes' grace: the server's clock and ours need not agree.
        earliest = since - dt.timedelta(minutes=5)
        for status in statuses:
            if _utc(status["created_at"]) < earliest:
                continue
            if " ".join(plain_text(str(status.get("content") or "")).split()) == wanted:
                return PublishedPost(str(status["id"]), str(status["url"] or status["uri"]))
        return None

    def delete(self, platform_id: str) -> None:
        try:
            self._api.status_delete(platform_id)
        except MastodonNotFoundError:
            return
        except MastodonError:
            _call(lambda: self._api.status_delete(platform_id))

    def edit(self, platform_id: str, text: str) -> PublishedPost:
        status: Any = _call(lambda: self._api.status_update(platform_id, text))
        return PublishedPost(str(status["id"]), str(status["url"] or status["uri"]))

    def fetch_mentions(self, cursor: str | None) -> tuple[list[Mention], str | None]:
        notes: Any = _call(
            lambda: self._api.notifications(types=["mention"], since_id=cursor, limit=40)
        )
        items = []
        newest = cursor
        for note in notes:
            newest = str(note["id"]) if newest is None or int(note["id"]) > int(newest) else newest
            status = note.get("status")
            if not status:
                continue
            author = status["account"]
            items.append(
                Mention(
                    platform_id=str(status["id"]),
                    author_id=str(author["id"]),
                    author_handle="@" + str(author["acct"]),
                    author_display_name=str(author.get("display_name") or ""),
                    author_url=str(author.get("url") or ""),
                    text=plain_text(str(status.get("content") or "")),
                    url=str(status.get("url") or status.get("uri") or ""),
                    created_at=_utc(status["created_at"]),
                    is_direct_message=status.get("visibility") == "direct",
                    in_reply_to=(
                        str(status["in_reply_to_id"]) if status.get("in_reply_to_id") else None
                    ),
                )
            )
        items.sort(key=lambda m: (m.created_at, m.platform_id))
        return items, newest

    def fetch_profile(self, handle: str) -> Profile:
        account: Any = _call(lambda: self._api.account_lookup(handle.lstrip("@")))
        return Profile(
            handle="@" + str(account["acct"]),
            platform_id=str(account["id"]),
            display_name=str(account.get("display_name") or ""),
            bio=plain_text(str(account.get("note") or "")),
            avatar_url=str(account.get("avatar") or ""),
            created_at=_utc(account["created_at"]) if account.get("created_at") else None,
            url=str(account.get("url") or ""),
        )

    def block(self, account: Account) -> None:
        _call(lambda: self._api.account_block(account.platform_id))

    def mute(self, account: Account) -> None:
        _call(lambda: self._api.account_mute(account.platform_id))

    def report(self, account: Account, post_ids: Sequence[str], comment: str) -> None:
        _call(
            lambda: self._api.report(
                account.platform_id, status_ids=list(post_ids) or None, comment=comment
            )
        )


def _sniff_mime(data: bytes) -> str:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"
