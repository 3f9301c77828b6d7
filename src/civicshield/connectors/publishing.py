"""The interface every social platform connector offers: publishing, and reading for the inbox.

The Django apps only ever talk to a ``PlatformConnector``; no app imports a platform SDK.
Connectors are plain objects built from an account's stored credentials (decrypted by the
caller) and raise ``ConnectorError`` with a plain-words message that never contains a token.

Idempotency: ``publish`` takes an ``idempotency_key`` made by ``new_idempotency_key()`` and
written to the database before the call. Asking again with the same key must not make a
second post: Mastodon honours the ``Idempotency-Key`` header itself; Bluesky uses the key as
the post's record key, so a repeat is refused by the server and found with ``find_published``.

Errors are ``civicshield.connectors.base.ConnectorError`` (re-exported here), whose text is
safe to show and never contains a token; ``retryable`` says whether trying later may work.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from civicshield.connectors.base import ConnectorError
from civicshield.core.batch import ItemError

__all__ = [
    "ERROR_NOT_SUPPORTED",
    "Account",
    "ConnectorError",
    "DirectMessagePage",
    "DirectMessageReader",
    "DirectMessagesNotAllowed",
    "MediaItem",
    "Mention",
    "NotSupported",
    "PlatformConnector",
    "Profile",
    "PublishedPost",
    "is_idempotency_key",
    "new_idempotency_key",
]

ERROR_NOT_SUPPORTED = "{platform} does not allow {action} through its API."

MediaItem = tuple[bytes, str]
"""One image to attach: its bytes (metadata already stripped) and its alt text."""


class NotSupported(ConnectorError):
    """The platform's API has no way to do this (editing a Bluesky post, for example)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


class DirectMessagesNotAllowed(ConnectorError):
    """The stored credentials may read mentions but not direct messages; the text says how to fix it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


@dataclass(frozen=True, slots=True)
class PublishedPost:
    """A post that exists on the platform."""

    platform_id: str
    """The platform's id for it (Mastodon status id; Bluesky ``at://`` URI)."""
    url: str
    """Where people can see it in a browser."""


@dataclass(frozen=True, slots=True)
class Account:
    """Someone on the platform, as given to ``block``, ``mute`` and ``report``."""

    platform_id: str
    """The platform's id (Mastodon account id; Bluesky DID)."""
    handle: str = ""
    """Their handle, for messages (``@name@instance``, ``name.bsky.social``)."""


@dataclass(frozen=True, slots=True)
class Mention:
    """One post or direct message that mentions or replies to the connected account."""

    platform_id: str
    """The platform's id for the post (Mastodon status id; Bluesky ``at://`` URI)."""
    author_id: str
    """The author's platform id (Mastodon account id; Bluesky DID)."""
    author_handle: str
    """The author's handle, as people see it."""
    author_display_name: str
    """The author's chosen display name (may imitate someone else's)."""
    author_url: str
    """The author's profile page."""
    text: str
    """The post's text, as plain text (HTML removed)."""
    url: str
    """Where the post can be seen in a browser."""
    created_at: dt.datetime
    """When it was posted (time-zone aware, UTC)."""
    is_direct_message: bool
    """Whether only the account (and the author) can see it."""
    in_reply_to: str | None
    """The platform id of the post it answers, if any."""
    conversation_id: str = ""
    """For a direct message on a platform with conversations (Bluesky chat): the conversation."""


@dataclass(frozen=True, slots=True)
class Profile:
    """Someone's public profile."""

    handle: str
    """Their handle."""
    platform_id: str
    """The platform's id for them."""
    display_name: str
    """Their chosen display name."""
    bio: str
    """Their profile text, as plain text."""
    avatar_url: str
    """Their picture, or empty."""
    created_at: dt.datetime | None
    """When the account was made, where the platform says (new accounts are a warning sign)."""
    url: str
    """Their profile page."""


@runtime_checkable
class PlatformConnector(Protocol):
    """What a social platform connector does. Each method may raise ``ConnectorError``."""

    platform: str
    """Machine name: ``mastodon`` or ``bluesky``."""
    max_characters: int
    """How long a post may be on this platform."""
    can_edit: bool
    """Whether ``edit`` works on this platform."""

    def publish(
        self, text: str, *, media: Sequence[MediaItem] = (), idempotency_key: str
    ) -> PublishedPost:
        """Post ``text`` with ``media``; the same key twice makes one post, not two."""
        ...

    def find_published(
        self, idempotency_key: str, *, text: str = "", since: dt.datetime | None = None
    ) -> PublishedPost | None:
        """The post made earlier with this key, if the platform can tell (for reconciling).

        ``text`` and ``since`` (when the first try started) let a platform without a lookup by
        key search the account's recent posts instead.
        """
        ...

    def delete(self, platform_id: str) -> None:
        """Delete one of the account's own posts. Deleting one already gone is not an error."""
        ...

    def edit(self, platform_id: str, text: str) -> PublishedPost:
        """Change a published post's text; ``NotSupported`` where the platform cannot."""
        ...

    def fetch_mentions(self, cursor: str | None) -> tuple[list[Mention], str | None]:
        """Mentions, replies and direct messages newer than ``cursor`` (None = recent ones).

        Returns the items (oldest first) and the cursor to pass next time.
        """
        ...

    def fetch_profile(self, handle: str) -> Profile:
        """Someone's public profile, by handle or platform id."""
        ...

    def block(self, account: Account) -> None:
        """Block someone from the connected account."""
        ...

    def mute(self, account: Account) -> None:
        """Mute someone: their posts stop showing, they are not told."""
        ...

    def report(self, account: Account, post_ids: Sequence[str], comment: str) -> None:
        """Report someone (and some of their posts) to the platform's moderators."""
        ...


@dataclass(frozen=True, slots=True)
class DirectMessagePage:
    """What ``fetch_direct_messages`` found since the cursor."""

    messages: list[Mention]
    """Messages other people sent to the account, oldest first."""
    errors: list[ItemError]
    """Messages that could not be read (skipped, so the rest still arrive)."""
    cursor: str | None
    """Pass this next time; everything up to it has been seen."""


@runtime_checkable
class DirectMessageReader(Protocol):
    """A connector whose direct messages come from a separate service (Bluesky chat).

    Kept apart from ``fetch_mentions`` because it has its own cursor and fails on its own: an
    app password may be allowed to read mentions but not direct messages.
    """

    def fetch_direct_messages(self, cursor: str | None) -> DirectMessagePage:
        """Direct messages from other people after ``cursor`` (None = start from now)."""
        ...


_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def new_idempotency_key() -> str:
    """A fresh key: a Bluesky record key (TID) that also serves as Mastodon's Idempotency-Key.

    A TID is 13 characters: 53 bits of microseconds since 1970 then 10 random bits, in a
    sortable base-32 alphabet (atproto "Record Key" spec). Using one as the key lets the
    Bluesky connector create the post under that exact record key, so a retry collides with
    the first attempt instead of making a second post.
    """
    micros = time.time_ns() // 1000
    value = (micros << 10) | secrets.randbelow(1024)
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def is_idempotency_key(value: str) -> bool:
    """Whether ``value`` has the form ``new_idempotency_key`` makes."""
    return (
        len(value) == 13
        and all(c in _TID_ALPHABET for c in value)
        and value[0] in "234567abcdefghij"
    )
