"""End-to-end tests through real Celery workers, Redis and PostgreSQL (the third CI profile).

These tests do not use pytest-django's throw-away test database: the workers are separate
processes and can only see committed rows in a database they know. So ``.ci/run`` creates a
dedicated database, migrates it, starts Redis, two ``civicshield worker`` processes and a
``civicshield scheduler`` on it, and runs ``pytest -m celery tests/scale`` with the same
environment. Here ``django_db_setup`` is replaced by nothing (use that database as it is)
and each test writes committed rows into an office of its own.

Environment (all set by .ci/run; the tests are skipped without CELERY_BROKER_URL):

- ``CELERY_BROKER_URL``, ``DATABASE_URL``, ``CIVICSHIELD_DATA_DIR``: shared with the workers.
- The workers and scheduler run with ``JOBS_STALE_AFTER_SECONDS`` and
  ``JOBS_REDISPATCH_AFTER_SECONDS`` of a few seconds, so that recovery shows within a test.
- ``CIVICSHIELD_TEST_REDIS_STOP`` / ``CIVICSHIELD_TEST_REDIS_START`` and
  ``CIVICSHIELD_TEST_POSTGRES_RESTART``: shell commands for the fault tests (skipped if unset).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator

import pytest


@pytest.fixture(scope="session")
def django_db_setup() -> None:
    """Use the live, already migrated database that the workers use."""


@pytest.fixture
def live_db(django_db_blocker) -> Iterator[None]:
    with django_db_blocker.unblock():
        yield


def shell(variable: str) -> None:
    command = os.environ.get(variable)
    if not command:
        pytest.skip(f"{variable} is not set (the CI's third profile sets it)")
    subprocess.run(command, shell=True, check=True, timeout=120)  # noqa: S602 - our own CI's command


def wait_for(condition: Callable[[], bool], *, timeout: float = 180.0, what: str = "") -> None:
    """Poll ``condition`` (surviving database restarts) until it holds, or fail."""
    from django.db import DatabaseError, close_old_connections, connections

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except DatabaseError:
            connections.close_all()
        close_old_connections()
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what or condition.__name__}")
