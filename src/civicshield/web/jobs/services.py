"""One job interface: ``enqueue`` after commit, run, retry with back-off, record failures.

Engines: the embedded one (a database table and ``civicshield worker``, the default) and
Celery (when ``CELERY_BROKER_URL`` is set). Callers only ever use ``enqueue``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import traceback
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from civicshield.web.jobs.models import Job, ScheduleMark
from civicshield.web.jobs.registry import JOBS, autodiscover

if TYPE_CHECKING:
    from civicshield.web.accounts.models import Office

log = logging.getLogger(__name__)

# A running job whose worker has been silent this long (settings.JOBS_STALE_AFTER_SECONDS,
# 10 minutes by default) is taken to have died with it.
STALE_AFTER = dt.timedelta(minutes=10)
DISPATCH_BATCH = 1000
TRANSIENT_RETRIES = 5
ERROR_UNKNOWN_JOB = "There is no job called {name!r}."


MAX_BACKOFF_SECONDS = 3600


def _backoff(attempts: int, exc: BaseException | None = None) -> dt.timedelta:
    """How long to wait before the next attempt: doubling from 30 seconds, but never sooner than
    a service asked (``retry_after`` seconds on the error, from an HTTP Retry-After header)."""
    seconds = float(min(30 * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS))
    asked = getattr(exc, "retry_after", None)
    if isinstance(asked, int | float) and asked > seconds:
        seconds = min(float(asked), MAX_BACKOFF_SECONDS)
    return dt.timedelta(seconds=seconds)


def enqueue(
    name: str, *, office: Office | None = None, delay: dt.timedelta | None = None, **payload: Any
) -> Job:
    """Queue a job to run once the current transaction commits.

    The row is written inside the caller's transaction, so a job exists if and only if the
    change that asked for it was committed.
    """
    autodiscover()
    if name not in JOBS:
        raise KeyError(ERROR_UNKNOWN_JOB.format(name=name))
    now = timezone.now()
    celery = settings.JOBS_ENGINE == "celery" and not settings.JOBS_RUN_EAGERLY
    job = Job.objects.create(
        name=name,
        payload=payload,
        office=office,
        max_attempts=JOBS[name].max_attempts,
        run_after=now + (delay or dt.timedelta()),
        # Due now: its Celery message goes out on commit. Delayed: the scheduler sends it.
        dispatched_at=now if celery and not delay else None,
    )
    if settings.JOBS_RUN_EAGERLY:
        transaction.on_commit(lambda: run_job(job.pk))
    elif celery and not delay:
        transaction.on_commit(lambda: dispatch(job.pk))
    return job


def dispatch(job_id: int) -> bool:
    """Send a job's Celery message; return whether the broker took it.

    Never raises: with the broker away the job stays queued, marked as not sent, and
    ``dispatch_due`` (run by ``civicshield scheduler``) sends it once the broker is back.
    """
    try:
        from civicshield.web.celery_app import run_job_task

        run_job_task.delay(job_id)
    except Exception as exc:  # noqa: BLE001 - a broker outage must not fail the caller's request
        log.warning("could not send job #%s to the broker: %s", job_id, exc)
        Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(dispatched_at=None)
        return False
    return True


def dispatch_due(now: dt.datetime | None = None) -> int:
    """Celery engine: send every due job that has no message on its way; return how many.

    A job needs a message when it has none yet (delayed, retried after a failure, put back
    by ``requeue_stale``, or the broker was away) or when its last one is so old that the
    message must have been lost (a broker restarted without persistence). A message sent
    twice is harmless: the conditional claim in ``run_if_queued`` runs the job once.
    """
    now = now or timezone.now()
    lost = now - dt.timedelta(seconds=settings.JOBS_REDISPATCH_AFTER_SECONDS)
    sent = 0
    due = Job.objects.filter(state=Job.State.QUEUED, run_after__lte=now).filter(
        Q(dispatched_at__isnull=True)
        | Q(dispatched_at__lt=F("run_after"))
        | Q(dispatched_at__lt=lost)
    )
    for job_id in due.order_by("run_after", "pk").values_list("pk", flat=True)[:DISPATCH_BATCH]:
        marked = (
            Job.objects.filter(pk=job_id, state=Job.State.QUEUED)
            .filter(
                Q(dispatched_at__isnull=True)
                | Q(dispatched_at__lt=F("run_after"))
                | Q(dispatched_at__lt=lost)
            )
            .update(dispatched_at=now)
        )
        # Of several schedulers, the one whose update succeeded sends the message.
        if marked == 1 and dispatch(job_id):
            sent += 1
    return sent


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_next(*, worker: str) -> Job | None:
    """Claim the oldest due job, or ``None``.

    Claimed with a conditional UPDATE that succeeds for exactly one worker, so it works on
    SQLite (no SELECT ... FOR UPDATE) and on PostgreSQL alike.
    """
    now = timezone.now()
    for candidate in (
        Job.objects.filter(state=Job.State.QUEUED, run_after__lte=now)
        .order_by("run_after", "pk")
        .values_list("pk", flat=True)[:5]
    ):
        claimed = Job.objects.filter(pk=candidate, state=Job.State.QUEUED).update(
            state=Job.State.RUNNING, locked_at=now, locked_by=worker, attempts=F("attempts") + 1
        )
        if claimed == 1:
            return Job.objects.get(pk=candidate)
    return None


class _Heartbeat(threading.Thread):
    """While a job runs, refresh its ``locked_at`` so that ``requeue_stale`` takes only jobs
    whose worker really died, however long the job itself takes."""

    def __init__(self, job_id: int) -> None:
        super().__init__(name=f"job-{job_id}-heartbeat", daemon=True)
        self.job_id = job_id
        self.every = max(settings.JOBS_STALE_AFTER_SECONDS / 3, 0.5)
        self._stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopped.wait(self.every):
                try:
                    Job.objects.filter(pk=self.job_id, state=Job.State.RUNNING).update(
                        locked_at=timezone.now()
                    )
                except DatabaseError as exc:
                    log.warning("job #%s heartbeat failed: %s", self.job_id, exc)
        finally:
            connections.close_all()  # this thread's own connections

    def stop(self) -> None:
        self._stopped.set()
        self.join(timeout=self.every + 5)


def run_if_queued(job_id: int, *, worker: str) -> Job | None:
    """Claim one job by id and run it; ``None`` if it is gone or not waiting (already run,
    running elsewhere, failed for good). This is what a Celery message does."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, state=Job.State.QUEUED, run_after__lte=now).update(
        state=Job.State.RUNNING, locked_at=now, locked_by=worker, attempts=F("attempts") + 1
    )
    if claimed != 1:
        return None
    return run_job(job_id, worker=worker)


def run_job(job_id: int, *, worker: str = "") -> Job:
    """Run one job now. A failure is recorded and retried later with back-off."""
    autodiscover()
    job = Job.objects.get(pk=job_id)
    if job.state == Job.State.QUEUED:
        # Run directly (eager mode): claim it so that a worker does not run it as well.
        updated = Job.objects.filter(pk=job.pk, state=Job.State.QUEUED).update(
            state=Job.State.RUNNING,
            locked_at=timezone.now(),
            locked_by=worker or "eager",
            attempts=F("attempts") + 1,
        )
        if updated != 1:
            return job
        job.refresh_from_db()
    spec = JOBS.get(job.name)
    heartbeat = _Heartbeat(job.pk)
    heartbeat.start()
    try:
        if spec is None:
            raise KeyError(ERROR_UNKNOWN_JOB.format(name=job.name))
        spec.function(**job.payload)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the job and retried
        log.warning("job %s #%s failed: %s", job.name, job.pk, exc)
        job.last_error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
        # A lost connection or a deadlock says nothing about the job: retry it even when it
        # allows only one attempt (an import), a few more times.
        transient = isinstance(exc, OperationalError | InterfaceError)
        limit = job.max_attempts + (TRANSIENT_RETRIES if transient else 0)
        if job.attempts >= limit:
            job.state = Job.State.FAILED
            job.finished = timezone.now()
        else:
            job.state = Job.State.QUEUED
            job.run_after = timezone.now() + _backoff(job.attempts, exc)
        job.locked_at = None
        job.save(update_fields=["last_error", "state", "finished", "run_after", "locked_at"])
        return job
    finally:
        heartbeat.stop()
    job.state = Job.State.DONE
    job.finished = timezone.now()
    job.locked_at = None
    job.save(update_fields=["state", "finished", "locked_at"])
    return job


def requeue_stale() -> int:
    """Put back jobs whose worker died mid-run (they are retried; jobs must be idempotent)."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.JOBS_STALE_AFTER_SECONDS)
    return Job.objects.filter(state=Job.State.RUNNING, locked_at__lt=cutoff).update(
        state=Job.State.QUEUED,
        locked_at=None,
        dispatched_at=None,
        last_error="The worker stopped while running this job.",
    )


def enqueue_periodic(now: dt.datetime | None = None) -> list[str]:
    """Enqueue each periodic job whose period has passed; return the names enqueued."""
    autodiscover()
    now = now or timezone.now()
    enqueued = []
    for spec in JOBS.values():
        if spec.every is None:
            continue
        with transaction.atomic():
            mark, created = ScheduleMark.objects.get_or_create(
                name=spec.name, defaults={"last_enqueued": now}
            )
            due = created or mark.last_enqueued <= now - spec.every
            if not created:
                # Conditional update: of several schedulers, only one wins each period.
                due = (
                    due
                    and ScheduleMark.objects.filter(
                        name=spec.name, last_enqueued=mark.last_enqueued
                    ).update(last_enqueued=now)
                    == 1
                )
            if due:
                enqueue(spec.name)
                enqueued.append(spec.name)
    return enqueued


def failed_jobs(*, office: Office | None) -> Any:
    return Job.objects.filter(Q(office=office) | Q(office__isnull=True), state=Job.State.FAILED)
