"""The embedded engine's worker loop (``civicshield worker``; started by ``civicshield serve``)
and the scheduler loop (``civicshield scheduler``), which the Celery engine needs."""

from __future__ import annotations

import logging
import signal
import time
from types import FrameType

from django.conf import settings
from django.db import DatabaseError, close_old_connections

from civicshield.web.jobs import services

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, *, idle_sleep: float = 1.0, schedule_every: float = 30.0) -> None:
        self.idle_sleep = idle_sleep
        self.schedule_every = schedule_every
        self.stopping = False
        self.name = services.worker_id()

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def run_once(self) -> bool:
        """Run one due job if there is one; return whether one ran."""
        job = services.claim_next(worker=self.name)
        if job is None:
            return False
        services.run_job(job.pk, worker=self.name)
        return True

    def run_forever(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        log.info("CivicShield job worker %s started", self.name)
        next_schedule = 0.0
        while not self.stopping:
            close_old_connections()
            try:
                if time.monotonic() >= next_schedule:
                    services.requeue_stale()
                    services.enqueue_periodic()
                    next_schedule = time.monotonic() + self.schedule_every
                ran = self.run_once()
            except DatabaseError as exc:
                # The database restarted or is unreachable: wait and reconnect. A job that was
                # running stays "running" until requeue_stale puts it back.
                log.warning("database unavailable (%s); retrying", exc)
                close_old_connections()
                ran = False
            if not ran:
                time.sleep(self.idle_sleep)
        log.info("CivicShield job worker %s stopped", self.name)


class Scheduler:
    """Periodic jobs, stale jobs and (Celery engine) lost messages, every ``interval`` seconds.

    Every step is a conditional UPDATE on the database, so several schedulers on several
    machines can run at once without enqueueing or sending anything twice.
    """

    def __init__(self, *, interval: float = 5.0) -> None:
        self.interval = interval
        self.stopping = False

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def run_once(self) -> None:
        services.requeue_stale()
        services.enqueue_periodic()
        if settings.JOBS_ENGINE == "celery":
            services.dispatch_due()

    def run_forever(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        log.info("CivicShield scheduler started (%s engine)", settings.JOBS_ENGINE)
        while not self.stopping:
            close_old_connections()
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - a database or broker outage: try again next round
                log.exception("scheduler round failed; retrying in %s s", self.interval)
                close_old_connections()
            deadline = time.monotonic() + self.interval
            while not self.stopping and time.monotonic() < deadline:
                time.sleep(min(0.5, self.interval))
        log.info("CivicShield scheduler stopped")
