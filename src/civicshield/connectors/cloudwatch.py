"""The mailbox watcher for Microsoft 365 and Gmail, through their APIs instead of IMAP.

A parallel of ``watcher.watch_once``: the IMAP-shaped ``MailSource`` speaks of integer UIDs, a
UIDVALIDITY cursor and IMAP keywords, none of which the cloud APIs have. Graph and Gmail give
string ids, an opaque change cursor (a delta link, a history id) and categories or labels. The
guarantees are the same:

- each new message is scanned once: it is tagged "checked" (a category or label) after its scan,
  and the sources report messages already carrying that tag as ``already_checked``;
- the cursor stored after a run covers only messages fully handled (``CloudChanges`` says where
  a cursor may be stored safely: after whole pages or history records);
- one bad message is reported and skipped, the rest are scanned;
- a failure of the connection, throttling or a refused sign-in stops the run, with the cursor at
  the last handled message, so the next run picks up the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from civicshield.connectors.base import AuthenticationFailed, ConnectorError
from civicshield.connectors.watcher import SCAN_FAILED, _header_fields, _verdict_of


def utc_now() -> dt.datetime:
    """The sources' default clock (tests pass their own)."""
    return dt.datetime.now(dt.UTC)


MESSAGE_GONE = "This email could not be fetched ({reason}); it was left where it was."
ACTION_FAILED = "This email was checked, but {service} refused to tag or move it: {reason}"
STOPPED = "The check stopped here and will go on at the next run: {reason}"

Cursor = dict[str, str]
"""What a source needs to carry on where it stopped; JSON-friendly, stored by the web app."""


@dataclass(frozen=True, slots=True)
class NewMessage:
    """One message a source reports as new (or changed) in the watched inbox."""

    id: str
    """The provider's id for the message (Graph message id, Gmail message id)."""
    tags: tuple[str, ...] = ()
    """The categories or label ids it already carries (a Graph PATCH replaces the whole list,
    so the ones people set themselves must be sent back)."""
    already_checked: bool = False
    """It carries CivicShield's "checked" tag: scanned on an earlier run, not scanned again."""
    flagged_phishing: bool = False
    """It carries the phishing tag (with ``already_checked``: a move may still be owed)."""
    checkpoint: Cursor | None = None
    """A cursor that is safe to store once this message and all before it are handled, or
    None when a cursor cannot point just after it (inside a delta page)."""


@dataclass(frozen=True, slots=True)
class CloudChanges:
    """What a source found since a cursor."""

    start: Cursor
    """The cursor to store if none of ``messages`` gets handled."""
    messages: tuple[NewMessage, ...]
    """Oldest first."""
    end: Cursor
    """The cursor to store once every message is handled."""
    more: bool = False
    """More changes are waiting beyond ``limit``."""
    notice: str = ""
    """Plain words the office should see about this run (e.g. the cursor expired and the watch
    started again), or empty."""


class CloudMailSource(Protocol):
    """What ``watch_cloud_once`` needs from a cloud mailbox (``GraphMailbox``,
    ``GmailMailbox``, or a fake in tests)."""

    service: str
    """The provider's name for messages ("Microsoft 365", "Gmail")."""

    def changes(self, cursor: Mapping[str, str] | None, *, limit: int | None) -> CloudChanges:
        """Messages new in the inbox since ``cursor`` (None: start watching from now)."""
        ...

    def fetch_raw(self, message: NewMessage) -> bytes:
        """The message's full MIME source."""
        ...

    def mark(self, message: NewMessage, verdict: str) -> tuple[str, ...]:
        """Tag the verdict (for phishing and suspicious) and "checked" in one request; return
        the tag names added."""
        ...

    def move_to_suspicious(self, message: NewMessage) -> str:
        """Take the message out of the inbox into the Suspicious folder (Graph) or label
        (Gmail), created once if missing; return its name."""
        ...


@dataclass(frozen=True, slots=True)
class CloudWatchedMessage:
    """What the watcher did with one message."""

    id: str
    """The provider's id for the message (before any move)."""
    message_id: str = ""
    """The Message-ID header, or empty."""
    sender: str = ""
    """The From header as written (may be forged)."""
    subject: str = ""
    """The Subject header."""
    verdict: str | None = None
    """``phishing``, ``suspicious`` or ``clean``; None if skipped or failed."""
    analysis: object | None = None
    """Whatever the scan returned, for the web app to store."""
    tagged: tuple[str, ...] = ()
    """Categories or labels added."""
    moved_to: str | None = None
    """The folder or label it was moved into, or None."""
    skipped: bool = False
    """It was already checked on an earlier run and left alone."""
    error: str | None = None
    """Plain-words reason this message could not be handled, or None."""


@dataclass(frozen=True, slots=True)
class CloudWatchResult:
    """The outcome of one run over one cloud inbox."""

    cursor: Cursor
    """Store this; pass it to the next run."""
    messages: tuple[CloudWatchedMessage, ...]
    """One entry per message reported, oldest first."""
    more: bool = False
    """More new mail is waiting (the limit was reached, or the run stopped early)."""
    notice: str = ""
    """The source's notice for the office (see ``CloudChanges.notice``)."""
    stopped: ConnectorError | None = field(default=None)
    """Why the run stopped early (connection, throttling, sign-in), or None."""

    @property
    def errors(self) -> tuple[CloudWatchedMessage, ...]:
        return tuple(m for m in self.messages if m.error)


def _stops_the_run(exc: ConnectorError) -> bool:
    # Throttling (429), a service outage or a lost connection would fail every message after
    # this one too, and so would a refused sign-in: stop, keep the cursor, try again later.
    return exc.retryable or isinstance(exc, AuthenticationFailed)


def watch_cloud_once(
    source: CloudMailSource,
    cursor: Mapping[str, str] | None,
    scan: Callable[[bytes], object],
    move_phishing: bool,
    *,
    limit: int | None = 100,
) -> CloudWatchResult:
    """Scan each new message once, tag it, move phishing if wanted; report per message.

    1. Ask the source what is new since ``cursor``. If that fails, the ConnectorError is
       raised and nothing changes (the caller keeps its cursor).
    2. Skip messages already tagged "checked" (our own tagging makes Graph report them again
       as changed), finishing an owed move of phishing.
    3. Fetch the MIME source and scan it; a message that cannot be fetched or scanned is
       reported and skipped, and the run goes on.
    4. Tag the verdict and "checked" in one request, then move phishing when ``move_phishing``.
    5. A failure that would fail every following message too (``_stops_the_run``) ends the
       run: the result's cursor is the last checkpoint of fully handled messages.
    """
    changes = source.changes(cursor, limit=limit)
    handled: Cursor = dict(changes.start)
    results: list[CloudWatchedMessage] = []
    stopped: ConnectorError | None = None
    for message in changes.messages:
        try:
            results.append(_watch_one(source, message, scan, move_phishing))
        except ConnectorError as exc:
            stopped = exc
            break
        if message.checkpoint is not None:
            handled = dict(message.checkpoint)
    if stopped is None:
        handled = dict(changes.end)
    return CloudWatchResult(
        handled,
        tuple(results),
        more=stopped is not None or changes.more,
        notice=changes.notice,
        stopped=stopped,
    )


def _watch_one(
    source: CloudMailSource,
    message: NewMessage,
    scan: Callable[[bytes], object],
    move_phishing: bool,
) -> CloudWatchedMessage:
    """Handle one message. Raises ConnectorError only when the whole run must stop."""
    if message.already_checked:
        moved_to = None
        if move_phishing and message.flagged_phishing:
            # Tagged on an earlier run whose move failed: finish the job now.
            try:
                moved_to = source.move_to_suspicious(message)
            except ConnectorError as exc:
                if _stops_the_run(exc):
                    raise
                reason = ACTION_FAILED.format(service=source.service, reason=exc)
                return CloudWatchedMessage(message.id, skipped=True, error=reason)
        return CloudWatchedMessage(message.id, skipped=True, moved_to=moved_to)
    try:
        raw = source.fetch_raw(message)
    except ConnectorError as exc:
        if _stops_the_run(exc):
            raise
        return CloudWatchedMessage(message.id, error=MESSAGE_GONE.format(reason=exc))
    headers: dict[str, Any] = _header_fields(raw)
    if not raw:
        return CloudWatchedMessage(
            message.id, error=MESSAGE_GONE.format(reason="it was empty"), **headers
        )
    try:
        analysis = scan(raw)
        verdict = _verdict_of(analysis)
    except Exception as exc:  # noqa: BLE001 - one unreadable email must not stop the watcher
        return CloudWatchedMessage(message.id, error=SCAN_FAILED.format(reason=exc), **headers)
    tagged: tuple[str, ...] = ()
    moved_to = None
    try:
        # Tag before moving: a run interrupted between the two leaves the message tagged
        # phishing and checked, and the next run finishes the move (step 2 above).
        tagged = source.mark(message, verdict)
        if verdict == "phishing" and move_phishing:
            moved_to = source.move_to_suspicious(message)
    except ConnectorError as exc:
        if _stops_the_run(exc):
            # Scanned and stored, but not tagged: report it on the message, and still stop.
            # The next run scans it again (no "checked" tag); the web app's row is keyed by
            # the message's hash, so it is not stored twice.
            raise
        return CloudWatchedMessage(
            message.id,
            verdict=verdict,
            analysis=analysis,
            tagged=tagged,
            error=ACTION_FAILED.format(service=source.service, reason=exc),
            **headers,
        )
    return CloudWatchedMessage(
        message.id, verdict=verdict, analysis=analysis, tagged=tagged, moved_to=moved_to, **headers
    )
