"""Evidence: records that never change once written, cases that group an author's items, and
the reports made to each platform.

An ``EvidenceRecord`` keeps the original content byte for byte with its SHA-256, the author's
profile as it stood at capture, and who recorded it. Like the audit log it cannot be changed
or deleted (the ORM refuses, and on PostgreSQL a trigger does too); a correction is a new
record that ``supersedes`` the old one. Screenshots taken later by the background job are
``EvidenceScreenshot`` rows, append-only in the same way, so the record itself stays as written.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone

from civicshield.web.immutable import ImmutableModel as SharedImmutableModel
from civicshield.web.inbox.models import Platform

REFUSED_MESSAGE = "Evidence cannot be changed or deleted. Record a correction instead."


class EvidenceImmutable(Exception):
    """Raised when code tries to change or delete a piece of evidence."""


class ImmutableModel(SharedImmutableModel):
    """Evidence rows are written once; corrections are new rows."""

    Immutable = EvidenceImmutable
    REFUSED_MESSAGE = REFUSED_MESSAGE

    class Meta:
        abstract = True


class EvidenceRecord(ImmutableModel):
    """One message recorded as evidence, exactly as it was when captured."""

    office = models.ForeignKey("accounts.Office", on_delete=models.PROTECT, related_name="+")
    message = models.ForeignKey(
        "inbox.Message", on_delete=models.PROTECT, related_name="evidence_records"
    )
    # The exact stored original: raw RFC 5322 bytes for email when we have them, otherwise the
    # text's UTF-8 bytes and a canonical JSON of the platform fields (core.evidence.encode_original).
    original_bytes = models.BinaryField()
    original_format = models.CharField(max_length=40)
    sha256 = models.CharField(max_length=64)
    # The author's profile as it stood at capture: accounts are often deleted afterwards.
    author_snapshot = models.JSONField(default=dict)
    url = models.URLField(max_length=1000, blank=True)
    platform = models.CharField(max_length=20, choices=Platform.choices)
    platform_id = models.CharField(max_length=300)
    posted_at = models.DateTimeField(null=True, blank=True)
    captured_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="+"
    )
    # Name and email at the time, kept even if the person later leaves the office.
    recorded_by_label = models.CharField(max_length=300)
    # Screenshots supplied when recording (the background job adds EvidenceScreenshot rows).
    screenshot_post = models.BinaryField(null=True, blank=True)
    screenshot_post_sha256 = models.CharField(max_length=64, blank=True)
    screenshot_profile = models.BinaryField(null=True, blank=True)
    screenshot_profile_sha256 = models.CharField(max_length=64, blank=True)
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    note = models.TextField(blank=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["office", "message", "-captured_at"], name="evidence_by_message"),
        ]

    def __str__(self) -> str:
        return f"Evidence #{self.pk} ({self.get_platform_display()} {self.platform_id})"


class EvidenceScreenshot(ImmutableModel):
    """A screenshot of the post, the author's profile page or avatar, or why none could be taken."""

    class Kind(models.TextChoices):
        POST = "post", "The post"
        PROFILE = "profile", "The author's profile page"
        AVATAR = "avatar", "The author's avatar picture"

    record = models.ForeignKey(EvidenceRecord, on_delete=models.PROTECT, related_name="screenshots")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    url = models.URLField(max_length=1000, blank=True)
    image = models.BinaryField(null=True, blank=True)
    """PNG bytes, or null when the screenshot could not be taken."""
    sha256 = models.CharField(max_length=64, blank=True)
    taken_at = models.DateTimeField(default=timezone.now)
    error = models.TextField(blank=True)
    """'screenshot not available: <reason>' when there is no image."""

    def __str__(self) -> str:
        return f"Screenshot of {self.get_kind_display().lower()} for evidence #{self.record_id}"


class Case(models.Model):
    """An author's items grouped together: platforms cannot join repeated replies into one report."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey("inbox.Author", on_delete=models.PROTECT, related_name="cases")
    title = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        "accounts.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    items = models.ManyToManyField("inbox.Message", related_name="cases", blank=True)

    def __str__(self) -> str:
        return self.title


class PlatformReport(models.Model):
    """One report made to a platform about a case, with its reference number and outcome."""

    class Outcome(models.TextChoices):
        WAITING = "waiting", "Waiting for the platform"
        REMOVED = "removed", "Content removed"
        SUSPENDED = "suspended", "Account suspended or banned"
        RESTRICTED = "restricted", "Account restricted or warned"
        NO_ACTION = "no_action", "Platform took no action"
        OTHER = "other", "Other (see notes)"

    class Via(models.TextChoices):
        FORM = "form", "The platform's report form"
        API = "api", "CivicShield, through the platform's API"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reports")
    platform = models.CharField(max_length=20, choices=Platform.choices)
    reported_at = models.DateTimeField(default=timezone.now)
    reference = models.CharField(
        max_length=200, blank=True, help_text="The platform's reference or ticket number, if any"
    )
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.WAITING)
    outcome_at = models.DateTimeField(null=True, blank=True)
    via = models.CharField(max_length=10, choices=Via.choices, default=Via.FORM)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        "accounts.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        ref = f" ref {self.reference}" if self.reference else ""
        return f"Report to {self.get_platform_display()}{ref}"
