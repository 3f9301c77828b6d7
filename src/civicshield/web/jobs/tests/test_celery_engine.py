"""The Celery engine behind the same ``enqueue``: dispatch on commit, one run per job, and
re-dispatch of messages lost to a broker outage. No broker here: sending is replaced by a
recorder (the real workers are exercised by tests/scale in the third CI profile)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from civicshield.web.jobs import services
from civicshield.web.jobs.models import Job
from civicshield.web.jobs.registry import job
from civicshield.web.jobs.worker import Scheduler

pytestmark = pytest.mark.django_db

RUNS: list[int] = []


@job("tests.celery_counted", max_attempts=3)
def _counted(*, n: int) -> None:
    RUNS.append(n)


@job("tests.celery_flaky", max_attempts=3)
def _flaky(*, n: int) -> None:
    RUNS.append(n)
    if len(RUNS) == 1:
        raise ConnectionError("SMTP server unreachable")


class _Broker:
    def __init__(self) -> None:
        self.sent: list[int] = []
        self.down = False

    def delay(self, job_id: int) -> None:
        if self.down:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        self.sent.append(job_id)


@pytest.fixture
def broker(settings, monkeypatch):
    pytest.importorskip("celery")
    from civicshield.web import celery_app

    settings.JOBS_ENGINE = "celery"
    settings.JOBS_RUN_EAGERLY = False
    fake = _Broker()
    monkeypatch.setattr(celery_app.run_job_task, "delay", fake.delay)
    RUNS.clear()
    return fake


def test_a_job_is_sent_to_the_broker_only_when_the_transaction_commits(
    broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            queued = services.enqueue("tests.celery_counted", n=1)
            assert broker.sent == []
    assert broker.sent == [queued.pk]
    assert Job.objects.get().dispatched_at is not None


def test_a_rolled_back_change_sends_nothing_and_leaves_no_job(
    broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            services.enqueue("tests.celery_counted", n=1)
            raise RuntimeError("the caller's change failed")
    assert broker.sent == []
    assert not Job.objects.exists()


def test_a_message_delivered_twice_runs_the_job_once(broker):
    queued = services.enqueue("tests.celery_counted", n=5)
    first = services.run_if_queued(queued.pk, worker="a")
    second = services.run_if_queued(queued.pk, worker="b")
    assert first is not None and first.state == Job.State.DONE
    assert second is None
    assert RUNS == [5]


def test_a_message_for_a_job_running_elsewhere_does_nothing(broker):
    queued = services.enqueue("tests.celery_counted", n=5)
    Job.objects.filter(pk=queued.pk).update(state=Job.State.RUNNING, locked_at=timezone.now())
    assert services.run_if_queued(queued.pk, worker="b") is None
    assert RUNS == []


def test_with_the_broker_down_the_job_waits_and_the_scheduler_sends_it_later(
    broker, django_capture_on_commit_callbacks
):
    broker.down = True
    with django_capture_on_commit_callbacks(execute=True):
        queued = services.enqueue("tests.celery_counted", n=1)  # does not raise
    assert Job.objects.get().dispatched_at is None
    assert services.dispatch_due() == 0  # still down: nothing sent, nothing lost
    assert Job.objects.get().state == Job.State.QUEUED
    broker.down = False
    assert services.dispatch_due() == 1
    assert broker.sent == [queued.pk]
    assert services.dispatch_due() == 0  # already on its way: not sent again


def test_a_message_lost_with_the_broker_is_sent_again_after_a_while(broker, settings):
    settings.JOBS_REDISPATCH_AFTER_SECONDS = 60
    queued = services.enqueue("tests.celery_counted", n=1)
    broker.sent.clear()
    assert services.dispatch_due() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61)):
        assert services.dispatch_due() == 1
    assert broker.sent == [queued.pk]


def test_a_failed_job_is_sent_again_when_its_retry_is_due(broker):
    queued = services.enqueue("tests.celery_flaky", n=1)
    failed = services.run_if_queued(queued.pk, worker="a")
    assert failed is not None and failed.state == Job.State.QUEUED
    assert "SMTP server unreachable" in failed.last_error
    broker.sent.clear()
    assert services.dispatch_due() == 0  # back-off not over
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        assert services.dispatch_due() == 1
        done = services.run_if_queued(queued.pk, worker="a")
    assert done is not None and done.state == Job.State.DONE
    assert RUNS == [1, 1]


def test_a_job_whose_worker_died_is_put_back_and_sent_again(broker, settings):
    queued = services.enqueue("tests.celery_counted", n=1)
    Job.objects.filter(pk=queued.pk).update(
        state=Job.State.RUNNING, locked_at=timezone.now(), attempts=1
    )
    broker.sent.clear()
    with time_machine.travel(
        timezone.now() + dt.timedelta(seconds=settings.JOBS_STALE_AFTER_SECONDS + 1)
    ):
        Scheduler().run_once()  # also enqueues the periodic jobs, sent along with it
    assert queued.pk in broker.sent
    assert services.run_if_queued(queued.pk, worker="b") is not None
    assert RUNS == [1]
    assert Job.objects.get(pk=queued.pk).state == Job.State.DONE


def test_the_embedded_engine_sends_nothing_to_a_broker(settings, monkeypatch):
    settings.JOBS_ENGINE = "database"
    monkeypatch.setattr(services, "dispatch", lambda job_id: pytest.fail("dispatched"))
    services.enqueue("tests.celery_counted", n=1)
    assert Job.objects.get().dispatched_at is None


@job("tests.deadlocked_once", max_attempts=1)
def _deadlocked_once(*, n: int) -> None:
    from django.db import OperationalError

    RUNS.append(n)
    if len(RUNS) == 1:
        raise OperationalError("deadlock detected")


def test_a_deadlock_or_lost_connection_is_retried_even_for_a_one_attempt_job(broker):
    queued = services.enqueue("tests.deadlocked_once", n=1)
    first = services.run_if_queued(queued.pk, worker="a")
    assert first is not None and first.state == Job.State.QUEUED
    assert "deadlock detected" in first.last_error
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        done = services.run_if_queued(queued.pk, worker="a")
    assert done is not None and done.state == Job.State.DONE


def test_a_one_attempt_job_that_fails_for_its_own_reasons_is_not_retried(broker):
    queued = services.enqueue("tests.celery_flaky", n=1)
    Job.objects.filter(pk=queued.pk).update(max_attempts=1)
    failed = services.run_if_queued(queued.pk, worker="a")
    assert failed is not None and failed.state == Job.State.FAILED
