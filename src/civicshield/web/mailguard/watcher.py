"""Watch one mailbox once: scan new mail, store what was found, then move the cursor.

IMAP mailboxes through ``watch_once``; Microsoft 365 and Gmail mailboxes whose office chose
"check new email for phishing" through their APIs (``watch_cloud_once``), with the same order:

The order matters, so nothing is lost and nothing is stored twice:

1. Each new message is analysed and its ScannedEmail row stored *inside* the scan (before the
   connector tags or moves it), with a copy of the original only when it is not clean. The row
   is keyed by the message's hash, so a message scanned again after an interruption updates
   the same row.
2. The connector then tags it (IMAP keywords) and moves phishing to the Suspicious folder if
   the office wants that; the rows are updated with what happened.
3. Only then is the cursor saved. A crash before that re-fetches the same messages; the
   ``$CivicShieldScanned`` keyword and the unique row keep them from being counted twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from civicshield.connectors import ImapCursor, ImapMailbox, WatchResult, watch_once
from civicshield.connectors._http import BearerSession
from civicshield.connectors.base import ConnectorError, MailboxSettings
from civicshield.connectors.cloudwatch import (
    STOPPED,
    CloudMailSource,
    CloudWatchedMessage,
    CloudWatchResult,
    watch_cloud_once,
)
from civicshield.connectors.watcher import WatchedMessage
from civicshield.core.mail import MailVerdict, analyse
from civicshield.web.audit import services as audit
from civicshield.web.jobs import services as jobs
from civicshield.web.jobs.models import Job
from civicshield.web.mailguard import connection
from civicshield.web.mailguard.models import ScannedEmail, Verdict, WatchedMailbox
from civicshield.web.mailguard.services import (
    findings_as_json,
    office_trusted_directory,
    seen_domains,
    seen_domains_record,
)

WATCH_LIMIT = 200
"""Most messages one run handles; the rest wait for the next run (every two minutes)."""
ERROR_NOT_WATCHED = (
    "Checking new email for phishing is not turned on for this mailbox (it needs signing in "
    "again with permission to read email)."
)
ERROR_DISCONNECTED = "This mailbox is disconnected (no password is stored)."
ERROR_CLOUD_DISCONNECTED = "This mailbox is disconnected (no sign-in is stored)."


@dataclass(frozen=True)
class _Stored:
    """What the scan function hands back to ``watch_once``: the verdict and the stored row."""

    verdict: str
    row_id: int


def imap_settings(mailbox: WatchedMailbox) -> MailboxSettings:
    return connection.imap_settings(
        mailbox.settings, address=mailbox.address, password=mailbox.password
    )


def _store(
    mailbox: WatchedMailbox, raw: bytes, result: MailVerdict, *, folder: str = ""
) -> ScannedEmail:
    # The original is kept only when it may need reporting: a busy office receives thousands of
    # clean emails, and their copies (attachments and all) have no use here.
    keep = result.verdict != Verdict.CLEAN.value
    row, _ = ScannedEmail.objects.update_or_create(
        mailbox=mailbox,
        raw_sha256=hashlib.sha256(raw).hexdigest(),
        defaults={
            "office": mailbox.office,
            "message_id": result.message_id[:998],
            "subject": result.subject[:998],
            "sender": result.sender[:998],
            "verdict": result.verdict,
            "score": result.score,
            "findings": findings_as_json(result),
            "raw": raw if keep else b"",
            "raw_deleted_at": None if keep else timezone.now(),
            "imap_folder": folder or mailbox.settings.get("folder", "INBOX"),
        },
    )
    return row


def _scanner(mailbox: WatchedMailbox, *, folder: str = "") -> Callable[[bytes], _Stored]:
    """The scan function the connectors call: analyse, store the row, learn clean domains."""
    directory = office_trusted_directory(mailbox.office)
    seen = seen_domains(mailbox.office)

    def scan(raw: bytes) -> _Stored:
        result = analyse(raw, trusted=directory, seen_domains=seen)
        stored = _store(mailbox, raw, result, folder=folder)
        if result.verdict == Verdict.CLEAN.value:
            seen_domains_record(mailbox.office, result.domains)
            if seen is not None:
                seen.update(result.domains)
        return _Stored(result.verdict, stored.pk)

    return scan


def _flagged_audit(mailbox: WatchedMailbox, verdicts: list[tuple[str | None, bool]]) -> None:
    """One audit entry per run that flagged anything: (verdict, moved) of each message."""
    flagged = [(v, moved) for v, moved in verdicts if v in (Verdict.PHISHING, Verdict.SUSPICIOUS)]
    if flagged:
        audit.record(
            action="mailguard.mailbox.flagged",
            office=mailbox.office,
            actor_label="mailbox watcher",
            target=mailbox,
            details={
                "phishing": sum(v == Verdict.PHISHING for v, _ in flagged),
                "suspicious": sum(v == Verdict.SUSPICIOUS for v, _ in flagged),
                "moved": sum(moved for _, moved in flagged),
            },
        )


def _could_not_connect(mailbox: WatchedMailbox, exc: ConnectorError) -> None:
    """Show a failed connection on the mailbox; retryable ones go back to the job system."""
    WatchedMailbox.objects.filter(pk=mailbox.pk).update(
        last_error=str(exc)[:1000], last_checked=timezone.now()
    )
    if exc.retryable:
        raise exc


def _record_unreadable(
    mailbox: WatchedMailbox, key: str, message_id: str, error: str, folder: str, **fields: Any
) -> None:
    """A message that could not be analysed (not an email, empty, gone): keep a row, once per
    ``key``, so the office sees it."""
    ScannedEmail.objects.get_or_create(
        mailbox=mailbox,
        raw_sha256=key,
        defaults={
            "office": mailbox.office,
            "message_id": message_id[:998],
            "verdict": Verdict.UNREADABLE,
            "findings": [{"check": "unreadable", "severity": "low", "detail": error}],
            "imap_folder": folder,
            **fields,
        },
    )


def watch_enqueue(mailbox: WatchedMailbox) -> bool:
    """Queue a watch of ``mailbox`` unless one is already waiting or running. True if queued.

    Two watchers on one mailbox would fetch the same new messages at once; one is enough, and
    it picks up everything that arrived before it runs.
    """
    busy = Job.objects.filter(
        name="mailguard.watch_mailbox",
        state__in=[Job.State.QUEUED, Job.State.RUNNING],
        payload__mailbox_id=mailbox.pk,
    ).exists()
    if busy:
        return False
    jobs.enqueue("mailguard.watch_mailbox", office=mailbox.office, mailbox_id=mailbox.pk)
    return True


def mailbox_watch(mailbox: WatchedMailbox) -> WatchResult | CloudWatchResult | None:
    """Scan what is new in ``mailbox``; return the connector's result (None if it could not run).

    A connection failure is written to ``last_error``; retryable ones (server unreachable,
    throttled) are raised again so the job system tries later.
    """
    if mailbox.is_cloud:
        return _cloud_watch(mailbox)
    if not mailbox.enabled or not mailbox.password:
        WatchedMailbox.objects.filter(pk=mailbox.pk).update(last_error=ERROR_DISCONNECTED)
        return None
    folder = mailbox.settings.get("folder", "INBOX") or "INBOX"
    scan = _scanner(mailbox)

    cursor = None
    if mailbox.cursor:
        cursor = ImapCursor(int(mailbox.cursor["uidvalidity"]), int(mailbox.cursor["last_uid"]))
    try:
        with ImapMailbox(imap_settings(mailbox)) as imap:
            result = watch_once(imap, cursor, scan, mailbox.move_phishing, limit=WATCH_LIMIT)
    except ConnectorError as exc:
        _could_not_connect(mailbox, exc)
        return None
    problems = []
    with transaction.atomic():
        for message in result.messages:
            if isinstance(message.analysis, _Stored):
                ScannedEmail.objects.filter(pk=message.analysis.row_id).update(
                    imap_uid=message.uid,
                    imap_uidvalidity=result.cursor.uidvalidity,
                    imap_folder=message.moved_to or folder,
                    imap_tags=list(message.tagged),
                    moved=message.moved_to is not None,
                )
            elif message.error and not message.skipped and message.uid <= result.cursor.last_uid:
                # (A message past the cursor was cut off by a lost connection: the next run
                # takes it again, so it gets no row now.)
                _record_unreadable(
                    mailbox,
                    f"uid:{result.cursor.uidvalidity}:{message.uid}",
                    message.message_id,
                    message.error,
                    folder,
                    imap_uid=message.uid,
                    imap_uidvalidity=result.cursor.uidvalidity,
                )
            if message.error:
                problems.append(message.error)
        stored = {"uidvalidity": result.cursor.uidvalidity, "last_uid": result.cursor.last_uid}
        _finish_run(mailbox, stored, problems, result.messages)
    return result


def _finish_run(
    mailbox: WatchedMailbox,
    cursor: dict[str, Any],
    problems: list[str],
    messages: Sequence[WatchedMessage | CloudWatchedMessage],
) -> None:
    """The end of an IMAP or cloud run, inside its transaction: the cursor moves only now,
    after every message it covers is stored; the last problem is shown; flagged mail audited."""
    WatchedMailbox.objects.filter(pk=mailbox.pk).update(
        cursor=cursor,
        last_checked=timezone.now(),
        last_error=problems[-1][:1000] if problems else "",
    )
    _flagged_audit(mailbox, [(m.verdict, m.moved_to is not None) for m in messages])


def _cloud_source(mailbox: WatchedMailbox) -> CloudMailSource:
    """The Graph or Gmail inbox of ``mailbox``, with a token that is refreshed on a 401."""
    from civicshield.connectors.gmail import GmailMailbox
    from civicshield.connectors.graph import GraphMailbox
    from civicshield.web.mailguard.signin import mailbox_access_token

    service = mailbox.get_kind_display()
    session = BearerSession(
        mailbox_access_token(mailbox),
        service=service,
        refresh=lambda: mailbox_access_token(mailbox, force=True),
    )
    if mailbox.kind == WatchedMailbox.Kind.MICROSOFT365:
        return GraphMailbox(session, base_url=settings.MICROSOFT_GRAPH_URL)
    return GmailMailbox(session, base_url=settings.GMAIL_API_URL)


def _cloud_watch(mailbox: WatchedMailbox) -> CloudWatchResult | None:
    """The cloud half of ``mailbox_watch``: the same rows, audit entries and cursor rule."""
    if not mailbox.watch_mail:
        raise ValueError(ERROR_NOT_WATCHED)
    has_sign_in = mailbox.oauth_token or mailbox.oauth_refresh_token
    if not mailbox.enabled or (not has_sign_in and mailbox.sign_in_expired_at is None):
        WatchedMailbox.objects.filter(pk=mailbox.pk).update(last_error=ERROR_CLOUD_DISCONNECTED)
        return None
    inbox = "INBOX" if mailbox.kind == WatchedMailbox.Kind.GMAIL else "Inbox"
    scan = _scanner(mailbox, folder=inbox)
    try:
        source = _cloud_source(mailbox)
        result = watch_cloud_once(
            source, mailbox.cursor or None, scan, mailbox.move_phishing, limit=WATCH_LIMIT
        )
    except ConnectorError as exc:
        _could_not_connect(mailbox, exc)
        return None
    problems = []
    with transaction.atomic():
        for message in result.messages:
            if isinstance(message.analysis, _Stored):
                ScannedEmail.objects.filter(pk=message.analysis.row_id).update(
                    imap_folder=message.moved_to or inbox,
                    imap_tags=list(message.tagged),
                    moved=message.moved_to is not None,
                )
            elif message.error and not message.skipped:
                _record_unreadable(
                    mailbox,
                    hashlib.sha256(f"{mailbox.kind}:{message.id}".encode()).hexdigest(),
                    message.message_id,
                    message.error,
                    inbox,
                    subject=message.subject[:998],
                    sender=message.sender[:998],
                )
            if message.error:
                problems.append(message.error)
        if result.stopped is not None:
            problems.append(STOPPED.format(reason=result.stopped))
        if result.notice:
            problems.append(result.notice)
            audit.record(
                action="mailguard.mailbox.watch_restarted",
                office=mailbox.office,
                actor_label="mailbox watcher",
                target=mailbox,
                details={"notice": result.notice[:300]},
            )
        _finish_run(mailbox, result.cursor, problems, result.messages)
    return result
