"""The append-only, hash-chained audit log.

Each office has its own chain (``chain`` = "office:<id>", or "system" for events that
belong to no office, such as a failed sign-in for an unknown address). Entry N stores the
hash of entry N-1 and its own SHA-256 over a canonical encoding of its fields, so a
changed, deleted, inserted or reordered row breaks the chain at a place ``audit verify``
can name. The ORM refuses to update or delete entries; on PostgreSQL a trigger does too.
"""

from __future__ import annotations

import hashlib
import json
from typing import ClassVar

from django.conf import settings
from django.db import models

from civicshield.web.immutable import ImmutableModel

GENESIS_HASH = "0" * 64
REFUSED_MESSAGE = "Audit log entries cannot be changed or deleted."


class AuditLogImmutable(Exception):
    """Raised when code tries to change or delete an audit entry."""


class ChainHead(models.Model):
    """The latest entry of each chain, so that deleting the newest entries is noticed too.

    Writers lock this row while appending, which also keeps two writers from forking a chain.
    """

    chain = models.CharField(max_length=40, primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"{self.chain} at #{self.seq}"


class AuditEntry(ImmutableModel):
    chain = models.CharField(max_length=40, db_index=True)
    seq = models.PositiveBigIntegerField()
    created = models.DateTimeField()
    office = models.ForeignKey(
        "accounts.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    # A snapshot of who acted, kept even if the person's account is later removed.
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=100, blank=True)
    target_label = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    Immutable = AuditLogImmutable
    REFUSED_MESSAGE = REFUSED_MESSAGE

    class Meta:
        ordering = ("-created", "-seq")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_entry_chain_seq_unique"),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["office", "-created"], name="audit_office_created"),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.action}"

    def canonical(self) -> bytes:
        """The bytes the entry's hash covers: every field but the hash itself, sorted."""
        fields = {
            "chain": self.chain,
            "seq": self.seq,
            "created": self.created.isoformat(timespec="microseconds"),
            "office": self.office_id,
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "target_label": self.target_label,
            "details": self.details,
            "prev_hash": self.prev_hash,
        }
        return json.dumps(
            fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
        ).encode("utf-8")

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()
