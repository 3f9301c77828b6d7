"""The embedded job engine's queue: a table, claimed with a conditional UPDATE."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone


class Job(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "Waiting"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    name = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    office = models.ForeignKey(
        "accounts.Office", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=5)
    run_after = models.DateTimeField(default=timezone.now)
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.CharField(max_length=100, blank=True)
    last_error = models.TextField(blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    """Celery engine: when this job's message was last sent to the broker (None: not yet)."""
    created = models.DateTimeField(default=timezone.now)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            # The worker's "next due job" query.
            models.Index(fields=["state", "run_after"], name="jobs_due"),
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk} ({self.state})"


class ScheduleMark(models.Model):
    """When each periodic job was last enqueued, so many workers enqueue it once per period."""

    name = models.CharField(max_length=100, primary_key=True)
    last_enqueued = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} last enqueued {self.last_enqueued:%Y-%m-%d %H:%M}"
