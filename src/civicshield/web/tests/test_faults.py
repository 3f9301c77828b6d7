"""Faults on the embedded engine (the Celery ones run in tests/scale, third CI profile): the
mail server away and back, a worker dying mid-job. Nothing is lost, nothing done twice, and
what failed is visible (on the job and on the alert) while it is retried."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time

import pytest
import time_machine
from django.db import connections
from django.utils import timezone

from civicshield.web.inbox.models import Alert, ImportRun, Message
from civicshield.web.jobs import services as jobs
from civicshield.web.jobs.models import Job
from civicshield.web.jobs.registry import job
from civicshield.web.jobs.worker import Worker
from civicshield.web.testing import make_message

pytestmark = pytest.mark.django_db

THREAT = "I know where you live. I am going to kill you and your kids"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _drain(worker: Worker) -> int:
    ran = 0
    while worker.run_once():
        ran += 1
    return ran


def test_mail_server_away_then_back_every_alert_is_sent_exactly_once(cast, settings, smtp_sink):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()  # server away
    make_message(cast.office_a, THREAT)
    worker = Worker()
    _drain(worker)
    alerts = list(Alert.objects.all())
    assert len(alerts) == 2  # the representative and the on-call manager
    assert {a.status for a in alerts} == {"pending"}
    assert all("refused" in a.last_error.lower() or a.last_error for a in alerts)
    waiting = Job.objects.filter(name="inbox.send_alert")
    assert {(j.state, j.attempts) for j in waiting} == {("queued", 1)}
    assert all(j.last_error for j in waiting)  # what failed is visible

    # A second failure, later: still pending, nothing sent, still visible.
    now = timezone.now()
    with time_machine.travel(now + dt.timedelta(minutes=1)):
        _drain(worker)
    assert {a.status for a in Alert.objects.all()} == {"pending"}
    assert smtp_sink.messages == []

    settings.EMAIL_PORT = smtp_sink.port  # the server is back
    with time_machine.travel(now + dt.timedelta(hours=1)):
        _drain(worker)
        _drain(worker)  # nothing left to do: runs nothing, sends nothing
        assert {a.status for a in Alert.objects.all()} == {"sent"}
        assert sorted(r for m in smtp_sink.messages for r in m.recipients) == sorted(
            [cast.representative.user.email, cast.manager.user.email]
        )
        assert {j.state for j in Job.objects.filter(name="inbox.send_alert")} == {"done"}
        # A duplicate run of a finished alert job (a message delivered twice) sends nothing.
        job = Job.objects.filter(name="inbox.send_alert").first()
        assert job is not None
        jobs.run_job(job.pk)
    assert len(smtp_sink.messages) == 2


def test_a_worker_that_dies_mid_import_loses_nothing_and_stores_nothing_twice(cast, settings):
    from civicshield.core.imports import read_import
    from civicshield.web.inbox.services import messages_ingest

    rows = [
        json.dumps({"id": f"m{n}", "author": f"@u{n % 7}", "text": f"You are a disgrace {n}"})
        for n in range(120)
    ]
    run = ImportRun.objects.create(
        office=cast.office_a,
        kind="table",
        platform="mastodon",
        filename="x.jsonl",
        upload="\n".join(rows).encode(),
    )
    jobs.enqueue("inbox.run_import", office=cast.office_a, import_id=run.pk)
    # A worker claims it, stores the first 50 messages, and its process is killed.
    claimed = jobs.claim_next(worker="dead-host:123")
    assert claimed is not None
    items = list(read_import("table", bytes(run.upload), platform="mastodon"))
    messages_ingest(office=cast.office_a, items=items[:50])
    assert Message.objects.filter(office=cast.office_a).count() == 50

    worker = Worker()
    assert not worker.run_once()  # still "running": nobody else may take it yet
    later = timezone.now() + dt.timedelta(seconds=settings.JOBS_STALE_AFTER_SECONDS + 5)
    with time_machine.travel(later):
        assert jobs.requeue_stale() == 1
        stale = Job.objects.get(pk=claimed.pk)
        assert stale.state == "queued" and "stopped" in stale.last_error  # visible
        assert worker.run_once()
    job = Job.objects.get(pk=claimed.pk)
    assert job.state == "done" and job.attempts == 2
    ids = list(Message.objects.filter(office=cast.office_a).values_list("platform_id", flat=True))
    assert len(ids) == 120 and len(set(ids)) == 120
    run.refresh_from_db()
    assert run.status == "done" and run.added == 70 and run.duplicates == 50


@job("tests.faults.slow", max_attempts=1)
def _slow(*, seconds: float) -> None:
    time.sleep(seconds)


@pytest.mark.django_db(transaction=True)
def test_a_long_job_keeps_its_claim_with_heartbeats(settings):
    """requeue_stale must not take a job from a live worker, however long the job runs."""
    settings.JOBS_STALE_AFTER_SECONDS = 1  # a heartbeat every 0.5 s
    queued = jobs.enqueue("tests.faults.slow", seconds=2.5)
    claimed = jobs.claim_next(worker="alive:1")
    assert claimed is not None and claimed.locked_at is not None
    seen: list[object] = []

    def watch() -> None:
        time.sleep(2.0)
        seen.append(Job.objects.get(pk=queued.pk).locked_at)
        seen.append(jobs.requeue_stale())
        connections.close_all()

    watcher = threading.Thread(target=watch)
    watcher.start()
    jobs.run_job(claimed.pk, worker="alive:1")
    watcher.join()
    refreshed, requeued = seen
    assert refreshed > claimed.locked_at  # type: ignore[operator]
    assert requeued == 0
    final = Job.objects.get(pk=queued.pk)
    assert final.state == "done" and final.attempts == 1


def test_nul_characters_from_outside_are_stored_not_refused(cast):
    """PostgreSQL refuses NUL in text and JSON: found by schemathesis through the API."""
    from civicshield.core.imports import IncomingMessage
    from civicshield.web.inbox.services import messages_ingest

    report = messages_ingest(
        office=cast.office_a,
        items=[
            IncomingMessage(
                platform="other",
                platform_id="nul\x00id",
                author_handle="@nul\x00",
                text="You are a\x00 disgrace",
                raw={"k\x00": ["v\x00"]},
            )
        ],
    )
    assert report.added == 1
    stored = Message.objects.get(office=cast.office_a)
    assert "\x00" not in stored.text + stored.platform_id + stored.author.handle
    assert stored.text == "You are a\ufffd disgrace"
