"""The Celery engine: used only when ``CELERY_BROKER_URL`` is set (``civicshield worker``).

A Celery message carries nothing but a job id. The Job row in the database is the durable
record: it is written in the caller's transaction, claimed with a conditional UPDATE (so a
message delivered twice runs the job once), and re-dispatched by ``civicshield scheduler``
if its message is lost (a broker restart, a worker killed mid-task). Celery and redis are
imported only here, so the embedded default needs neither.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicshield.web.settings")

TASK_NAME = "civicshield.run_job"
DATABASE_RETRY_SECONDS = 5

app = Celery("civicshield")


def configure(broker_url: str, *, visibility_timeout: int) -> None:
    app.conf.update(
        broker_url=broker_url,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": visibility_timeout},
        task_default_queue="civicshield",
        # A message is acknowledged only once the job has run, and handed to another worker
        # when the one running it dies; the job's conditional claim keeps that to one run.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
    )


def _run_job(self: Any, job_id: int) -> None:
    from django.db import DatabaseError, close_old_connections

    from civicshield.web.jobs import services

    try:
        services.run_if_queued(job_id, worker=services.worker_id())
    except DatabaseError as exc:
        # The database is away (restarting, failing over): try again shortly. The job row
        # keeps its state, so whatever happens to this message the job runs exactly once.
        close_old_connections()
        raise self.retry(exc=exc, countdown=DATABASE_RETRY_SECONDS, max_retries=120) from exc


run_job_task: Any = app.task(
    name=TASK_NAME, bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True
)(_run_job)


def _fresh_connections(**kwargs: Any) -> None:
    # Celery sends no request signals: drop broken or expired database connections here,
    # as Django does around each web request.
    from django.db import close_old_connections

    close_old_connections()


signals.task_prerun.connect(_fresh_connections, weak=False)
signals.task_postrun.connect(_fresh_connections, weak=False)


def _configure_from_settings() -> None:
    import django
    from django.conf import settings

    django.setup()
    configure(settings.CELERY_BROKER_URL, visibility_timeout=settings.CELERY_VISIBILITY_TIMEOUT)


_configure_from_settings()
