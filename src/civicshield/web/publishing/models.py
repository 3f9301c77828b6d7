"""Connected accounts, drafts and the approval trail behind every post."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from civicshield.web.accounts.models import Membership, Office
from civicshield.web.accounts.roles import Role
from civicshield.web.encryption import EncryptedTextField


class Platform(models.TextChoices):
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"


# How long a post may be (characters as the platform counts them; see checks.character_count).
MAX_CHARACTERS = {Platform.MASTODON: 500, Platform.BLUESKY: 300}


class ConnectedAccount(models.Model):
    """A social media account the office posts to. Its secrets are encrypted and never shown."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="social_accounts")
    platform = models.CharField(max_length=20, choices=Platform.choices)
    handle = models.CharField(max_length=300, help_text="e.g. @janemorgan@mastodon.social")
    server_url = models.URLField(
        help_text="The account's server: the Mastodon instance or the Bluesky PDS"
    )
    # Secrets: encrypted at rest, never rendered, logged or exported.
    client_id = EncryptedTextField(blank=True, default="")
    client_secret = EncryptedTextField(blank=True, default="")
    access_token = EncryptedTextField(blank=True, default="")
    app_password = EncryptedTextField(blank=True, default="")
    # Bluesky's saved session, reused so that each use does not sign in again.
    session = EncryptedTextField(blank=True, default="")
    is_demo = models.BooleanField(
        default=False, help_text="A demonstration account: nothing is ever sent anywhere"
    )
    is_active = models.BooleanField(default=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    connected_at = models.DateTimeField(default=timezone.now)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    # The Mastodon OAuth flow is half-done between "authorize" and "code": this marks it.
    oauth_state = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering: ClassVar[list[str]] = ["platform", "handle"]

    def __str__(self) -> str:
        demo = " (demo)" if self.is_demo else ""
        return f"{self.get_platform_display()} {self.handle}{demo}"

    @property
    def max_characters(self) -> int:
        return MAX_CHARACTERS[Platform(self.platform)]

    @property
    def is_connected(self) -> bool:
        return self.is_active and not self.oauth_state


class AccountAccess(models.Model):
    """Who may draft, approve or publish on one account. No row: the role's usual rights."""

    account = models.ForeignKey(ConnectedAccount, on_delete=models.CASCADE, related_name="access")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    can_draft = models.BooleanField(default=True)
    can_approve = models.BooleanField(default=True)
    can_publish = models.BooleanField(default=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["account", "member"], name="publishing_access_one_per_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member.user} on {self.account}"


def _default_approver_roles() -> list[str]:
    return [Role.REPRESENTATIVE, Role.OFFICE_MANAGER]


def _empty_list() -> list[str]:
    return []


class ApprovalPolicy(models.Model):
    """How a post on one account gets signed off."""

    class SignOff(models.TextChoices):
        NEVER = "never", "Not needed"
        ALWAYS = "always", "For every post"
        TOPICS = "topics", "For posts on chosen topics"

    account = models.OneToOneField(
        ConnectedAccount, on_delete=models.CASCADE, related_name="policy"
    )
    approvals_required = models.PositiveSmallIntegerField(default=1)
    approver_roles = models.JSONField(default=_default_approver_roles)
    representative_sign_off = models.CharField(
        max_length=10, choices=SignOff.choices, default=SignOff.TOPICS
    )
    sign_off_topics = models.JSONField(
        default=_empty_list,
        blank=True,
        help_text="Topics (words) that need the representative's own approval",
    )

    def __str__(self) -> str:
        return f"Approval policy for {self.account}"


class CheckMode(models.TextChoices):
    BLOCK = "block", "Block publishing until fixed or overridden"
    WARN = "warn", "Warn only"


class CheckSettings(models.Model):
    """Per office: whether each pre-publish check blocks or warns, and the private list."""

    office = models.OneToOneField(Office, on_delete=models.CASCADE, related_name="+")
    privacy = models.CharField(max_length=10, choices=CheckMode.choices, default=CheckMode.BLOCK)
    images = models.CharField(max_length=10, choices=CheckMode.choices, default=CheckMode.BLOCK)
    links = models.CharField(max_length=10, choices=CheckMode.choices, default=CheckMode.BLOCK)
    tone = models.CharField(max_length=10, choices=CheckMode.choices, default=CheckMode.WARN)
    private_names = models.JSONField(
        default=_empty_list,
        blank=True,
        help_text="Names and places never to post: family, children, schools, home street",
    )
    allowed_details = models.JSONField(
        default=_empty_list,
        blank=True,
        help_text="The office's public phone number, email and address, which may be posted",
    )

    def __str__(self) -> str:
        return f"Pre-publish checks for {self.office}"


class Draft(models.Model):
    """A post on its way to one account, from first words to published (or not)."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHING = "publishing", "Publishing"
        PUBLISHED = "published", "Published"
        # Stored as "rejected"; people read "Sent back": the author can edit and send it again.
        REJECTED = "rejected", "Sent back"
        WITHDRAWN = "withdrawn", "Withdrawn"
        FAILED = "failed", "Failed"
        DELETED = "deleted", "Deleted from the platform"

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="drafts")
    account = models.ForeignKey(ConnectedAccount, on_delete=models.PROTECT, related_name="drafts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(blank=True)
    topics = models.JSONField(default=_empty_list, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    version = models.PositiveIntegerField(default=1)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    # Who scheduled it: the person the audit log names for the post the job then makes.
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    platform_id = models.CharField(max_length=300, blank=True, default="")
    platform_url = models.URLField(max_length=500, blank=True, default="")
    last_error = models.TextField(blank=True, default="")
    rejection_reason = models.TextField(blank=True, default="")
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["-updated", "-pk"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["office", "state"], name="publishing_draft_state"),
            models.Index(fields=["state", "scheduled_for"], name="publishing_draft_due"),
        ]

    def __str__(self) -> str:
        words = self.text.split()
        preview = " ".join(words[:8]) + ("…" if len(words) > 8 else "")
        return f"Draft #{self.pk}: {preview}" if preview else f"Draft #{self.pk}"


class DraftVersion(models.Model):
    """The text (and images) of a draft as it stood after each edit."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField(blank=True)
    images = models.JSONField(default=list, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["-number"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["draft", "number"], name="publishing_version_unique"),
        ]

    def __str__(self) -> str:
        return f"Version {self.number} of draft #{self.draft_id}"


class DraftImage(models.Model):
    """A photo for a draft, stored with its metadata already removed."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="images")
    data = models.BinaryField()
    content_type = models.CharField(max_length=50)
    alt_text = models.TextField(blank=True, default="")
    original_name = models.CharField(max_length=200, blank=True, default="")
    # What the photo gave away before stripping: shown to the person who uploaded it.
    metadata_found = models.JSONField(default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["created", "pk"]

    def __str__(self) -> str:
        return self.original_name or f"Image #{self.pk}"


class Comment(models.Model):
    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    version = models.PositiveIntegerField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["created", "pk"]

    def __str__(self) -> str:
        return f"Comment by {self.author} on draft #{self.draft_id}"


class Approval(models.Model):
    """One person's approval of one version. An edit makes a new version that needs new ones."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    is_representative = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["created", "pk"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["draft", "approver", "version"], name="publishing_approval_once"
            ),
        ]

    def __str__(self) -> str:
        return f"Approval by {self.approver.user} of version {self.version}"


class CheckOverride(models.Model):
    """Someone chose to publish despite a blocking check, and said why."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="overrides")
    check_name = models.CharField(max_length=20)
    version = models.PositiveIntegerField()
    reason = models.TextField()
    by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Override of {self.check_name} on draft #{self.draft_id}"


class PublishAttempt(models.Model):
    """The idempotency record: written before the platform call, reconciled after.

    1. ``pending`` is committed with a fresh key before the connector is called.
    2. The connector posts with that key; the result is committed as ``confirmed``.
    A worker killed between 1 and 2 leaves ``pending``: the retry first asks the platform
    whether the key was already used (``find_published``), and posts with the same key only
    if not, so one draft makes one post.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Sending"
        CONFIRMED = "confirmed", "Posted"
        FAILED = "failed", "Failed"

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="attempts")
    version = models.PositiveIntegerField()
    idempotency_key = models.CharField(max_length=64, unique=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    tries = models.PositiveIntegerField(default=0)
    platform_id = models.CharField(max_length=300, blank=True, default="")
    url = models.URLField(max_length=500, blank=True, default="")
    error = models.TextField(blank=True, default="")
    created = models.DateTimeField(default=timezone.now)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["draft", "version"], name="publishing_one_attempt_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"Publishing draft #{self.draft_id} version {self.version}"
