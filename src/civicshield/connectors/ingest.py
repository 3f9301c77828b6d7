"""Parse an email from the abuse inbox into what the triage queue shows; never raises."""

from __future__ import annotations

import email
import email.policy
import email.utils
import html
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage


@dataclass(frozen=True, slots=True)
class IngestMessage:
    """One message from the abuse inbox, parsed into what the triage queue shows."""

    uid: int
    """The message's UID in the folder."""
    message_id: str
    """The Message-ID header (empty if missing); use it to avoid importing the same email twice."""
    sender: str
    """The From header as written, e.g. ``"Jo Bloggs" <jo@example.com>``."""
    subject: str
    """The Subject header, decoded."""
    date: datetime | None
    """The Date header as a timezone-aware time, or None if missing or unreadable."""
    text: str
    """The readable body text (plain text part, or the HTML part with tags removed)."""
    raw: bytes
    """The original bytes, kept as evidence (hash these, not the parsed text)."""
    error: str | None = None
    """Why the message could not be fully parsed, if so; the raw bytes are still there."""


_TAG = re.compile(r"<[^>]+>")
_DROP = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def _html_to_text(markup: str) -> str:
    text = _DROP.sub(" ", markup)
    text = re.sub(r"<\s*(br|/p|/div|/li|/tr)\b[^>]*>", "\n", text, flags=re.IGNORECASE)
    text = html.unescape(_TAG.sub("", text))
    return re.sub(r"[ \t]+", " ", re.sub(r"\n\s*\n+", "\n\n", text)).strip()


def parse_for_ingest(uid: int, raw: bytes) -> IngestMessage:
    """Parse one raw email into an IngestMessage; never raises (problems go into ``error``)."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)  # noqa: S101 - policy.default always builds one
        problems: list[str] = []
        message_id = _header(message, "Message-ID", problems).strip()
        sender = _header(message, "From", problems)
        subject = _header(message, "Subject", problems)
        date: datetime | None = None
        date_text = _header(message, "Date", problems)
        if date_text:
            try:
                date = email.utils.parsedate_to_datetime(date_text)
                if date.tzinfo is None:
                    date = None  # "-0000" means the zone is unknown; a naive time would mislead
            except (TypeError, ValueError):
                problems.append("the Date header could not be read")
        text = _body_text(message, problems)
        return IngestMessage(
            uid, message_id, sender, subject, date, text, raw, "; ".join(problems) or None
        )
    except Exception as exc:  # noqa: BLE001 - one malformed email must not stop the inbox import
        return IngestMessage(uid, "", "", "", None, "", raw, f"unreadable email: {exc}")


def _header(message: EmailMessage, name: str, problems: list[str]) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError) as exc:
        problems.append(f"the {name} header could not be read ({exc})")
        raw_value = message.get_all(name, failobj=[None])
        return str(raw_value[0] or "")
    return str(value) if value is not None else ""


def _body_text(message: EmailMessage, problems: list[str]) -> str:
    try:
        part = message.get_body(preferencelist=("plain", "html"))
        if part is None:
            return ""
        content = part.get_content()
        if not isinstance(content, str):
            return ""
        if part.get_content_subtype() == "html":
            return _html_to_text(content)
        return content.strip()
    except (LookupError, ValueError, UnicodeError, KeyError) as exc:
        problems.append(f"the body could not be decoded ({exc})")
        payload = message.get_payload(decode=True)
        if isinstance(payload, bytes):
            return payload.decode("utf-8", "replace").strip()
        return ""
