from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from civicshield.web.jobs import services
from civicshield.web.jobs.models import Job
from civicshield.web.jobs.registry import JOBS, job
from civicshield.web.jobs.worker import Worker

pytestmark = pytest.mark.django_db

CALLS: list[dict[str, object]] = []


@job("tests.record_call", max_attempts=3)
def _record_call(**payload: object) -> None:
    CALLS.append(payload)


@job("tests.always_fails", max_attempts=2)
def _always_fails() -> None:
    raise RuntimeError("the mail server said no")


class _Throttled(Exception):
    retry_after = 600.0


@job("tests.throttled", max_attempts=3)
def _throttled() -> None:
    raise _Throttled("429 Too Many Requests")


@pytest.fixture(autouse=True)
def _clear_calls():
    CALLS.clear()


def test_an_enqueued_job_runs_once_on_the_worker():
    services.enqueue("tests.record_call", message_id=7)
    worker = Worker()
    assert worker.run_once() is True
    assert worker.run_once() is False
    assert CALLS == [{"message_id": 7}]
    assert Job.objects.get().state == Job.State.DONE


def test_a_failing_job_is_retried_with_backoff_then_marked_failed():
    services.enqueue("tests.always_fails")
    worker = Worker()
    assert worker.run_once()
    failed_once = Job.objects.get()
    assert failed_once.state == Job.State.QUEUED
    assert "the mail server said no" in failed_once.last_error
    assert failed_once.run_after > timezone.now()
    assert not worker.run_once()  # not due yet
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        assert worker.run_once()
    final = Job.objects.get()
    assert final.state == Job.State.FAILED
    assert final.attempts == 2
    assert list(services.failed_jobs(office=None)) == [final]


def test_a_service_asking_to_wait_is_not_retried_sooner():
    services.enqueue("tests.throttled")
    before = timezone.now()
    assert Worker().run_once()
    waiting = Job.objects.get()
    assert waiting.state == Job.State.QUEUED
    # The first back-off would be 30 seconds; the service asked for 10 minutes.
    assert waiting.run_after >= before + dt.timedelta(seconds=600)
    assert waiting.run_after <= timezone.now() + dt.timedelta(seconds=601)


def test_an_unreasonable_wait_is_capped_at_an_hour():
    assert services._backoff(1, _Throttled()) == dt.timedelta(seconds=600)
    huge = _Throttled()
    huge.retry_after = 10**9
    assert services._backoff(1, huge) == dt.timedelta(seconds=services.MAX_BACKOFF_SECONDS)
    assert services._backoff(3) == dt.timedelta(seconds=120)


def test_a_job_is_claimed_by_only_one_worker():
    services.enqueue("tests.record_call", n=1)
    first = services.claim_next(worker="a")
    second = services.claim_next(worker="b")
    assert first is not None and second is None


def test_jobs_of_a_dead_worker_are_requeued():
    services.enqueue("tests.record_call", n=1)
    claimed = services.claim_next(worker="dead")
    assert claimed is not None
    with time_machine.travel(timezone.now() + services.STALE_AFTER + dt.timedelta(minutes=1)):
        assert services.requeue_stale() == 1
        assert Worker().run_once()
    assert CALLS == [{"n": 1}]


def test_eager_mode_runs_after_commit(settings, django_capture_on_commit_callbacks):
    settings.JOBS_RUN_EAGERLY = True
    with django_capture_on_commit_callbacks(execute=True):
        services.enqueue("tests.record_call", n=2)
        assert CALLS == []  # not before the commit
    assert CALLS == [{"n": 2}]


def test_unknown_job_names_are_refused():
    with pytest.raises(KeyError):
        services.enqueue("no.such.job")


def test_periodic_jobs_are_enqueued_once_per_period():
    job("tests.periodic", every=dt.timedelta(hours=1))(lambda: None)
    try:
        now = timezone.now()
        assert "tests.periodic" in services.enqueue_periodic(now)
        assert "tests.periodic" not in services.enqueue_periodic(now + dt.timedelta(minutes=30))
        assert "tests.periodic" in services.enqueue_periodic(now + dt.timedelta(minutes=61))
        assert Job.objects.filter(name="tests.periodic").count() == 2
    finally:
        JOBS.pop("tests.periodic")
