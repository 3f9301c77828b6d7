"""The kinds of data with a retention period, and how each is purged.

Apps register a kind with ``@retention_kind(...)`` on a purge function
``purge(office, cutoff) -> int`` that deletes that office's items older than ``cutoff`` and
returns how many went. Held items (``held_messages``) must be left alone by every purge.
Kinds registered by apps not installed simply do not appear.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q

from civicshield.web.accounts.models import Office

Purge = Callable[[Office, dt.datetime], int]


@dataclass(frozen=True)
class RetentionKind:
    name: str
    label: str
    """Plain words for the settings page, e.g. "Dismissed messages"."""
    default_days: int | None
    """None: kept until someone deletes it (never purged automatically)."""
    purge: Purge | None
    """None: nothing is purged automatically for this kind (yet)."""
    min_days: int = 1
    """The shortest period an office may choose (the audit log must outlive a dispute)."""


KINDS: dict[str, RetentionKind] = {}


def retention_kind(
    name: str, *, label: str, default_days: int | None, min_days: int = 1
) -> Callable[[Purge], Purge]:
    def register(purge: Purge) -> Purge:
        KINDS[name] = RetentionKind(name, label, default_days, purge, min_days)
        return purge

    return register


def declare_kind(name: str, *, label: str, default_days: int | None) -> None:
    """A kind with a retention setting but no automatic purge."""
    KINDS.setdefault(name, RetentionKind(name, label, default_days, None))


def protected_by_references(model: type[models.Model], *, ignore: tuple[str, ...] = ()) -> Q:
    """Rows another table refers to with on_delete=PROTECT (evidence records, cases): deleting
    them would fail, and whatever protects them is kept on purpose. Legal holds are checked
    separately (a lifted hold no longer protects), and ``ignore`` names more models to skip."""
    condition = Q(pk__in=[])
    for relation in model._meta.related_objects:
        related = relation.related_model
        if isinstance(related, str):
            continue
        label = related._meta.label
        if label == "dataprotection.LegalHold" or label in ignore:
            continue
        if relation.on_delete is models.PROTECT and not relation.many_to_many:
            condition |= Q(**{f"{relation.field.related_query_name()}__isnull": False})
    return condition


def delete_with_lifted_holds(queryset: models.QuerySet[Any]) -> dict[str, int]:
    """Delete rows together with the records of holds placed on them and lifted since."""
    from civicshield.web.dataprotection.models import LegalHold

    field = "message" if queryset.model._meta.label == "inbox.Message" else "author"
    LegalHold.objects.filter(**{f"{field}__in": queryset.values("pk")}).filter(
        lifted_at__isnull=False
    ).delete()
    _, per_model = queryset.delete()
    return per_model


def held_messages(office: Office) -> Q:
    """Messages that no purge or erasure may touch: under a legal hold (their own or their
    author's), or referred to by evidence or anything else that protects them."""
    from civicshield.web.dataprotection.models import LegalHold

    holds = LegalHold.objects.filter(office=office, lifted_at__isnull=True)
    return (
        Q(pk__in=holds.filter(message__isnull=False).values("message_id"))
        | Q(author_id__in=holds.filter(author__isnull=False).values("author_id"))
        | protected_by_references(_message_model())
    )


def _message_model() -> type[models.Model]:
    from civicshield.web.inbox.models import Message

    return Message


# --- the kinds CivicShield itself has ----------------------------------------------------------


@retention_kind("inbox.dismissed_messages", label="Dismissed inbox messages", default_days=180)
def purge_dismissed_messages(office: Office, cutoff: dt.datetime) -> int:
    from civicshield.web.inbox.models import Message

    old = Message.objects.filter(office=office, state=Message.State.DISMISSED).filter(
        Q(state_changed_at__lt=cutoff) | Q(state_changed_at__isnull=True, received_at__lt=cutoff)
    )
    per_model = delete_with_lifted_holds(old.exclude(held_messages(office)))
    return int(per_model.get("inbox.Message", 0))


declare_kind("evidence", label="Evidence", default_days=None)


# Kept at least a year whatever the office chooses: the log is how a dispute about who did
# what is settled, and how a breach is investigated.
@retention_kind("audit_log", label="Audit log", default_days=6 * 365, min_days=365)
def purge_audit_log(office: Office, cutoff: dt.datetime) -> int:
    from civicshield.web.audit.purge import audit_purge

    return audit_purge(office=office, cutoff=cutoff)
