"""What the data protection page reads; every query is limited to the member's office."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from civicshield.web.accounts.models import Membership
from civicshield.web.dataprotection.models import LastPurge, LegalHold, RetentionSetting
from civicshield.web.dataprotection.retention import KINDS, RetentionKind
from civicshield.web.inbox.models import Author, Message

PURGE_OVERDUE_AFTER = dt.timedelta(days=2)
"""The purge runs daily; older than this, the page says the background work may be stopped."""
AUTHOR_SEARCH_LIMIT = 20


@dataclass(frozen=True)
class RetentionRow:
    kind: RetentionKind
    days: int | None
    """The period in force: the office's own setting, or the default."""
    is_default: bool

    @property
    def purged(self) -> bool:
        """Whether anything is deleted automatically (templates would call ``kind.purge``)."""
        return self.kind.purge is not None


def retention_list_for_member(*, member: Membership) -> list[RetentionRow]:
    own = dict(RetentionSetting.objects.filter(office=member.office).values_list("kind", "days"))
    return [
        RetentionRow(kind, own[name] if name in own else kind.default_days, name not in own)
        for name, kind in KINDS.items()
    ]


def hold_list_for_member(*, member: Membership) -> QuerySet[LegalHold]:
    """Active holds first, then lifted ones; newest first within each."""
    return (
        LegalHold.objects.filter(office=member.office)
        .select_related("author", "message__author", "placed_by__user")
        .order_by(F("lifted_at").desc(nulls_first=True), "-placed_at")
    )


def hold_get_for_member(*, member: Membership, pk: int) -> LegalHold:
    return get_object_or_404(LegalHold, office=member.office, pk=pk)


def holds_active_for(
    *, author: Author | None = None, message: Message | None = None
) -> list[LegalHold]:
    holds = LegalHold.objects.filter(lifted_at__isnull=True).select_related("placed_by__user")
    if author is not None:
        return list(holds.filter(author=author).order_by("placed_at"))
    return list(holds.filter(message=message).order_by("placed_at"))


def author_search_for_member(*, member: Membership, query: str) -> QuerySet[Author]:
    query = query.strip()
    authors = Author.objects.filter(office=member.office)
    if not query:
        return authors.none()
    return authors.filter(handle__icontains=query).order_by("handle")[:AUTHOR_SEARCH_LIMIT]


def people_list_for_member(*, member: Membership) -> QuerySet[Membership]:
    """Everyone who is or was on the office's staff (former staff can ask for their data too)."""
    return (
        Membership.objects.filter(office=member.office)
        .select_related("user")
        .order_by("-is_active", "user__full_name")
    )


@dataclass(frozen=True)
class PurgeStatus:
    last: LastPurge | None
    overdue: bool
    deleted: list[tuple[str, int]]
    """(label, how many) for each kind the last run deleted something of."""


def purge_status_for_member(*, member: Membership) -> PurgeStatus:
    last = LastPurge.objects.filter(office=member.office).first()
    overdue = last is None or timezone.now() - last.ran_at > PURGE_OVERDUE_AFTER
    counts = last.counts if last is not None else {}
    deleted = [
        (KINDS[name].label if name in KINDS else name, count)
        for name, count in counts.items()
        if count
    ]
    return PurgeStatus(last, overdue, deleted)
