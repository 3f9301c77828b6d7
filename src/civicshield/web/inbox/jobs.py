"""Background jobs of the abuse inbox."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from civicshield.core.findings import Severity
from civicshield.core.imports import read_import
from civicshield.web.accounts.models import Membership, Office
from civicshield.web.accounts.roles import Capability
from civicshield.web.audit import services as audit
from civicshield.web.inbox import alerts, services
from civicshield.web.inbox.models import Alert, DigestMark, ImportRun, Message, Source
from civicshield.web.jobs import services as jobs
from civicshield.web.jobs.registry import job

log = logging.getLogger(__name__)
POLL_EVERY = dt.timedelta(minutes=2)


@job("inbox.send_alert", max_attempts=8)
def send_alert(*, alert_id: int) -> None:
    alert = Alert.objects.select_related(
        "message__author", "message__office", "recipient__user"
    ).get(pk=alert_id)
    try:
        alerts.alert_deliver(alert)
    except Exception:
        if alert.attempts + 1 >= 8:
            Alert.objects.filter(pk=alert.pk).update(status=Alert.Status.FAILED)
        raise


@job("inbox.run_import", max_attempts=1)
def run_import(*, import_id: int) -> None:
    run = ImportRun.objects.select_related("office").get(pk=import_id)
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING)
    report = services.IngestReport()
    try:
        items = read_import(run.kind, bytes(run.upload), platform=run.platform, own_account_id="")
        processed = 0
        batch: list[object] = []
        for item in items:
            batch.append(item)
            if len(batch) >= services.INGEST_BATCH:
                report.merge(services.messages_ingest(office=run.office, items=batch))  # type: ignore[arg-type]
                processed += len(batch)
                batch = []
                ImportRun.objects.filter(pk=run.pk).update(processed=processed, added=report.added)
        if batch:
            report.merge(services.messages_ingest(office=run.office, items=batch))  # type: ignore[arg-type]
            processed += len(batch)
    except ValueError as exc:
        report.errors.append({"id": 0, "error": str(exc)})
        processed = 0
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.DONE,
        processed=processed,
        added=report.added,
        duplicates=report.duplicates,
        errors=report.errors[:1000],
        finished=timezone.now(),
        upload=b"",  # the messages are stored now; don't keep a second copy of the file
    )
    audit.record(
        action="inbox.import.completed",
        office=run.office,
        actor=run.member.user if run.member else None,
        target=run,
        details={
            "added": report.added,
            "duplicates": report.duplicates,
            "errors": len(report.errors),
        },
    )


@job("inbox.poll_sources", every=POLL_EVERY, max_attempts=1)
def poll_sources() -> None:
    for source in Source.objects.filter(enabled=True).exclude(
        kind__in=[Source.Kind.IMPORT, Source.Kind.API]
    ):
        jobs.enqueue("inbox.poll_source", office=source.office, source_id=source.pk)


@job("inbox.poll_source", max_attempts=3)
def poll_source(*, source_id: int) -> None:
    from civicshield.web.inbox.polling import source_poll

    source_poll(Source.objects.select_related("office").get(pk=source_id))


@job("inbox.digest", every=dt.timedelta(hours=1), max_attempts=3)
def send_digests() -> None:
    """Within check-in hours, one email per office listing new high-severity items."""
    now = timezone.now()
    for office in Office.objects.all():
        if not office.within_checkin_hours(now):
            continue  # outside agreed hours nothing pings anyone (critical alerts aside)
        with transaction.atomic():
            mark, _ = DigestMark.objects.select_for_update().get_or_create(
                office=office, defaults={"last_sent": now - dt.timedelta(hours=1)}
            )
            items = list(
                Message.objects.select_related("author")
                .filter(
                    office=office,
                    severity=Severity.HIGH,
                    state=Message.State.NEW,
                    received_at__gt=mark.last_sent,
                    received_at__lte=now,
                )
                .order_by("received_at")[:50]
            )
            mark.last_sent = now
            mark.save(update_fields=["last_sent"])
        if not items:
            continue
        subject, body = alerts.digest_text(office.name, items)
        recipients = [
            m.user.email
            for m in Membership.objects.select_related("user").filter(office=office, is_active=True)
            if m.can(Capability.TRIAGE_INBOX)
        ]
        EmailMessage(subject=subject, body=body, to=recipients).send(fail_silently=False)
