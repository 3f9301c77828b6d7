"""Retention settings per office and kind of data, and legal holds that stop any deletion."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone


class RetentionSetting(models.Model):
    """How long an office keeps one kind of data (the registry in ``retention.py`` lists the
    kinds and their defaults); ``days`` empty means keep it until someone deletes it."""

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=60)
    days = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["office", "kind"], name="retention_office_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.days if self.days is not None else 'keep'} days"


class LegalHold(models.Model):
    """Keep everything about an author (or one message) whatever the retention settings say:
    police investigations, court proceedings. Neither the purge nor erasure touches it."""

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        "inbox.Author", null=True, blank=True, on_delete=models.PROTECT, related_name="holds"
    )
    message = models.ForeignKey(
        "inbox.Message", null=True, blank=True, on_delete=models.PROTECT, related_name="holds"
    )
    reason = models.CharField(max_length=300)
    placed_by = models.ForeignKey(
        "accounts.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    placed_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(author__isnull=False) | Q(message__isnull=False),
                name="legal_hold_has_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"Legal hold: {self.reason}"


class LastPurge(models.Model):
    """When the daily retention purge last ran for an office, and what it deleted or why it
    failed. One row per office, replaced each run; each deletion is also in the audit log."""

    office = models.OneToOneField(
        "accounts.Office", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    ran_at = models.DateTimeField()
    counts = models.JSONField(default=dict, blank=True)
    """Items deleted per kind of data, e.g. ``{"inbox.dismissed_messages": 3}``."""
    error = models.TextField(blank=True)
    """Empty when the run finished; otherwise what stopped it."""

    def __str__(self) -> str:
        return f"Purge of office {self.office_id} at {self.ran_at:%Y-%m-%d %H:%M}"
