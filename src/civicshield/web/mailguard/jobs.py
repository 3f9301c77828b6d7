"""Background jobs of mail security: the mailbox watcher, the forwarding audit, alerts, clean-up."""

from __future__ import annotations

import datetime as dt

from civicshield.web.accounts.models import Membership
from civicshield.web.jobs import services as jobs
from civicshield.web.jobs.registry import job
from civicshield.web.mailguard.models import ForwardingAuditRun, WatchedMailbox

WATCH_EVERY = dt.timedelta(minutes=2)
AUDIT_EVERY = dt.timedelta(days=1)


@job("mailguard.watch", every=WATCH_EVERY, max_attempts=1)
def watch() -> None:
    """Every two minutes: one watch job per connected mailbox (unless one is waiting).

    IMAP mailboxes with a password; Microsoft 365 and Gmail mailboxes whose office chose
    "check new email for phishing" and whose sign-in has not expired. (IMAP ones may also be
    woken sooner by IDLE; the cloud APIs are polled on this schedule.)"""
    from civicshield.web.mailguard.watcher import watch_enqueue

    mailboxes = WatchedMailbox.objects.select_related("office").filter(enabled=True)
    for mailbox in mailboxes.filter(kind=WatchedMailbox.Kind.IMAP):
        if mailbox.password:
            watch_enqueue(mailbox)
    cloud = mailboxes.filter(watch_mail=True, sign_in_expired_at__isnull=True).exclude(
        kind=WatchedMailbox.Kind.IMAP
    )
    for mailbox in cloud:
        if mailbox.oauth_refresh_token:
            watch_enqueue(mailbox)


@job("mailguard.watch_mailbox", max_attempts=3)
def watch_mailbox(*, mailbox_id: int) -> None:
    from civicshield.web.mailguard.watcher import mailbox_watch

    mailbox = WatchedMailbox.objects.select_related("office").get(pk=mailbox_id)
    if mailbox.enabled and mailbox.is_watched:
        mailbox_watch(mailbox)


@job("mailguard.forwarding_audit", every=AUDIT_EVERY, max_attempts=1)
def forwarding_audit(*, mailbox_id: int | None = None, requested_by: int | None = None) -> None:
    """Daily (no arguments): one check per connected mailbox. On demand: check ``mailbox_id``."""
    from civicshield.web.mailguard.forwarding import forwarding_audit_run

    if mailbox_id is None:
        for mailbox in WatchedMailbox.objects.select_related("office").filter(enabled=True):
            jobs.enqueue("mailguard.forwarding_audit", office=mailbox.office, mailbox_id=mailbox.pk)
        return
    mailbox = WatchedMailbox.objects.select_related("office").get(pk=mailbox_id)
    member = (
        Membership.objects.select_related("user").filter(pk=requested_by).first()
        if requested_by
        else None
    )
    forwarding_audit_run(mailbox, requested_by=member)


@job("mailguard.send_forwarding_alert", max_attempts=8)
def send_forwarding_alert(*, run_id: int) -> None:
    from civicshield.web.mailguard.forwarding import forwarding_alert_send

    forwarding_alert_send(ForwardingAuditRun.objects.select_related("mailbox").get(pk=run_id))


@job("mailguard.purge_originals", every=AUDIT_EVERY, max_attempts=3)
def purge_originals() -> None:
    """Delete originals of checked emails once they are too old to report."""
    from civicshield.web.mailguard.services import scanned_raw_purge

    scanned_raw_purge()
