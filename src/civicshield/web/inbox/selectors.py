"""Reading the inbox, always inside the member's office."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.shortcuts import get_object_or_404
from django.utils import timezone

from civicshield.core.findings import Severity
from civicshield.web.accounts.models import Membership
from civicshield.web.inbox.models import Alert, Author, Message


def message_list_for_member(*, member: Membership, filters: dict[str, Any]) -> QuerySet[Message]:
    """The queue: worst first, then oldest first. Volunteers never reach this (no capability)."""
    messages = Message.objects.filter(office=member.office).select_related(
        "author", "assignee__user"
    )
    state = filters.get("state") or "open"
    if state == "open":
        messages = messages.filter(is_open=True)
    elif state != "all":
        messages = messages.filter(state=state)
    if filters.get("platform"):
        messages = messages.filter(platform=filters["platform"])
    if filters.get("severity"):
        # By rank, which the queue index holds, rather than by the severity's name.
        messages = messages.filter(severity_rank=Severity(filters["severity"]).rank)
    if filters.get("label"):
        # JSON containment is not portable to SQLite; labels are short, so match the text.
        messages = messages.filter(labels__icontains=f'"{filters["label"]}"')
    if filters.get("assignee") == "me":
        messages = messages.filter(assignee=member)
    elif filters.get("assignee") == "nobody":
        messages = messages.filter(assignee__isnull=True)
    if filters.get("author"):
        messages = messages.filter(author__handle__icontains=filters["author"])
    if not filters.get("include_clean") and not filters.get("severity"):
        # (Skipped with a severity filter: a second condition on the rank made SQLite's
        # planner pick a range scan over the wrong index.)
        messages = messages.filter(severity_rank__gt=0)
    return messages.order_by("-severity_rank", "received_at", "pk")


def message_get_for_member(*, member: Membership, pk: int) -> Message:
    return get_object_or_404(
        Message.objects.select_related("author", "assignee__user", "state_changed_by__user"),
        office=member.office,
        pk=pk,
    )


def author_get_for_member(*, member: Membership, pk: int) -> Author:
    return get_object_or_404(Author, office=member.office, pk=pk)


def author_linked_accounts(*, author: Author) -> QuerySet[Author]:
    """Accounts on other platforms with the same display name or the same handle stem."""
    stem = author.handle.lstrip("@").split("@")[0].split(".")[0].lower()
    same = Q(handle__istartswith=stem) | Q(handle__istartswith="@" + stem)
    if author.display_name:
        same |= Q(display_name__iexact=author.display_name)
    return Author.objects.filter(office_id=author.office_id).filter(same).exclude(pk=author.pk)[:20]


def author_severity_trend(*, author: Author, days: int = 30) -> list[dict[str, Any]]:
    since = timezone.now() - dt.timedelta(days=days)
    rows = (
        Message.objects.filter(author=author, received_at__gte=since)
        .annotate(day=TruncDate("received_at"))
        .values("day", "severity")
        .annotate(n=Count("id"))
        .order_by("day")
    )
    return list(rows)


def inbox_counts(*, member: Membership) -> dict[str, int]:
    open_items = Message.objects.filter(office=member.office, is_open=True)
    return {
        "open_abusive": open_items.filter(severity_rank__gt=0).count(),
        "open_critical": open_items.filter(severity_rank=4).count(),
    }


def dashboard_stats(*, member: Membership, days: int = 14) -> dict[str, Any]:
    since = timezone.now() - dt.timedelta(days=days)
    recent = Message.objects.filter(office=member.office, received_at__gte=since)
    per_day = list(
        recent.annotate(day=TruncDate("received_at"))
        .values("day")
        .annotate(total=Count("id"), abusive=Count("id", filter=Q(abusive=True)))
        .order_by("day")
    )
    labels: dict[str, int] = {}
    for row in (
        recent.filter(abusive=True).values_list("labels", flat=True).iterator(chunk_size=5000)
    ):
        for label in row or []:
            labels[label] = labels.get(label, 0) + 1
    total = sum(r["total"] for r in per_day)
    abusive = sum(r["abusive"] for r in per_day)
    peak = max([r["total"] for r in per_day] or [1])
    return {
        "per_day": [
            {
                **r,
                "pct": round(100 * r["total"] / peak),
                "abusive_pct": round(100 * r["abusive"] / peak),
            }
            for r in per_day
        ],
        "labels": [
            (label, n, round(100 * n / max(labels.values())))
            for label, n in sorted(labels.items(), key=lambda kv: -kv[1])
        ],
        "total": total,
        "abusive": abusive,
        "share_abusive": round(100 * abusive / total) if total else 0,
        "top_authors": Author.objects.filter(office=member.office, abusive_count__gt=0).order_by(
            "-abusive_count"
        )[:5],
        "open_critical": Message.objects.filter(office=member.office, is_open=True, severity_rank=4)
        .select_related("author")
        .order_by("received_at")[:10],
        "failed_alerts": Alert.objects.filter(
            office=member.office, status=Alert.Status.FAILED
        ).count(),
        "pending_alerts": Alert.objects.filter(
            office=member.office, status=Alert.Status.PENDING
        ).count(),
    }


def highlighted(text: str, spans: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """Split text into (piece, label-or-None) for safe highlighting in a template (auto-escaped)."""
    cuts = sorted(
        (int(s["start"]), int(s["end"]), str(s.get("label", "")))
        for s in spans
        if isinstance(s, dict) and 0 <= int(s.get("start", -1)) < int(s.get("end", -1)) <= len(text)
    )
    pieces: list[tuple[str, str | None]] = []
    position = 0
    for start, end, label in cuts:
        if start < position:
            continue  # overlapping spans: keep the first
        if start > position:
            pieces.append((text[position:start], None))
        pieces.append((text[start:end], label or "flagged"))
        position = end
    if position < len(text):
        pieces.append((text[position:], None))
    return pieces
