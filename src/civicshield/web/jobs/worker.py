"""The embedded engine's worker loop (``civicshield worker``; started by ``civicshield serve``)."""

from __future__ import annotations

import logging
import signal
import time
from types import FrameType

from django.db import close_old_connections

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
            if time.monotonic() >= next_schedule:
                services.requeue_stale()
                services.enqueue_periodic()
                next_schedule = time.monotonic() + self.schedule_every
            if not self.run_once():
                time.sleep(self.idle_sleep)
        log.info("CivicShield job worker %s stopped", self.name)
