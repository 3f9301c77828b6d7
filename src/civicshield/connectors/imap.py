"""Read, tag and move mail in an IMAP mailbox (the mailbox watcher and the abuse inbox).

Messages are identified by IMAP UIDs. A UID only means something together with the folder's
UIDVALIDITY, so the position a job stores between runs is the pair ``ImapCursor(uidvalidity,
last_uid)``: after a restart the next run starts right after ``last_uid`` (nothing missed, nothing
fetched twice); if the server renumbered the folder (UIDVALIDITY changed) the cursor restarts at
the beginning, and the ``$CivicShieldScanned`` keyword keeps scanned mail from being scanned again.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import html
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, TypeVar

import imapclient
from imapclient.exceptions import IMAPClientError, LoginError

from civicshield.connectors.base import (
    PROTOCOL_FAILED,
    TLS_FAILED,
    UNREACHABLE,
    WRONG_PASSWORD,
    AuthenticationFailed,
    ConnectorError,
    MailboxSettings,
    ProtocolFailed,
    ServerUnreachable,
    TlsFailed,
    tls_reason,
)

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

P = ParamSpec("P")
T = TypeVar("T")

# Longest single IDLE before DONE and a fresh IDLE: RFC 2177 asks clients to re-issue IDLE at
# least every 29 minutes; a short round also bounds how long a missed notice can go unseen.
IDLE_ROUND = 60.0

# How many messages one FETCH asks for: large enough to be quick, small enough that one huge
# mailbox does not hold megabytes of mail in memory at once.
FETCH_BATCH = 25


@dataclass(frozen=True, slots=True)
class ImapCursor:
    """Where the last run stopped in one folder. Store both numbers; pass them back next time."""

    uidvalidity: int
    """The folder's UIDVALIDITY when the cursor was made; if it changes, UIDs were renumbered."""
    last_uid: int
    """The highest UID already handed out; the next run starts after it. 0 means from the start."""


@dataclass(frozen=True, slots=True)
class FetchedMessage:
    """One message as fetched from the server, not yet parsed."""

    uid: int
    """The message's UID in the folder (valid with the cursor's UIDVALIDITY)."""
    raw: bytes
    """The full message as the server stores it (RFC 5322 bytes); empty if the server sent none."""
    flags: tuple[str, ...]
    """Flags and keywords already on the message, e.g. ``\\Seen``, ``$CivicShieldScanned``."""
    internal_date: datetime | None
    """When the server received it (IMAP INTERNALDATE), if known."""


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


@dataclass(frozen=True, slots=True)
class WatchedMessage:
    """What the watcher did with one message."""

    uid: int
    """The message's UID in the watched folder (before any move)."""
    message_id: str
    """The Message-ID header, or empty."""
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


def _flag_text(flag: bytes | str) -> str:
    return flag.decode("utf-8", "replace") if isinstance(flag, bytes) else str(flag)


class ImapMailbox:
    """One logged-in connection to one folder of an IMAP mailbox.

    Use as a context manager::

        with ImapMailbox(settings) as mailbox:
            messages, cursor = mailbox.fetch_new(cursor)

    Errors are ``ConnectorError`` subclasses whose message a non-expert can act on.
    """

    def __init__(
        self,
        settings: MailboxSettings,
        *,
        poll_interval: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        self.ssl_context = ssl_context
        """TLS settings; None trusts the system's certificates (pass one for a private CA)."""
        self.poll_interval = poll_interval
        """Seconds between checks in ``wait_for_new`` when the server does not offer IDLE."""
        self.last_wait_method: str | None = None
        """``"idle"`` or ``"poll"``: how the last ``wait_for_new`` waited (for logs and tests)."""
        self._client: imapclient.IMAPClient | None = None
        self._uidvalidity = 0
        self._supports_keywords = True
        self._known_folders: set[str] = set()

    # -- connection -------------------------------------------------------------------------

    def __enter__(self) -> ImapMailbox:
        self.connect()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def connect(self) -> None:
        """Connect, log in and select the folder.

        Raises ServerUnreachable, TlsFailed, AuthenticationFailed or ProtocolFailed.
        """
        s = self.settings
        context = self.ssl_context or ssl.create_default_context()
        try:
            client = imapclient.IMAPClient(
                s.host, port=s.port, ssl=s.use_ssl, ssl_context=context, timeout=s.timeout
            )
        except ssl.SSLError as exc:
            raise TlsFailed(
                TLS_FAILED.format(host=s.host, port=s.port, reason=tls_reason(exc))
            ) from exc
        except (OSError, IMAPClientError) as exc:
            raise ServerUnreachable(
                UNREACHABLE.format(host=s.host, port=s.port, reason=_reason(exc))
            ) from exc
        try:
            if not s.use_ssl and s.starttls:
                try:
                    client.starttls(context)
                except (ssl.SSLError, IMAPClientError) as exc:
                    raise TlsFailed(
                        TLS_FAILED.format(host=s.host, port=s.port, reason=tls_reason(exc))
                    ) from exc
            try:
                client.login(s.username, s.password)
            except LoginError as exc:
                raise AuthenticationFailed(
                    WRONG_PASSWORD.format(host=s.host, username=s.username)
                ) from exc
            self._client = client
            self._select()
        except ConnectorError:
            _quietly_close(client)
            self._client = None
            raise
        except (OSError, IMAPClientError) as exc:
            _quietly_close(client)
            self._client = None
            raise _translate(exc, s) from exc

    def close(self) -> None:
        """Log out (best effort: a dead connection is simply dropped)."""
        if self._client is not None:
            _quietly_close(self._client)
            self._client = None

    @property
    def client(self) -> imapclient.IMAPClient:
        """The underlying imapclient connection (connect() first)."""
        if self._client is None:
            raise ProtocolFailed("Not connected: call connect() or use 'with ImapMailbox(...)'.")
        return self._client

    def has_capability(self, name: str) -> bool:
        """True when the server advertises ``name`` (e.g. ``MOVE``, ``IDLE``, ``UIDPLUS``)."""
        return bool(self.client.has_capability(name))

    def _select(self) -> None:
        info = self.client.select_folder(self.settings.folder)
        self._uidvalidity = int(info[b"UIDVALIDITY"])
        self._supports_keywords = b"\\*" in tuple(info.get(b"PERMANENTFLAGS", ()))

    @property
    def supports_keywords(self) -> bool:
        """Whether the folder accepts keywords of our own (IMAP PERMANENTFLAGS has ``\\*``).

        Dovecot, Gmail and most servers do; some Exchange servers do not, and then the watcher
        relies on the cursor alone.
        """
        return self._supports_keywords

    @property
    def uidvalidity(self) -> int:
        """The selected folder's UIDVALIDITY as of the last select."""
        return self._uidvalidity

    # -- reading ----------------------------------------------------------------------------

    def start_cursor(self) -> ImapCursor:
        """A cursor that skips everything already in the folder: only mail arriving later is new.

        Use it when a mailbox is first connected, so years of old mail are not scanned at once.
        """
        return self._call(self._start_cursor)

    def _start_cursor(self) -> ImapCursor:
        status = self.client.folder_status(self.settings.folder, [b"UIDNEXT", b"UIDVALIDITY"])
        return ImapCursor(int(status[b"UIDVALIDITY"]), int(status[b"UIDNEXT"]) - 1)

    def fetch_new(
        self, cursor: ImapCursor | None, *, limit: int | None = None
    ) -> tuple[list[FetchedMessage], ImapCursor]:
        """Messages after ``cursor`` (all messages if None), oldest first, and the cursor to store.

        1. Re-select the folder so the server reports its current state and UIDVALIDITY.
        2. If UIDVALIDITY differs from the cursor's, the old UIDs mean nothing: start from UID 1.
        3. Search ``UID last+1:*`` and drop UIDs not above ``last`` (IMAP returns the highest
           message for ``N:*`` even when N is beyond it, which would otherwise repeat it forever).
        4. Fetch in batches with BODY.PEEK[] so reading does not mark mail as read.

        ``limit`` caps how many messages one call returns; the cursor then stops at the last one
        returned, so the next call continues from there.
        """
        return self._call(self._fetch_new, cursor, limit)

    def _fetch_new(
        self, cursor: ImapCursor | None, limit: int | None
    ) -> tuple[list[FetchedMessage], ImapCursor]:
        self._select()
        last = 0
        if cursor is not None and cursor.uidvalidity == self._uidvalidity:
            last = cursor.last_uid
        uids = sorted(int(u) for u in self.client.search(["UID", f"{last + 1}:*"]) if u > last)
        if limit is not None:
            uids = uids[:limit]
        messages: list[FetchedMessage] = []
        for batch in _chunks(uids, FETCH_BATCH):
            data = self.client.fetch(batch, ["BODY.PEEK[]", "FLAGS", "INTERNALDATE"])
            for uid in batch:
                item = data.get(uid)
                if item is None:  # expunged between SEARCH and FETCH: nothing to scan
                    continue
                raw = item.get(b"BODY[]") or b""
                flags = tuple(_flag_text(f) for f in item.get(b"FLAGS", ()))
                internal = item.get(b"INTERNALDATE")
                messages.append(
                    FetchedMessage(uid, bytes(raw), flags, internal if internal else None)
                )
        new_last = max([last, *uids]) if uids else last
        return messages, ImapCursor(self._uidvalidity, new_last)

    def fetch_for_ingest(
        self, cursor: ImapCursor | None, *, limit: int | None = None
    ) -> tuple[list[IngestMessage], ImapCursor]:
        """Like ``fetch_new``, but parsed for the abuse inbox: sender, subject, date, text, raw.

        A message that cannot be parsed still comes back, with its raw bytes and ``error`` set.
        """
        fetched, new_cursor = self.fetch_new(cursor, limit=limit)
        return [parse_for_ingest(m.uid, m.raw) for m in fetched], new_cursor

    # -- changing ---------------------------------------------------------------------------

    def tag(self, uid: int, keyword: str) -> None:
        """Add ``keyword`` (e.g. ``$CivicShieldScanned``) to message ``uid``."""
        self._call(self.client.add_flags, [uid], [keyword], silent=True)

    def move(self, uid: int, folder: str) -> str:
        """Move message ``uid`` into ``folder`` (created if missing); return the folder's name.

        Uses MOVE (RFC 6851) when offered. Otherwise COPY, mark the original deleted, and expunge
        only that message with UID EXPUNGE (UIDPLUS); without UIDPLUS the original stays marked
        deleted, because a plain EXPUNGE would also erase anything else the user marked deleted.
        """
        return self._call(self._move, uid, folder)

    def _move(self, uid: int, folder: str) -> str:
        target = self.ensure_folder(folder)
        if self.has_capability("MOVE"):
            self.client.move([uid], target)
        else:
            self.client.copy([uid], target)
            self.client.add_flags([uid], [imapclient.DELETED], silent=True)
            if self.has_capability("UIDPLUS"):
                self.client.uid_expunge([uid])
        return target

    def ensure_folder(self, folder: str) -> str:
        """Create ``folder`` if it does not exist (inside the personal namespace); return its name.

        Some servers (Courier, Cyrus) keep every folder under ``INBOX.``; NAMESPACE says so.
        """
        if folder in self._known_folders:
            return folder
        name = folder
        if self.has_capability("NAMESPACE"):
            personal = self.client.namespace().personal
            if personal:
                prefix = personal[0][0]
                prefix = prefix.decode() if isinstance(prefix, bytes) else str(prefix)
                if prefix and not name.startswith(prefix):
                    name = prefix + name
        if not self.client.folder_exists(name):
            self.client.create_folder(name)
            try:
                self.client.subscribe_folder(name)
            except IMAPClientError:  # subscribing only makes it visible in some mail programs
                pass
        self._known_folders.add(name)
        return name

    # -- waiting ----------------------------------------------------------------------------

    def wait_for_new(self, timeout: float, cursor: ImapCursor | None = None) -> bool:
        """Block until new mail may have arrived (True) or ``timeout`` seconds passed (False).

        Uses IDLE (RFC 2177) when the server offers it, so the server wakes us the moment mail
        arrives; otherwise polls the folder's UIDNEXT every ``poll_interval`` seconds. With
        ``cursor``, returns True at once if mail already arrived after it (mail delivered between
        the last fetch and the start of IDLE would otherwise wait for the next message).
        """
        return self._call(self._wait_for_new, timeout, cursor)

    def _wait_for_new(self, timeout: float, cursor: ImapCursor | None) -> bool:
        # NOOP first: a server only tells a session about new mail at a command boundary, and
        # STATUS on the selected folder may answer from the session's stale view (Dovecot does).
        _, responses = self.client.noop()
        if _announces_new_mail(responses):
            return True
        if cursor is not None and self._has_mail_after(cursor):
            return True
        deadline = time.monotonic() + timeout
        if self.has_capability("IDLE"):
            self.last_wait_method = "idle"
            while (left := deadline - time.monotonic()) > 0:
                if self._idle_round(min(left, IDLE_ROUND)):
                    return True
            return False
        self.last_wait_method = "poll"
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(self.poll_interval, left))
            _, responses = self.client.noop()
            if _announces_new_mail(responses):
                return True
        return False

    def _has_mail_after(self, cursor: ImapCursor) -> bool:
        if cursor.uidvalidity != self._uidvalidity:
            return True
        found = self.client.search(["UID", f"{cursor.last_uid + 1}:*"])
        return any(uid > cursor.last_uid for uid in found)

    def _idle_round(self, seconds: float) -> bool:
        """One IDLE of at most ``seconds``; True if the server announced new mail.

        The round ends with DONE even when nothing came, and its reply is checked too: imaplib reads
        through a buffer, so an EXISTS sent together with the server's "+ idling" can sit in that
        buffer where polling the socket never sees it; DONE reads it out.
        """
        self.client.idle()
        try:
            if _announces_new_mail(self.client.idle_check(timeout=seconds)):
                return True
        finally:
            _, responses = self.client.idle_done()
        return _announces_new_mail(responses)

    # -- error translation -------------------------------------------------------------------

    def _call(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return function(*args, **kwargs)
        except ConnectorError:
            raise
        except (OSError, IMAPClientError) as exc:
            raise _translate(exc, self.settings) from exc


def _announces_new_mail(responses: Sequence[object]) -> bool:
    return any(
        isinstance(r, tuple) and len(r) >= 2 and r[1] in (b"EXISTS", b"RECENT") and r[0]
        for r in responses
    )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, socket.gaierror):
        return "the server name was not found"
    if isinstance(exc, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "no answer in time"
    return str(exc) or type(exc).__name__


def _translate(exc: BaseException, settings: MailboxSettings) -> ConnectorError:
    if isinstance(exc, ssl.SSLError):
        reason = tls_reason(exc)
        return TlsFailed(TLS_FAILED.format(host=settings.host, port=settings.port, reason=reason))
    if isinstance(exc, OSError) or isinstance(exc, imapclient.IMAPClient.AbortError):
        return ServerUnreachable(
            UNREACHABLE.format(host=settings.host, port=settings.port, reason=_reason(exc))
        )
    return ProtocolFailed(PROTOCOL_FAILED.format(host=settings.host, reason=exc))


def _quietly_close(client: imapclient.IMAPClient) -> None:
    try:
        client.logout()
    except (OSError, IMAPClientError):
        try:
            client.shutdown()
        except (OSError, IMAPClientError):
            pass


def _chunks(items: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


# -- parsing for the abuse inbox -------------------------------------------------------------

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


# -- the watcher -----------------------------------------------------------------------------


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
            results.append(_failed(message, MAILBOX_GONE.format(reason=exc)))
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


def _failed(message: FetchedMessage, error: str, **done: Any) -> WatchedMessage:
    fields: dict[str, Any] = {
        "verdict": None,
        "analysis": None,
        "tagged": (),
        "moved_to": None,
        "skipped": False,
    }
    fields.update(done)
    return WatchedMessage(
        uid=message.uid, message_id=_message_id(message.raw), error=error, **fields
    )


def _watch_one(
    mailbox: MailSource,
    message: FetchedMessage,
    scan: Callable[[bytes], object],
    move_phishing: bool,
    suspicious_folder: str,
) -> WatchedMessage:
    """Handle one message. Raises ServerUnreachable only when the connection is gone."""
    message_id = _message_id(message.raw)
    if SCANNED in message.flags:
        moved_to = None
        if move_phishing and PHISHING in message.flags:
            # Tagged on an earlier run whose move failed: finish the job now.
            try:
                moved_to = mailbox.move(message.uid, suspicious_folder)
            except ServerUnreachable:
                raise
            except ConnectorError as exc:
                return _failed(message, ACTION_FAILED.format(reason=exc), skipped=True)
        return WatchedMessage(message.uid, message_id, None, None, (), moved_to, True, None)
    if not message.raw:
        return _failed(message, MESSAGE_UNREADABLE)
    try:
        analysis = scan(message.raw)
        verdict = _verdict_of(analysis)
    except Exception as exc:  # noqa: BLE001 - one unreadable email must not stop the watcher
        return _failed(message, SCAN_FAILED.format(reason=exc))
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
        return _failed(
            message,
            ACTION_FAILED.format(reason=exc),
            verdict=verdict,
            analysis=analysis,
            tagged=tuple(done),
        )
    return WatchedMessage(
        message.uid, message_id, verdict, analysis, tuple(done), moved_to, False, None
    )


def _message_id(raw: bytes) -> str:
    try:
        headers = email.message_from_bytes(raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0])
        return str(headers.get("Message-ID", "")).strip()
    except Exception:  # noqa: BLE001 - a missing id is only cosmetic
        return ""


if TYPE_CHECKING:  # the real mailbox must satisfy the interface the watcher is written against
    _check: type[MailSource] = ImapMailbox
