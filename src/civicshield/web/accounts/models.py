"""People, offices and who belongs where."""

from __future__ import annotations

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

    def __str__(self) -> str:
        return self.name


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
