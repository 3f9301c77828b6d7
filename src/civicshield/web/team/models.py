"""The office's account inventory, invitations, offboarding records, tasks and access reviews."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from civicshield.web.accounts.models import Membership, Office


class TeamSettings(models.Model):
    """Per-office settings for access reviews and credential rotation."""

    office = models.OneToOneField(Office, on_delete=models.CASCADE, related_name="team_settings")
    review_interval_days = models.PositiveIntegerField(
        default=90, help_text="How often the office manager confirms everyone's access."
    )
    rotation_due_days = models.PositiveIntegerField(
        default=2, help_text="Days allowed to change a password after someone leaves."
    )

    def __str__(self) -> str:
        return f"Team settings for {self.office}"


class PlatformAccount(models.Model):
    """One account or shared login the office has. Never holds the secret itself."""

    class Platform(models.TextChoices):
        FACEBOOK = "facebook", "Facebook"
        INSTAGRAM = "instagram", "Instagram"
        X = "x", "X (Twitter)"
        THREADS = "threads", "Threads"
        MASTODON = "mastodon", "Mastodon"
        BLUESKY = "bluesky", "Bluesky"
        LINKEDIN = "linkedin", "LinkedIn"
        TIKTOK = "tiktok", "TikTok"
        YOUTUBE = "youtube", "YouTube"
        EMAIL = "email", "Email mailbox"
        WEBSITE = "website", "Website admin"
        OTHER = "other", "Other"

    class TwoFactor(models.TextChoices):
        APP = "app", "On, with an authenticator app"
        KEY = "key", "On, with a security key or passkey"
        SMS = "sms", "On, but by text message (SMS)"
        OFF = "off", "Off"
        UNKNOWN = "unknown", "Not known"

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="platform_accounts")
    platform = models.CharField(max_length=20, choices=Platform.choices)
    name = models.CharField(max_length=200, help_text="e.g. Constituency Facebook page")
    handle = models.CharField(max_length=200, blank=True, help_text="Address, @name or page link")
    owner = models.ForeignKey(
        Membership,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_accounts",
        help_text="Who is responsible for this account",
    )
    access = models.ManyToManyField(
        Membership,
        blank=True,
        related_name="reachable_accounts",
        help_text="Everyone who knows the password or can sign in to it",
    )
    shared_login = models.BooleanField(
        default=False, help_text="Several people sign in with the same password"
    )
    two_factor = models.CharField(
        max_length=10, choices=TwoFactor.choices, default=TwoFactor.UNKNOWN
    )
    recovery_confirmed = models.DateField(
        null=True, blank=True, help_text="When the recovery email and phone were last checked"
    )
    password_changed = models.DateField(
        null=True, blank=True, help_text="When the password was last changed"
    )
    recovery_url = models.URLField(blank=True, help_text="The platform's own account-recovery page")
    abuse_report_url = models.URLField(blank=True, help_text="The platform's own report page")
    notes = models.TextField(blank=True)
    is_closed = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("platform", "name")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_platform_display()})"

    @property
    def two_factor_ok(self) -> bool:
        return self.two_factor in (self.TwoFactor.APP, self.TwoFactor.KEY)


class Task(models.Model):
    """Something the office must do and track to done: a password rotation, an improvement."""

    class Kind(models.TextChoices):
        ROTATION = "rotation", "Change a password"
        IMPROVEMENT = "improvement", "Security improvement"

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="team_tasks")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    account = models.ForeignKey(
        PlatformAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    offboarding = models.ForeignKey(
        "Offboarding", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    assignee = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="team_tasks"
    )
    due = models.DateTimeField()
    created = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_note = models.CharField(max_length=500, blank=True)
    last_reminded = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("done_at", "due", "pk")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["office", "done_at", "due"], name="team_task_open_due"),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        return self.done_at is None and self.due < (now or timezone.now())


class Offboarding(models.Model):
    """The record of one person's departure: what was removed and which passwords must change."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="offboardings")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    leaver_name = models.CharField(max_length=200)
    leaver_email = models.EmailField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(default=timezone.now)
    sessions_ended = models.PositiveIntegerField(default=0)
    devices_removed = models.PositiveIntegerField(default=0)
    tokens_revoked = models.PositiveIntegerField(default=0)
    user_deactivated = models.BooleanField(default=False)
    accounts = models.JSONField(default=list, help_text="Names of the accounts they could reach")

    class Meta:
        ordering = ("-created",)

    def __str__(self) -> str:
        return f"Offboarding of {self.leaver_name} on {self.created:%d %b %Y}"


class Invitation(models.Model):
    """A single-use, expiring invitation link. Only a hash of its token is stored."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created",)

    def __str__(self) -> str:
        return f"Invitation for {self.email}"

    def is_usable(self, now: dt.datetime | None = None) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires > (now or timezone.now())
        )


class AccessReview(models.Model):
    """One round of confirming that everyone's access is still right."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="access_reviews")
    started = models.DateTimeField(default=timezone.now)
    due = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_reminded = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-started",)

    def __str__(self) -> str:
        return f"Access review started {self.started:%d %b %Y}"


class AccessReviewItem(models.Model):
    review = models.ForeignKey(AccessReview, on_delete=models.CASCADE, related_name="items")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["review", "membership"], name="team_review_item_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership} in {self.review}"
