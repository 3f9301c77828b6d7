"""Messages pulled in from platforms and mailboxes, who sent them, and what staff did about them."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone

from civicshield.core.findings import Severity
from civicshield.web.encryption import EncryptedTextField

SEVERITY_CHOICES = [(s.value, s.value.title()) for s in Severity]
REPEAT_OFFENDER_THRESHOLD = 3


class Platform(models.TextChoices):
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    EMAIL = "email", "Email"
    X = "x", "X (Twitter)"
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    OTHER = "other", "Other"


class Source(models.Model):
    """Where messages come from: a connected account or mailbox polled on a schedule, or imports."""

    class Kind(models.TextChoices):
        MASTODON = "mastodon", "Mastodon account"
        BLUESKY = "bluesky", "Bluesky account"
        IMAP = "imap", "Email mailbox (IMAP)"
        IMPORT = "import", "File import"
        API = "api", "Pushed through the API"

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=200)
    # Non-secret connection settings (server, user name, folder, instance address).
    settings = models.JSONField(default=dict, blank=True)
    # Password or access token, encrypted at rest, never shown.
    secret = EncryptedTextField(blank=True, default="")
    # For Mastodon and Bluesky: the connected account (publishing app) whose mentions are read;
    # its tokens stay in one place, so disconnecting the account stops both.
    account = models.ForeignKey(
        "publishing.ConnectedAccount",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="inbox_sources",
    )
    # Where the last poll stopped (per connector), so nothing is fetched twice or missed.
    cursor = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)
    last_polled = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Author(models.Model):
    """An account that sent messages, as seen on one platform."""

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    platform = models.CharField(max_length=20, choices=Platform.choices)
    handle = models.CharField(max_length=300)
    display_name = models.CharField(max_length=300, blank=True)
    profile_url = models.URLField(max_length=1000, blank=True)
    bio = models.TextField(blank=True)
    avatar_url = models.URLField(max_length=1000, blank=True)
    account_created = models.DateTimeField(null=True, blank=True)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    message_count = models.PositiveIntegerField(default=0)
    abusive_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["office", "platform", "handle"], name="inbox_author_unique"
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["office", "-abusive_count"], name="inbox_author_abusive"),
        ]

    def __str__(self) -> str:
        return f"{self.handle} on {self.get_platform_display()}"

    @property
    def is_repeat_offender(self) -> bool:
        return self.abusive_count >= REPEAT_OFFENDER_THRESHOLD


class Message(models.Model):
    class State(models.TextChoices):
        NEW = "new", "New"
        IN_REVIEW = "in_review", "In review"
        ACTIONED = "actioned", "Actioned"
        DISMISSED = "dismissed", "Dismissed"

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.SET_NULL)
    platform = models.CharField(max_length=20, choices=Platform.choices)
    # The platform's own id; with the office and platform it makes ingestion idempotent.
    platform_id = models.CharField(max_length=300)
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="messages")
    text = models.TextField()
    url = models.URLField(max_length=1000, blank=True)
    is_direct = models.BooleanField(default=False, help_text="A direct/private message")
    posted_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    raw = models.JSONField(default=dict, blank=True)
    # Classification (civicshield.core.abuse), done on arrival.
    abusive = models.BooleanField(default=False)
    score = models.FloatField(default=0.0)
    severity = models.CharField(max_length=10, choices=SEVERITY_CHOICES, default=Severity.NONE)
    severity_rank = models.PositiveSmallIntegerField(default=0)
    labels = models.JSONField(default=list, blank=True)
    spans = models.JSONField(default=list, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    # Triage.
    state = models.CharField(max_length=12, choices=State.choices, default=State.NEW)
    # True while new or in review; kept beside ``state`` so the queue reads one index range
    # in order (an IN over two states made the database sort).
    is_open = models.BooleanField(default=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    state_changed_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignee = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["office", "platform", "platform_id"], name="inbox_message_unique"
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            # The queue: an office's open items, worst first, then oldest first.
            models.Index(
                fields=["office", "is_open", "-severity_rank", "received_at"], name="inbox_queue"
            ),
            models.Index(fields=["office", "-severity_rank", "received_at"], name="inbox_all"),
            models.Index(fields=["author", "-received_at"], name="inbox_by_author"),
            models.Index(fields=["office", "received_at"], name="inbox_by_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} message {self.platform_id}"

    def set_state(self, state: str) -> None:
        self.state = state
        self.is_open = state in (self.State.NEW, self.State.IN_REVIEW)


class Note(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="notes")
    member = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Note on {self.message_id} by {self.member_id}"


class LabelCorrection(models.Model):
    """A person's correction of the classifier: kept as training data."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="corrections")
    member = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    labels_before = models.JSONField(default=list)
    labels_after = models.JSONField(default=list)
    severity_before = models.CharField(max_length=10)
    severity_after = models.CharField(max_length=10)
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Correction of {self.message_id}"


class Alert(models.Model):
    """One notification of one message to one person on one channel; unique, so never sent twice."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to send"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="alerts")
    recipient = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=20, default="email")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["message", "recipient", "channel"], name="inbox_alert_once"
            ),
        ]

    def __str__(self) -> str:
        return f"Alert {self.pk} ({self.status})"


class ApiToken(models.Model):
    """A token another tool uses to push messages in. Only its hash is stored."""

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        "accounts.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ImportRun(models.Model):
    """A file import, run as a background job, with its progress and the rows it skipped."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(
        "accounts.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=30)
    platform = models.CharField(max_length=20, blank=True)
    filename = models.CharField(max_length=300)
    upload = models.BinaryField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created = models.DateTimeField(default=timezone.now)
    finished = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Import {self.filename} ({self.status})"


class DigestMark(models.Model):
    """When each office's high-severity digest last went out."""

    office = models.OneToOneField("accounts.Office", on_delete=models.CASCADE, related_name="+")
    last_sent = models.DateTimeField()

    def __str__(self) -> str:
        return f"Digest for office {self.office_id} at {self.last_sent:%Y-%m-%d %H:%M}"
