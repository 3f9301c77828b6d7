"""Read messages from files people export: our CSV/JSONL format, X (Twitter) archive direct
messages, and Facebook/Instagram export messages and comments.

Every reader yields ``IncomingMessage`` or ``ItemError`` (one bad row never stops an import)
and never needs Django, so the same parsers serve the web upload, the API and tests.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from civicshield.core.batch import MAX_TEXT_CHARS, ItemError

ERROR_NO_TEXT = "no message text"
ERROR_TOO_LONG = f"the message is longer than {MAX_TEXT_CHARS:,} characters"
ERROR_BAD_DATE = "the date could not be read (use ISO 8601, e.g. 2026-11-27T09:30:00Z)"
ERROR_NOT_JSON = "this line is not valid JSON"
ERROR_NOT_UTF8 = "the file is not UTF-8 text"
ERROR_NO_AUTHOR = "no author (handle) given"
ERROR_X_ARCHIVE = "this is not an X (Twitter) archive direct-messages file (direct-messages.js)"
ERROR_FACEBOOK = "this is not a Facebook/Instagram export messages or comments file"
ERROR_UNKNOWN_KIND = "unknown import kind"

IMPORT_KINDS = {
    "table": "CSV or JSONL (columns: text, author, platform, id, url, posted_at, display_name)",
    "x_archive": "X (Twitter) archive: direct-messages.js",
    "facebook": "Facebook or Instagram export: message_1.json or comments JSON",
}


@dataclass(frozen=True)
class IncomingMessage:
    """One message to ingest, in the shape every connector and import produces."""

    platform: str
    """mastodon, bluesky, email, x, facebook, instagram or other."""
    platform_id: str
    """The platform's id; the same id twice is the same message (imports are idempotent)."""
    author_handle: str
    text: str
    author_name: str = ""
    url: str = ""
    posted_at: dt.datetime | None = None
    is_direct: bool = False
    in_reply_to: str = ""
    author_profile: dict[str, Any] = field(default_factory=dict)
    """What the platform says about the author: display_name, bio, avatar_url, created_at, url."""
    raw: dict[str, Any] = field(default_factory=dict)


def parse_datetime(value: Any) -> dt.datetime | None:
    """ISO 8601 text or Unix seconds/milliseconds → aware UTC datetime; ``ValueError`` if unreadable."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        number = float(value)
        if number > 1e11:  # milliseconds
            number /= 1000
        return dt.datetime.fromtimestamp(number, tz=dt.UTC)
    text = str(value).strip().replace("Z", "+00:00")
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _stable_id(*parts: str) -> str:
    # For rows without an id: the same row imported twice gets the same id.
    return "h:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _message_from_row(
    row: dict[str, Any], number: int, default_platform: str
) -> IncomingMessage | ItemError:
    text = row.get("text") or row.get("message") or row.get("content")
    row_id = str(row.get("id") or number)
    if not isinstance(text, str) or not text.strip():
        return ItemError(row_id, ERROR_NO_TEXT)
    if len(text) > MAX_TEXT_CHARS:
        return ItemError(row_id, ERROR_TOO_LONG)
    author = str(row.get("author") or row.get("handle") or row.get("from") or "").strip()
    if not author:
        return ItemError(row_id, ERROR_NO_AUTHOR)
    try:
        posted = parse_datetime(row.get("posted_at") or row.get("date") or row.get("created_at"))
    except (ValueError, OverflowError, OSError):
        return ItemError(row_id, ERROR_BAD_DATE)
    platform = str(row.get("platform") or default_platform).strip().lower() or default_platform
    platform_id = str(row.get("id") or "").strip() or _stable_id(
        platform, author, text, str(posted)
    )
    return IncomingMessage(
        platform=platform,
        platform_id=platform_id,
        author_handle=author,
        author_name=str(row.get("display_name") or row.get("author_name") or ""),
        text=text,
        url=str(row.get("url") or ""),
        posted_at=posted,
        is_direct=str(row.get("is_direct") or "").lower() in ("1", "true", "yes"),
        raw={k: v for k, v in row.items() if isinstance(v, str | int | float | bool) or v is None},
    )


ERROR_BAD_CSV = "the file stops being readable CSV here ({reason}); the rows before it were read"


def read_table(
    data: bytes, *, default_platform: str = "other"
) -> Iterator[IncomingMessage | ItemError]:
    """Our own CSV (with a header row) or JSONL format."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        yield ItemError(0, ERROR_NOT_UTF8)
        return
    if text.lstrip().startswith("{"):
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                yield ItemError(number, ERROR_NOT_JSON)
                continue
            if not isinstance(row, dict):
                yield ItemError(number, ERROR_NOT_JSON)
                continue
            yield _message_from_row(row, number, default_platform)
        return
    # newline="": the csv module reads line endings itself (a bare "\r" ends a row, as Excel
    # on old Macs writes them), instead of meeting them inside a field.
    reader = csv.DictReader(io.StringIO(text, newline=""))
    number = 0
    try:
        if reader.fieldnames:
            reader.fieldnames = [name.strip().lower() for name in reader.fieldnames]
        for number, row in enumerate(reader, start=1):
            yield _message_from_row({k: v for k, v in row.items() if k}, number, default_platform)
    except csv.Error as exc:
        # The rows before it have landed; what follows cannot be told apart reliably.
        yield ItemError(number + 1, ERROR_BAD_CSV.format(reason=exc))


def _json_after_assignment(text: str) -> Any:
    # X archives are JavaScript: "window.YTD.direct_messages.part0 = [ ... ]".
    prefix, equals, rest = text.partition("=")
    if not equals or "YTD" not in prefix:
        raise ValueError(ERROR_X_ARCHIVE)
    return json.loads(rest.strip().rstrip(";"))


def read_x_archive(
    data: bytes, *, own_account_id: str = ""
) -> Iterator[IncomingMessage | ItemError]:
    """Direct messages from an X archive's ``direct-messages.js``.

    Messages sent by the office's own account are skipped. X archives name senders only by
    numeric id, so that id becomes the handle (``x:1234``).
    """
    try:
        conversations = _json_after_assignment(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        yield ItemError(0, ERROR_X_ARCHIVE)
        return
    if not isinstance(conversations, list):
        yield ItemError(0, ERROR_X_ARCHIVE)
        return
    if not own_account_id:
        # The office's own id is the one taking part in every conversation ("a-b" ids).
        participant_sets = [
            set(str(c.get("dmConversation", {}).get("conversationId", "")).split("-"))
            for c in conversations
            if isinstance(c, dict)
        ]
        common = set.intersection(*participant_sets) if len(participant_sets) > 1 else set()
        own_account_id = next(iter(common)) if len(common) == 1 else ""
    for conv in conversations:
        dm = conv.get("dmConversation", {}) if isinstance(conv, dict) else {}
        for number, item in enumerate(dm.get("messages", []) or [], start=1):
            create = item.get("messageCreate") if isinstance(item, dict) else None
            if not isinstance(create, dict):
                continue
            sender = str(create.get("senderId", ""))
            if own_account_id and sender == own_account_id:
                continue
            row_id = str(create.get("id") or f"{dm.get('conversationId')}:{number}")
            text = create.get("text")
            if not isinstance(text, str) or not text.strip():
                yield ItemError(row_id, ERROR_NO_TEXT)
                continue
            try:
                posted = parse_datetime(create.get("createdAt"))
            except (ValueError, OverflowError, OSError):
                yield ItemError(row_id, ERROR_BAD_DATE)
                continue
            yield IncomingMessage(
                platform="x",
                platform_id=f"dm:{row_id}",
                author_handle=f"x:{sender}",
                text=text[:MAX_TEXT_CHARS],
                posted_at=posted,
                is_direct=True,
                raw={"conversationId": dm.get("conversationId"), "senderId": sender},
            )


def _fix_facebook_text(value: str) -> str:
    # Facebook exports write UTF-8 bytes as if they were Latin-1 characters ("Ã©" for "é").
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def read_facebook(
    data: bytes, *, own_name: str = "", platform: str = "facebook"
) -> Iterator[IncomingMessage | ItemError]:
    """Messages (``message_1.json``) or comments (``comments_v2``) from a Facebook/Instagram export."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        yield ItemError(0, ERROR_FACEBOOK)
        return
    if isinstance(doc, dict) and isinstance(doc.get("messages"), list):
        thread = str(doc.get("thread_path") or doc.get("title") or "thread")
        for number, item in enumerate(doc["messages"], start=1):
            if not isinstance(item, dict):
                yield ItemError(number, ERROR_FACEBOOK)
                continue
            sender = _fix_facebook_text(str(item.get("sender_name", "")))
            if own_name and sender == own_name:
                continue
            content = item.get("content")
            row_id = f"{thread}:{item.get('timestamp_ms', number)}"
            if not isinstance(content, str) or not content.strip():
                yield ItemError(row_id, ERROR_NO_TEXT)
                continue
            try:
                posted = parse_datetime(item.get("timestamp_ms"))
            except (ValueError, OverflowError, OSError):
                yield ItemError(row_id, ERROR_BAD_DATE)
                continue
            yield IncomingMessage(
                platform=platform,
                platform_id=f"msg:{row_id}",
                author_handle=sender or "unknown",
                author_name=sender,
                text=_fix_facebook_text(content)[:MAX_TEXT_CHARS],
                posted_at=posted,
                is_direct=True,
                raw={"thread": thread},
            )
        return
    comments = doc.get("comments_v2") if isinstance(doc, dict) else doc
    if not isinstance(comments, list):
        yield ItemError(0, ERROR_FACEBOOK)
        return
    for number, entry in enumerate(comments, start=1):
        for data_item in (entry.get("data") or []) if isinstance(entry, dict) else []:
            comment = data_item.get("comment") if isinstance(data_item, dict) else None
            if not isinstance(comment, dict):
                continue
            author = _fix_facebook_text(str(comment.get("author", "")))
            text = comment.get("comment")
            row_id = f"comment:{comment.get('timestamp', number)}:{number}"
            if not isinstance(text, str) or not text.strip():
                yield ItemError(row_id, ERROR_NO_TEXT)
                continue
            if own_name and author == own_name:
                continue
            try:
                posted = parse_datetime(comment.get("timestamp"))
            except (ValueError, OverflowError, OSError):
                yield ItemError(row_id, ERROR_BAD_DATE)
                continue
            yield IncomingMessage(
                platform=platform,
                platform_id=row_id,
                author_handle=author or "unknown",
                author_name=author,
                text=_fix_facebook_text(text)[:MAX_TEXT_CHARS],
                posted_at=posted,
                raw={"title": _fix_facebook_text(str(entry.get("title", "")))},
            )


def read_import(kind: str, data: bytes, **options: str) -> Iterator[IncomingMessage | ItemError]:
    """Dispatch on the import kind chosen by the person uploading."""
    if kind == "table":
        return read_table(data, default_platform=options.get("platform", "other") or "other")
    if kind == "x_archive":
        return read_x_archive(data, own_account_id=options.get("own_account_id", ""))
    if kind == "facebook":
        return read_facebook(
            data,
            own_name=options.get("own_name", ""),
            platform=options.get("platform", "facebook") or "facebook",
        )
    raise ValueError(ERROR_UNKNOWN_KIND)
