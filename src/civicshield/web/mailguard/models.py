"""The office's trusted contacts, its watched mailboxes, checked emails and forwarding audits."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone

from civicshield.web.encryption import EncryptedBinaryField, EncryptedTextField


class Verdict(models.TextChoices):
    PHISHING = "phishing", "Phishing"
    SUSPICIOUS = "suspicious", "Suspicious"
    CLEAN = "clean", "Nothing suspicious found"
    UNREADABLE = "unreadable", "Could not be checked"


class TrustedContact(models.Model):
    """Someone the office knows: mail that pretends to be them is what spear-phishing looks like."""

    class Source(models.TextChoices):
        CSV = "csv", "CSV import"
        VCARD = "vcard", "vCard import"
        MANUAL = "manual", "Added by hand"

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=320)
    # A number the office already has: the "check by a different means" advice points here.
    phone = models.CharField(max_length=50, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["office", "email"], name="mailguard_contact_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class WatchedMailbox(models.Model):
    """A mailbox CivicShield watches for phishing (IMAP) and audits for forwarding (all kinds)."""

    class Kind(models.TextChoices):
        IMAP = "imap", "Email mailbox (IMAP and ManageSieve)"
        MICROSOFT365 = "microsoft365", "Microsoft 365"
        GMAIL = "gmail", "Gmail / Google Workspace"

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.IMAP)
    address = models.CharField(max_length=320, blank=True, help_text="The mailbox's email address")
    # Non-secret IMAP settings: host, port, username, folder, security, sieve_host.
    settings = models.JSONField(default=dict, blank=True)
    # The IMAP/ManageSieve password, encrypted at rest, never shown again.
    password = EncryptedTextField(blank=True, default="")
    sieve_port = models.PositiveIntegerField(
        null=True, blank=True, help_text="ManageSieve port (usually 4190); empty if none"
    )
    # Access token for Microsoft Graph or the Gmail API, encrypted at rest, never shown again.
    oauth_token = EncryptedTextField(blank=True, default="")
    # From "Connect with Microsoft 365 / Google": the refresh token (encrypted; it lasts until
    # revoked) and when the access token above runs out (about an hour after it was issued).
    oauth_refresh_token = EncryptedTextField(blank=True, default="")
    oauth_expires_at = models.DateTimeField(null=True, blank=True)
    # Set when the provider refused the refresh token (invalid_grant): "Sign-in expired".
    sign_in_expired_at = models.DateTimeField(null=True, blank=True)
    move_phishing = models.BooleanField(
        default=False, help_text="Move emails judged phishing into a 'Suspicious' folder"
    )
    # Microsoft 365 and Gmail: the office chose "check new email for phishing" AND the sign-in
    # granted the mail scope (oauth.MICROSOFT_MAIL_SCOPES / GOOGLE_MAIL_SCOPES). IMAP mailboxes
    # are always watched.
    watch_mail = models.BooleanField(default=False)
    # Where the watcher stopped: IMAP {"uidvalidity": ..., "last_uid": ...}; Microsoft 365
    # {"link": delta link, "since": ...}; Gmail {"history_id": ...}.
    cursor = models.JSONField(default=dict, blank=True)
    last_checked = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "watched mailboxes"

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def is_connected(self) -> bool:
        return self.enabled and bool(self.password or self.oauth_token or self.oauth_refresh_token)

    @property
    def is_cloud(self) -> bool:
        return self.kind in (self.Kind.MICROSOFT365, self.Kind.GMAIL)

    @property
    def is_watched(self) -> bool:
        """Whether the phishing watch runs on this mailbox (IMAP always, cloud when chosen)."""
        return not self.is_cloud or self.watch_mail

    @property
    def needs_reconnect(self) -> bool:
        """A cloud mailbox whose sign-in expired, or connected before sign-in existed (with a
        pasted token that lasted an hour): only signing in again makes its check work."""
        return self.is_cloud and (
            self.sign_in_expired_at is not None or not self.oauth_refresh_token
        )


class ScannedEmail(models.Model):
    """One email checked: pasted or uploaded by a person, or found by the mailbox watcher."""

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    # Empty for emails pasted or uploaded on the check page.
    mailbox = models.ForeignKey(
        WatchedMailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="scanned"
    )
    message_id = models.CharField(max_length=998, blank=True)
    subject = models.CharField(max_length=998, blank=True)
    sender = models.CharField(max_length=998, blank=True)
    verdict = models.CharField(max_length=12, choices=Verdict.choices)
    score = models.FloatField(default=0.0)
    findings = models.JSONField(default=list, blank=True)
    scanned_at = models.DateTimeField(default=timezone.now)
    scanned_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The original, kept so it can be reported to the NCSC; deleted after RAW_KEEP_DAYS.
    # Encrypted at rest: it holds whatever the office was sent, names and addresses included.
    raw = EncryptedBinaryField(blank=True, default=b"")
    raw_sha256 = models.CharField(max_length=64, blank=True)
    raw_deleted_at = models.DateTimeField(null=True, blank=True)
    # Where the watcher found it (and left it: the Suspicious folder if it was moved).
    imap_uid = models.PositiveBigIntegerField(null=True, blank=True)
    imap_uidvalidity = models.PositiveBigIntegerField(null=True, blank=True)
    imap_folder = models.CharField(max_length=300, blank=True)
    imap_tags = models.JSONField(default=list, blank=True)
    moved = models.BooleanField(default=False)
    reported_at = models.DateTimeField(null=True, blank=True)
    reported_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            # The watcher stores a message before tagging it; if it is interrupted and scans the
            # same message again, this keeps it to one row.
            models.UniqueConstraint(
                fields=["mailbox", "raw_sha256"],
                condition=models.Q(mailbox__isnull=False),
                name="mailguard_scanned_once_per_mailbox",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["office", "-scanned_at"], name="mailguard_scanned_recent"),
            models.Index(fields=["mailbox", "verdict"], name="mailguard_scanned_by_verdict"),
        ]

    def __str__(self) -> str:
        return f"{self.subject or '(no subject)'} ({self.verdict})"

    @property
    def is_flagged(self) -> bool:
        return self.verdict in (Verdict.PHISHING, Verdict.SUSPICIOUS)

    @property
    def can_be_reported(self) -> bool:
        return self.raw_deleted_at is None and self.verdict != Verdict.UNREADABLE


class SeenDomain(models.Model):
    """A registered domain the office has had clean mail from, or a link to in clean mail.

    Once the office has enough clean mail behind it (``services.SEEN_DOMAINS_LEARNING``), links
    to any other domain are pointed out as "never seen in this office's mail before", a weak
    sign: phishing sites are new, the office's everyday websites are not.
    """

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    domain = models.CharField(max_length=253)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    messages = models.PositiveIntegerField(default=1)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["office", "domain"], name="mailguard_seen_domain_once"),
        ]

    def __str__(self) -> str:
        return self.domain


class ForwardingAuditRun(models.Model):
    """One forwarding check of one mailbox. Every run is kept, so the office can show it looked."""

    class Status(models.TextChoices):
        OK = "ok", "No forwarding outside the office"
        FOUND = "found", "Forwarding outside the office found"
        FAILED = "failed", "The check could not run"

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    mailbox = models.ForeignKey(WatchedMailbox, on_delete=models.CASCADE, related_name="audits")
    started = models.DateTimeField(default=timezone.now)
    finished = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    findings = models.JSONField(default=list, blank=True)
    checked = models.JSONField(default=list, blank=True)
    problems = models.JSONField(default=list, blank=True)
    summary = models.TextField(blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    alert_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["mailbox", "-started"], name="mailguard_audit_history"),
        ]

    def __str__(self) -> str:
        return f"Forwarding check of {self.mailbox_id} at {self.started:%Y-%m-%d %H:%M}"

    @property
    def alerts(self) -> list[dict[str, object]]:
        return [f for f in self.findings if f.get("alert")]
