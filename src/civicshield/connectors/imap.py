"""Read, tag and move mail in an IMAP mailbox (the mailbox watcher and the abuse inbox).

Messages are identified by IMAP UIDs. A UID only means something together with the folder's
UIDVALIDITY, so the position a job stores between runs is the pair ``ImapCursor(uidvalidity,
last_uid)``: after a restart the next run starts right after ``last_uid`` (nothing missed, nothing
fetched twice); if the server renumbered the folder (UIDVALIDITY changed) the cursor restarts at
the beginning, and the watcher's ``$CivicShieldScanned`` keyword (watcher.py) keeps scanned mail
from being scanned again.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ParamSpec, TypeVar

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
    refuse_plaintext_password,
    tls_reason,
)
from civicshield.connectors.ingest import IngestMessage, parse_for_ingest

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
        if not s.use_ssl and not s.starttls:
            refuse_plaintext_password(s.host, s.username)
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
