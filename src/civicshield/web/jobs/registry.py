"""Job functions register here by name; the engines look them up by that name.

A job takes plain, JSON-able keyword arguments (ids, not objects), loads its rows, calls a
service, and nothing else, so that the embedded engine and Celery can run the same code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

JobFunction = Callable[..., Any]


@dataclass(frozen=True)
class JobSpec:
    name: str
    function: JobFunction
    max_attempts: int
    every: dt.timedelta | None
    """For periodic jobs: how often the scheduler enqueues it (with no arguments)."""


JOBS: dict[str, JobSpec] = {}


def job(
    name: str, *, max_attempts: int = 5, every: dt.timedelta | None = None
) -> Callable[[JobFunction], JobFunction]:
    def register(function: JobFunction) -> JobFunction:
        if name in JOBS and JOBS[name].function is not function:
            raise ValueError(f"two jobs are called {name!r}")
        JOBS[name] = JobSpec(name, function, max_attempts, every)
        return function

    return register


def autodiscover() -> None:
    """Import every installed app's ``jobs`` module (where job functions live)."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("jobs")
