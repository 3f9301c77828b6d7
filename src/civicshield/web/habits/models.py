"""Habits: the office's casework contact for bios, and the security self-assessment."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from civicshield.web.accounts.models import Office


class HabitSettings(models.Model):
    office = models.OneToOneField(Office, on_delete=models.CASCADE, related_name="habit_settings")
    casework_contact = models.CharField(
        max_length=120,
        blank=True,
        help_text="Where support requests should go instead of DMs, e.g. an email address",
    )
    assessment_interval_days = models.PositiveIntegerField(default=182)
    assessment_reminded = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Habit settings for {self.office}"


class Assessment(models.Model):
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="assessments")
    started = models.DateTimeField(default=timezone.now)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-started",)

    def __str__(self) -> str:
        return f"Security self-assessment of {self.started:%d %b %Y}"


class Status(models.TextChoices):
    MET = "met", "Met"
    PARTLY = "partly", "Partly met"
    NOT_MET = "not_met", "Not met"
    UNANSWERED = "", "Not answered yet"


class Risk(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class AssessmentAnswer(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    control_id = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=Status.choices, blank=True, default="")
    comment = models.TextField(blank=True, help_text="How it is done")
    residual_risk = models.CharField(max_length=10, choices=Risk.choices, blank=True)
    improvement = models.CharField(max_length=300, blank=True)
    prefilled = models.BooleanField(default=False)
    task = models.ForeignKey(
        "team.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("pk",)
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["assessment", "control_id"], name="habits_answer_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.control_id}: {self.status or 'unanswered'}"
