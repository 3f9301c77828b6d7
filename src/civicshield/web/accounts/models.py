"""People, offices and who belongs where."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone

from civicshield.web.accounts.roles import CAPABILITIES, Capability, Role


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. Sign-in is by email address."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def has_two_factor(self) -> bool:
        from django_otp import user_has_device

        return bool(user_has_device(self, confirmed=True))


def _weekdays() -> list[int]:
    return [0, 1, 2, 3, 4]


class Office(models.Model):
    """One representative's office: the unit whose data is kept apart from every other."""

    class Kind(models.TextChoices):
        MP = "mp", "Member of Parliament"
        CANDIDATE = "candidate", "Prospective parliamentary candidate"
        COUNCILLOR = "councillor", "Councillor"
        OTHER = "other", "Other elected representative"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.MP)
    time_zone = models.CharField(max_length=64, default="Europe/London")
    own_domains = models.JSONField(
        default=list, blank=True, help_text="The office's own email domains, e.g. parliament.uk"
    )
    created = models.DateTimeField(default=timezone.now)
    # Agreed check-in hours (NCSC/saferpolitics: set boundaries, say them in the bio). Outside
    # them nothing pings anyone except critical items.
    checkin_start = models.TimeField(default=dt.time(9, 0))
    checkin_end = models.TimeField(default=dt.time(17, 30))
    checkin_days = models.JSONField(
        default=_weekdays, help_text="Days of the week with check-in hours, 0 = Monday"
    )
    # One switch that stops every scheduled post (also thrown by incident mode).
    publishing_paused = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.name

    def within_checkin_hours(self, moment: dt.datetime | None = None) -> bool:
        """Whether ``moment`` (default now) falls in the office's check-in hours, in its time zone."""
        local = (moment or timezone.now()).astimezone(zoneinfo.ZoneInfo(self.time_zone))
        if local.weekday() not in self.checkin_days:
            return False
        return self.checkin_start <= local.time() < self.checkin_end


class Membership(models.Model):
    """A person's place in an office: their role, and whether they take out-of-hours alerts."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    on_call = models.BooleanField(
        default=False, help_text="Receives alerts for critical items at any hour"
    )
    is_active = models.BooleanField(default=True)
    created = models.DateTimeField(default=timezone.now)
    ended = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["office", "user"], name="accounts_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.office})"

    def can(self, capability: Capability) -> bool:
        return self.is_active and capability in CAPABILITIES[self.role]
