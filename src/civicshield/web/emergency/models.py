"""The emergency recovery plan (contacts, playbooks) and incidents with their timelines."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from civicshield.web.accounts.models import Office


class PlaybookKind(models.TextChoices):
    HACKED_ACCOUNT = "hacked_account", "An account has been hacked"
    DAMAGING_POST = "damaging_post", "A damaging post by a staff member"
    THREAT_TO_SAFETY = "threat_to_safety", "A threat to someone's safety"
    LOST_DEVICE = "lost_device", "A lost or stolen phone or laptop"
    DATA_BREACH = "data_breach", "Personal data has leaked"


class EmergencyPlan(models.Model):
    office = models.OneToOneField(Office, on_delete=models.CASCADE, related_name="emergency_plan")
    notes = models.TextField(
        blank=True, help_text="Anything everyone should know first, e.g. where the spare laptop is"
    )
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Emergency plan of {self.office}"


class PlanContact(models.Model):
    """Someone to call or write to, in the order the plan lists them."""

    plan = models.ForeignKey(EmergencyPlan, on_delete=models.CASCADE, related_name="contacts")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=200)
    when = models.CharField(max_length=300, blank=True, help_text="When to contact them")
    phone = models.CharField(max_length=50, blank=True)
    email = models.EmailField(blank=True)
    url = models.URLField(blank=True)
    notify_on_incident = models.BooleanField(
        default=False,
        help_text="Email them automatically when incident mode starts (the office's own people, "
        "the party, IT support; never a public reporting address)",
    )

    class Meta:
        ordering = ("position", "pk")

    def __str__(self) -> str:
        return self.name


class Playbook(models.Model):
    plan = models.ForeignKey(EmergencyPlan, on_delete=models.CASCADE, related_name="playbooks")
    kind = models.CharField(max_length=30, choices=PlaybookKind.choices)
    steps = models.TextField(help_text="One step a line, in order")

    class Meta:
        ordering = ("pk",)

    def __str__(self) -> str:
        return self.get_kind_display()

    def step_list(self) -> list[str]:
        return [line.strip() for line in self.steps.splitlines() if line.strip()]


class Incident(models.Model):
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="incidents")
    kind = models.CharField(max_length=30, choices=PlaybookKind.choices)
    summary = models.CharField(max_length=300, blank=True)
    is_drill = models.BooleanField(default=False)
    accounts = models.ManyToManyField("team.PlatformAccount", blank=True, related_name="incidents")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_what_happened = models.TextField(blank=True)
    review_what_worked = models.TextField(blank=True)
    review_what_to_change = models.TextField(blank=True)

    class Meta:
        ordering = ("-opened_at",)

    def __str__(self) -> str:
        label = "Drill" if self.is_drill else "Incident"
        return f"{label}: {self.get_kind_display()} ({self.opened_at:%d %b %Y})"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class IncidentStep(models.Model):
    class Action(models.TextChoices):
        NONE = "", "None"
        FORWARDING_AUDIT = "forwarding_audit", "Run the mail forwarding audit"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField()
    text = models.CharField(max_length=500)
    account = models.ForeignKey(
        "team.PlatformAccount", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=30, choices=Action.choices, blank=True, default="")
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("position",)

    def __str__(self) -> str:
        return self.text


class TimelineEntry(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()

    class Meta:
        ordering = ("at", "pk")
        verbose_name_plural = "timeline entries"

    def __str__(self) -> str:
        return self.text[:80]


class ContactNotice(models.Model):
    """One email to one plan contact about one incident; sent by a job, retried until done."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notices")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"Notice to {self.email}"
