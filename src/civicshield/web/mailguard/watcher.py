"""Watch one IMAP mailbox once: scan new mail, store what was found, then move the cursor.

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
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from civicshield.connectors import ImapCursor, ImapMailbox, WatchResult, watch_once
from civicshield.connectors.base import ConnectorError, MailboxSettings
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
ERROR_NOT_IMAP = "Only IMAP mailboxes are watched for phishing."
ERROR_DISCONNECTED = "This mailbox is disconnected (no password is stored)."


@dataclass(frozen=True)
class _Stored:
    """What the scan function hands back to ``watch_once``: the verdict and the stored row."""

    verdict: str
    row_id: int


def imap_settings(mailbox: WatchedMailbox) -> MailboxSettings:
    return connection.imap_settings(
        mailbox.settings, address=mailbox.address, password=mailbox.password
    )


def _store(mailbox: WatchedMailbox, raw: bytes, result: MailVerdict) -> ScannedEmail:
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
            "imap_folder": mailbox.settings.get("folder", "INBOX"),
        },
    )
    return row


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


def mailbox_watch(mailbox: WatchedMailbox) -> WatchResult | None:
    """Scan what is new in ``mailbox``; return the connector's result (None if it could not run).

    A connection failure is written to ``last_error``; retryable ones (server unreachable) are
    raised again so the job system tries later.
    """
    if mailbox.kind != WatchedMailbox.Kind.IMAP:
        raise ValueError(ERROR_NOT_IMAP)
    if not mailbox.enabled or not mailbox.password:
        WatchedMailbox.objects.filter(pk=mailbox.pk).update(last_error=ERROR_DISCONNECTED)
        return None
    directory = office_trusted_directory(mailbox.office)
    folder = mailbox.settings.get("folder", "INBOX") or "INBOX"

    seen = seen_domains(mailbox.office)

    def scan(raw: bytes) -> _Stored:
        result = analyse(raw, trusted=directory, seen_domains=seen)
        stored = _store(mailbox, raw, result)
        if result.verdict == Verdict.CLEAN.value:
            seen_domains_record(mailbox.office, result.domains)
            if seen is not None:
                seen.update(result.domains)
        return _Stored(result.verdict, stored.pk)

    cursor = None
    if mailbox.cursor:
        cursor = ImapCursor(int(mailbox.cursor["uidvalidity"]), int(mailbox.cursor["last_uid"]))
    try:
        with ImapMailbox(imap_settings(mailbox)) as imap:
            result = watch_once(imap, cursor, scan, mailbox.move_phishing, limit=WATCH_LIMIT)
    except ConnectorError as exc:
        WatchedMailbox.objects.filter(pk=mailbox.pk).update(
            last_error=str(exc)[:1000], last_checked=timezone.now()
        )
        if exc.retryable:
            raise
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
            elif message.error and not message.skipped:
                # Could not be analysed (not an email, empty): keep a row so the office sees it.
                ScannedEmail.objects.get_or_create(
                    mailbox=mailbox,
                    raw_sha256=f"uid:{result.cursor.uidvalidity}:{message.uid}",
                    defaults={
                        "office": mailbox.office,
                        "message_id": message.message_id[:998],
                        "verdict": Verdict.UNREADABLE,
                        "findings": [
                            {"check": "unreadable", "severity": "low", "detail": message.error}
                        ],
                        "imap_uid": message.uid,
                        "imap_uidvalidity": result.cursor.uidvalidity,
                        "imap_folder": folder,
                    },
                )
            if message.error:
                problems.append(message.error)
        # The cursor moves only now, after every message it covers is stored.
        WatchedMailbox.objects.filter(pk=mailbox.pk).update(
            cursor={"uidvalidity": result.cursor.uidvalidity, "last_uid": result.cursor.last_uid},
            last_checked=timezone.now(),
            last_error=problems[-1][:1000] if problems else "",
        )
        flagged = [
            m for m in result.messages if m.verdict in (Verdict.PHISHING, Verdict.SUSPICIOUS)
        ]
        if flagged:
            audit.record(
                action="mailguard.mailbox.flagged",
                office=mailbox.office,
                actor_label="mailbox watcher",
                target=mailbox,
                details={
                    "phishing": sum(m.verdict == Verdict.PHISHING for m in flagged),
                    "suspicious": sum(m.verdict == Verdict.SUSPICIOUS for m in flagged),
                    "moved": sum(m.moved_to is not None for m in flagged),
                },
            )
    return result
