"""Jobs through two real Celery workers: run once, survive a killed worker, a Redis outage and
a PostgreSQL restart without losing a message or ingesting one twice."""

from __future__ import annotations

import json
import os
import signal
import uuid

import pytest
from django.db import transaction

from tests.scale.conftest import shell, wait_for

pytestmark = [
    pytest.mark.celery,
    pytest.mark.skipif(
        not os.environ.get("CELERY_BROKER_URL"),
        reason="needs real Celery workers and Redis (the CI's third profile)",
    ),
]


def _import(rows: int, office=None, start: int = 0):
    """A queued import of ``rows`` distinct messages (into an office of its own unless given),
    committed."""
    from civicshield.web.accounts.services import office_create
    from civicshield.web.inbox.models import ImportRun
    from civicshield.web.jobs import services as jobs

    tag = uuid.uuid4().hex[:10]
    lines = [
        json.dumps(
            {
                "id": f"{tag}-{n}",
                "author": f"@user{n % 97}",
                "text": f"Message {n}: you are a disgrace and should resign"
                if n % 3
                else f"Thanks for your help with the bus route, message {n}",
            }
        )
        for n in range(start, start + rows)
    ]
    with transaction.atomic():
        office = office or office_create(name=f"Scale test office {tag}", own_domains=[])
        run = ImportRun.objects.create(
            office=office,
            kind="table",
            platform="mastodon",
            filename="load.jsonl",
            upload="\n".join(lines).encode(),
        )
        job = jobs.enqueue("inbox.run_import", office=office, import_id=run.pk)
    return office, run, job


def _finished(job):
    def job_done() -> bool:
        job.refresh_from_db()
        return job.state in ("done", "failed")

    return job_done


def _message_ids(office) -> list[str]:
    from civicshield.web.inbox.models import Message

    return list(Message.objects.filter(office=office).values_list("platform_id", flat=True))


@pytest.mark.usefixtures("live_db")
def test_an_import_runs_once_on_the_workers_even_when_its_message_is_sent_three_times():
    from civicshield.web.jobs import services as jobs

    office, run, job = _import(300)
    jobs.dispatch(job.pk)
    jobs.dispatch(job.pk)
    wait_for(_finished(job), what="the import job")
    run.refresh_from_db()
    assert job.state == "done" and job.attempts == 1, job.last_error
    assert run.status == "done" and run.added == 300
    ids = _message_ids(office)
    assert len(ids) == 300 and len(set(ids)) == 300


@pytest.mark.usefixtures("live_db")
def test_jobs_from_many_offices_all_finish_once():
    jobs = [_import(50)[2] for _ in range(12)]
    for job in jobs:
        wait_for(_finished(job), what=f"job {job.pk}")
    assert {(j.state, j.attempts) for j in jobs} == {("done", 1)}


@pytest.mark.usefixtures("live_db")
def test_imports_into_one_office_with_the_same_authors_run_side_by_side():
    # Both workers write the same authors' rows at once: no deadlock may fail an import.
    office, _, first = _import(400)
    jobs = [first] + [_import(400, office=office)[2] for _ in range(5)]
    for job in jobs:
        wait_for(_finished(job), what=f"job {job.pk}")
    assert {j.state for j in jobs} == {"done"}, [j.last_error for j in jobs]
    ids = _message_ids(office)
    assert len(ids) == 2400 and len(set(ids)) == 2400


@pytest.mark.usefixtures("live_db")
def test_killing_the_worker_process_mid_import_loses_nothing_and_adds_nothing_twice():
    from civicshield.web.inbox.models import ImportRun

    office, run, job = _import(6000)

    def import_is_under_way() -> bool:
        job.refresh_from_db()
        return (
            job.state == "running" and ImportRun.objects.filter(pk=run.pk, processed__gt=0).exists()
        )

    wait_for(import_is_under_way, what="the import to start")
    host, pid = job.locked_by.rsplit(":", 1)
    os.kill(int(pid), signal.SIGKILL)  # the process running the job, mid-task
    wait_for(_finished(job), what="the import to be retried and finish")
    run.refresh_from_db()
    assert job.state == "done" and job.attempts >= 2
    assert job.locked_by != f"{host}:{pid}"
    ids = _message_ids(office)
    assert len(ids) == 6000 and len(set(ids)) == 6000


@pytest.mark.usefixtures("live_db")
def test_jobs_queued_while_redis_is_down_run_once_it_is_back():
    shell("CIVICSHIELD_TEST_REDIS_STOP")
    try:
        waiting = [_import(40) for _ in range(3)]  # the requests still succeed
        for office, _, job in waiting:
            job.refresh_from_db()
            # (dispatched_at may flicker: the scheduler keeps trying to send it meanwhile)
            assert job.state == "queued" and _message_ids(office) == []
    finally:
        shell("CIVICSHIELD_TEST_REDIS_START")
    for office, _, job in waiting:
        wait_for(_finished(job), what="a job queued during the outage")
        assert job.state == "done" and job.attempts == 1
        assert len(_message_ids(office)) == 40


@pytest.mark.usefixtures("live_db")
def test_a_postgres_restart_mid_import_loses_nothing_and_adds_nothing_twice():
    from civicshield.web.inbox.models import ImportRun

    office, run, job = _import(6000)

    def import_is_under_way() -> bool:
        return ImportRun.objects.filter(pk=run.pk, processed__gt=0).exists()

    wait_for(import_is_under_way, what="the import to start")
    shell("CIVICSHIELD_TEST_POSTGRES_RESTART")
    wait_for(_finished(job), what="the import to finish after the restart")
    assert job.state == "done", job.last_error
    ids = _message_ids(office)
    assert len(ids) == 6000 and len(set(ids)) == 6000
