"""Poll one connected source and ingest what is new. The cursor moves only after the messages
it covers are stored, so a crash in between re-fetches (and ingestion skips duplicates)."""

from __future__ import annotations

import base64
import email.utils
import hashlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from civicshield.core.batch import ItemError
from civicshield.core.imports import IncomingMessage
from civicshield.web.inbox import services
from civicshield.web.inbox.models import Source

if TYPE_CHECKING:
    from civicshield.connectors.publishing import Mention

logger = logging.getLogger(__name__)

ERROR_UNSUPPORTED = "This kind of source is not polled."
CHAT_CURSOR = "chat_cursor"
"""Key of ``Source.cursor`` for where the Bluesky chat log was read up to."""
ERROR_DIRECT_MESSAGES = (
    "Mentions and replies were read, but direct messages were not this time: {error}"
)
ERROR_ACCOUNT_GONE = (
    "The connected account was disconnected: connect it again to read its mentions."
)


def _imap_items(source: Source) -> tuple[list[IncomingMessage], dict[str, Any]]:
    from civicshield.connectors.base import MailboxSettings
    from civicshield.connectors.imap import ImapCursor, ImapMailbox

    conf = source.settings
    settings = MailboxSettings(
        host=conf["host"],
        port=int(conf.get("port", 993)),
        username=conf.get("username", ""),
        password=source.secret,
        use_ssl=bool(conf.get("use_ssl", True)),
        starttls=bool(conf.get("starttls", False)),
        folder=conf.get("folder", "INBOX"),
    )
    cursor = None
    if source.cursor:
        cursor = ImapCursor(int(source.cursor["uidvalidity"]), int(source.cursor["last_uid"]))
    with ImapMailbox(settings) as mailbox:
        fetched, new_cursor = mailbox.fetch_for_ingest(cursor, limit=500)
    items = []
    for message in fetched:
        name, address = email.utils.parseaddr(message.sender)
        digest = hashlib.sha256(message.raw).hexdigest()
        items.append(
            IncomingMessage(
                platform="email",
                platform_id=message.message_id or f"sha256:{digest}",
                author_handle=(address or message.sender or "unknown sender").lower(),
                author_name=name,
                text=(f"{message.subject}\n\n{message.text}" if message.subject else message.text)
                or "(empty email)",
                posted_at=message.date,
                is_direct=True,
                raw={
                    "uid": message.uid,
                    "subject": message.subject,
                    "sha256": digest,
                    "parse_error": message.error or "",
                    # The email byte for byte, so "record as evidence" keeps the original.
                    "rfc822_b64": base64.b64encode(message.raw).decode("ascii"),
                },
            )
        )
    return items, {"uidvalidity": new_cursor.uidvalidity, "last_uid": new_cursor.last_uid}


def _incoming(platform: str, mention: Mention) -> IncomingMessage:
    raw: dict[str, Any] = {"author_id": mention.author_id, "in_reply_to": mention.in_reply_to or ""}
    if mention.conversation_id:
        raw["conversation_id"] = mention.conversation_id
    return IncomingMessage(
        platform=platform,
        platform_id=mention.platform_id,
        author_handle=mention.author_handle,
        author_name=mention.author_display_name,
        text=mention.text or "(no text)",
        url=mention.url,
        posted_at=mention.created_at,
        is_direct=mention.is_direct_message,
        in_reply_to=mention.in_reply_to or "",
        author_profile={"display_name": mention.author_display_name, "url": mention.author_url},
        raw=raw,
    )


def _platform_items(
    source: Source,
) -> tuple[list[IncomingMessage | ItemError], dict[str, str | None], str]:
    """Mentions, replies and direct messages of a connected Mastodon or Bluesky account.

    Returns the items, the new cursors and a problem to show on the source ("" if none).
    Direct messages that come from a separate service (Bluesky chat) have their own cursor and
    may fail on their own: mentions are still stored, the direct-message cursor stays where it
    was (so nothing is missed), and the reason is shown instead of "Working".
    """
    from civicshield.connectors.publishing import (
        ConnectorError,
        DirectMessageReader,
        DirectMessagesNotAllowed,
    )
    from civicshield.web.publishing.platforms import connector_for

    if source.account is None or not source.account.is_active:
        raise ValueError(ERROR_ACCOUNT_GONE)
    connector = connector_for(source.account)
    mentions, cursor = connector.fetch_mentions(source.cursor.get("cursor"))
    items: list[IncomingMessage | ItemError] = [_incoming(source.kind, m) for m in mentions]
    cursors: dict[str, str | None] = {"cursor": cursor}
    problem = ""
    if isinstance(connector, DirectMessageReader):
        chat_cursor = source.cursor.get(CHAT_CURSOR)
        try:
            page = connector.fetch_direct_messages(chat_cursor)
        except DirectMessagesNotAllowed as exc:
            problem = str(exc)
        except ConnectorError as exc:
            problem = ERROR_DIRECT_MESSAGES.format(error=exc)
        else:
            items.extend(_incoming(source.kind, m) for m in page.messages)
            items.extend(page.errors)
            chat_cursor = page.cursor
            for error in page.errors:
                logger.warning(
                    "Source %s: message %s skipped: %s", source.pk, error.id, error.error
                )
        cursors[CHAT_CURSOR] = chat_cursor
    return items, cursors, problem


def source_poll(source: Source) -> services.IngestReport:
    """Fetch new messages from ``source``, ingest them, then advance its cursor."""
    problem = ""
    try:
        cursor: dict[str, Any]
        items: Sequence[IncomingMessage | ItemError]
        if source.kind == Source.Kind.IMAP:
            items, cursor = _imap_items(source)
        elif source.kind in (Source.Kind.MASTODON, Source.Kind.BLUESKY):
            items, cursor, problem = _platform_items(source)
        else:
            raise ValueError(ERROR_UNSUPPORTED)
    except Exception as exc:
        Source.objects.filter(pk=source.pk).update(
            last_error=f"{type(exc).__name__}: {exc}"[:1000], last_polled=timezone.now()
        )
        raise
    report = services.messages_ingest(office=source.office, items=items, source=source)
    Source.objects.filter(pk=source.pk).update(
        cursor=cursor, last_polled=timezone.now(), last_error=problem
    )
    return report
