"""The mailbox watcher: scan each new message once, tag it, move phishing.

Works on any ``MailSource`` (``ImapMailbox`` for real, a fake in tests). Scanned messages carry
the keyword ``$CivicShieldScanned``, so even if the stored cursor is lost (or the server
renumbers the folder) no message is scanned twice.
"""

from __future__ import annotations

import email.policy
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from typing import TYPE_CHECKING, Any, Protocol

from civicshield.connectors.base import ConnectorError, ServerUnreachable
from civicshield.connectors.imap import FetchedMessage, ImapCursor

if TYPE_CHECKING:
    from civicshield.connectors.imap import ImapMailbox

SCANNED = "$CivicShieldScanned"
"""Keyword on every message the watcher has checked; such messages are never checked again."""
PHISHING = "$CivicShieldPhishing"
"""Keyword on messages judged phishing."""
SUSPICIOUS = "$CivicShieldSuspicious"
"""Keyword on messages judged suspicious (worth a second look, not moved)."""
SUSPICIOUS_FOLDER = "Suspicious"
"""Default folder phishing is moved into when the office wants that."""

SCAN_FAILED = "This email could not be checked ({reason}); it was left where it was."
MESSAGE_UNREADABLE = "The server did not return this email's content; it was left where it was."
MAILBOX_GONE = "Stopped at this email because the mailbox connection failed: {reason}"
ACTION_FAILED = "This email was checked, but the server refused to mark or move it: {reason}"

WATCH_BATCH = 100
"""How many messages one ``watch_once`` call handles at most (bounded memory per run)."""


@dataclass(frozen=True, slots=True)
class WatchedMessage:
    """What the watcher did with one message."""

    uid: int
    """The message's UID in the watched folder (before any move)."""
    message_id: str
    """The Message-ID header, or empty."""
    sender: str
    """The From header as written (decoded), for the web app's list; may be forged."""
    subject: str
    """The Subject header (decoded), for the web app's list."""
    verdict: str | None
    """``phishing``, ``suspicious`` or ``clean`` from the scan; None if skipped or failed."""
    analysis: object | None
    """Whatever the scan returned (e.g. the full mail analysis), for the web app to store."""
    tagged: tuple[str, ...]
    """Keywords added to the message."""
    moved_to: str | None
    """The folder it was moved into, or None if it stayed."""
    skipped: bool
    """True if it already carried the scanned keyword and was left alone."""
    error: str | None
    """Plain-words reason this message could not be handled, or None."""


@dataclass(frozen=True, slots=True)
class WatchResult:
    """The outcome of one watcher run over one folder."""

    cursor: ImapCursor
    """Store this; pass it to the next run."""
    messages: tuple[WatchedMessage, ...]
    """One entry per new message, oldest first."""
    more: bool = False
    """True when more new mail is waiting (the batch limit was reached, or the run stopped
    early): call ``watch_once`` again with ``cursor``."""

    @property
    def errors(self) -> tuple[WatchedMessage, ...]:
        """The messages that could not be handled."""
        return tuple(m for m in self.messages if m.error)


class MailSource(Protocol):
    """What ``watch_once`` needs from a mailbox. ``ImapMailbox`` is the real one; a fake for
    tests implements these methods over a list of messages."""

    @property
    def supports_keywords(self) -> bool:
        """Whether the folder accepts keywords of our own (IMAP PERMANENTFLAGS has ``\\*``)."""
        ...

    def fetch_new(
        self, cursor: ImapCursor | None, *, limit: int | None = None
    ) -> tuple[list[FetchedMessage], ImapCursor]:
        """Messages after ``cursor``, oldest first, and the cursor to store afterwards."""
        ...

    def tag(self, uid: int, keyword: str) -> None:
        """Attach a keyword (a label mail programs can show and filter on) to one message."""
        ...

    def move(self, uid: int, folder: str) -> str:
        """Move one message into ``folder`` (created if missing); return the folder's name."""
        ...

    def wait_for_new(self, timeout: float, cursor: ImapCursor | None = None) -> bool:
        """Block until new mail may have arrived (True) or ``timeout`` seconds passed (False)."""
        ...


def _verdict_of(result: object) -> str:
    value = result if isinstance(result, str) else getattr(result, "verdict", None)
    if value is None:
        raise TypeError("the scan function returned no verdict")
    return str(getattr(value, "value", value))


def watch_once(
    mailbox: MailSource,
    cursor: ImapCursor | None,
    scan: Callable[[bytes], object],
    move_phishing: bool,
    *,
    suspicious_folder: str = SUSPICIOUS_FOLDER,
    limit: int | None = WATCH_BATCH,
) -> WatchResult:
    """Scan each new message once, tag it, move phishing if wanted; report per message.

    ``scan`` gets the raw bytes and returns a verdict string (``phishing``, ``suspicious``,
    ``clean``) or an object with a ``verdict`` attribute (e.g. the mail analysis result, which is
    then passed back in ``WatchedMessage.analysis``).

    1. Fetch up to ``limit`` messages after ``cursor`` (``WatchResult.more`` says whether to
       call again at once: a first run over a big mailbox goes in slices).
    2. Skip messages already carrying ``$CivicShieldScanned`` (after a UIDVALIDITY change, or when
       two watchers share a mailbox).
    3. Scan; a scan that raises, or a message the server returned empty, is reported and left
       alone, and the run goes on (the cursor moves past it, so one poison email cannot block
       the mailbox forever).
    4. Tag the verdict keyword, then ``$CivicShieldScanned`` (servers that allow no keywords,
       such as some Exchange servers, are not tagged: the cursor alone prevents rescans), and
       move phishing to ``suspicious_folder`` when ``move_phishing``. A command the server
       refuses for one message is reported on that message and the run goes on.
    5. If the connection itself fails, stop: the returned cursor ends at the last message fully
       handled, so the next run picks up the rest.
    """
    fetched, full_cursor = mailbox.fetch_new(cursor, limit=limit)
    same_folder = cursor is not None and cursor.uidvalidity == full_cursor.uidvalidity
    handled_up_to = cursor.last_uid if cursor is not None and same_folder else 0
    results: list[WatchedMessage] = []
    stopped = False
    for message in fetched:
        try:
            outcome = _watch_one(mailbox, message, scan, move_phishing, suspicious_folder)
        except ServerUnreachable as exc:
            results.append(_result(message, error=MAILBOX_GONE.format(reason=exc)))
            stopped = True
            break
        results.append(outcome)
        handled_up_to = message.uid
    if not stopped:
        handled_up_to = max(handled_up_to, full_cursor.last_uid)
    more = stopped or (limit is not None and len(fetched) >= limit)
    return WatchResult(
        ImapCursor(full_cursor.uidvalidity, handled_up_to), tuple(results), more=more
    )


def _result(message: FetchedMessage, **fields: Any) -> WatchedMessage:
    """A WatchedMessage with the header fields filled in and nothing done unless ``fields`` say."""
    values: dict[str, Any] = {
        "verdict": None,
        "analysis": None,
        "tagged": (),
        "moved_to": None,
        "skipped": False,
        "error": None,
        **_header_fields(message.raw),
    }
    values.update(fields)
    return WatchedMessage(uid=message.uid, **values)


def _watch_one(
    mailbox: MailSource,
    message: FetchedMessage,
    scan: Callable[[bytes], object],
    move_phishing: bool,
    suspicious_folder: str,
) -> WatchedMessage:
    """Handle one message. Raises ServerUnreachable only when the connection is gone."""
    if SCANNED in message.flags:
        moved_to = None
        if move_phishing and PHISHING in message.flags:
            # Tagged on an earlier run whose move failed: finish the job now.
            try:
                moved_to = mailbox.move(message.uid, suspicious_folder)
            except ServerUnreachable:
                raise
            except ConnectorError as exc:
                return _result(message, skipped=True, error=ACTION_FAILED.format(reason=exc))
        return _result(message, skipped=True, moved_to=moved_to)
    if not message.raw:
        return _result(message, error=MESSAGE_UNREADABLE)
    try:
        analysis = scan(message.raw)
        verdict = _verdict_of(analysis)
    except Exception as exc:  # noqa: BLE001 - one unreadable email must not stop the watcher
        return _result(message, error=SCAN_FAILED.format(reason=exc))
    # The verdict keyword goes on before the scanned keyword, and the move comes last, so an
    # interrupted run never leaves a message marked scanned without its verdict.
    tags = {"phishing": [PHISHING], "suspicious": [SUSPICIOUS]}.get(verdict, []) + [SCANNED]
    if not mailbox.supports_keywords:
        tags = []
    done: list[str] = []
    moved_to = None
    try:
        for keyword in tags:
            mailbox.tag(message.uid, keyword)
            done.append(keyword)
        if verdict == "phishing" and move_phishing:
            moved_to = mailbox.move(message.uid, suspicious_folder)
    except ServerUnreachable:
        raise
    except ConnectorError as exc:
        return _result(
            message,
            verdict=verdict,
            analysis=analysis,
            tagged=tuple(done),
            error=ACTION_FAILED.format(reason=exc),
        )
    return _result(
        message, verdict=verdict, analysis=analysis, tagged=tuple(done), moved_to=moved_to
    )


def _header_fields(raw: bytes) -> dict[str, str]:
    """Message-ID, From and Subject for the web app's list; empty strings when unreadable."""
    headers = BytesHeaderParser(policy=email.policy.default).parsebytes(raw)
    fields = {}
    for field, name in (("message_id", "Message-ID"), ("sender", "From"), ("subject", "Subject")):
        try:
            fields[field] = str(headers.get(name, "")).strip()
        except Exception:  # noqa: BLE001 - an undecodable header only costs the list a label
            fields[field] = ""
    return fields


if TYPE_CHECKING:  # the real mailbox must satisfy the interface the watcher is written against
    _check: type[MailSource] = ImapMailbox
