"""Reading drafts and accounts: always through the acting member's office (404 for any other)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from civicshield.web.accounts.models import Membership
from civicshield.web.audit.models import AuditEntry
from civicshield.web.publishing import rules
from civicshield.web.publishing.models import ConnectedAccount, Draft, DraftImage


def account_list_for_member(*, member: Membership) -> QuerySet[ConnectedAccount]:
    return ConnectedAccount.objects.filter(office=member.office).exclude(
        is_active=False, oauth_state__gt=""
    )


def account_get_for_member(*, member: Membership, pk: int) -> ConnectedAccount:
    return get_object_or_404(ConnectedAccount.objects.filter(office=member.office), pk=pk)


def account_reading_problems(*, account: ConnectedAccount) -> list[str]:
    """What the inbox could not read from this account at its last check (shown beside the fix).

    ``account`` has already been fetched through the member's office.
    """
    sources = account.inbox_sources.filter(enabled=True).exclude(last_error="")
    return sorted(set(sources.values_list("last_error", flat=True)))


def draft_list_for_member(*, member: Membership, state: str = "") -> QuerySet[Draft]:
    drafts = Draft.objects.filter(office=member.office).select_related("account", "author")
    return drafts.filter(state=state) if state else drafts


def draft_get_for_member(*, member: Membership, pk: int) -> Draft:
    return get_object_or_404(
        Draft.objects.filter(office=member.office).select_related("account", "author", "office"),
        pk=pk,
    )


def image_get_for_member(*, member: Membership, pk: int) -> DraftImage:
    return get_object_or_404(
        DraftImage.objects.filter(draft__office=member.office).select_related("draft__account"),
        pk=pk,
    )


def member_approves_posts(*, member: Membership) -> bool:
    """Whether this person approves posts for at least one of the office's accounts.

    The same rule as the Approve button (``rules.may_approve``, which ``draft_approve`` checks),
    so "Waiting for your approval" is shown exactly to the people who can act on it: never to a
    volunteer or caseworker, nor to anyone the account's policy or access rights leave out.
    """
    accounts = ConnectedAccount.objects.filter(office=member.office)
    return any(rules.may_approve(member, account) for account in accounts)


def review_queue_for_member(*, member: Membership) -> list[Draft]:
    """Drafts waiting for approval that this person may approve (not their own)."""
    waiting = draft_list_for_member(member=member, state=Draft.State.IN_REVIEW).order_by("updated")
    queue = []
    for draft in waiting:
        if not rules.may_approve(member, draft.account):
            continue
        if member.user_id in rules.contributors(draft):
            continue
        if draft.approvals.filter(approver=member, version=draft.version).exists():
            continue
        queue.append(draft)
    return queue


def calendar_for_member(
    *, member: Membership, year: int, month: int
) -> tuple[list[list[dt.date | None]], dict[dt.date, list[Draft]]]:
    """Weeks of the month (Monday first) and the posts scheduled or published on each day.

    Days are the office's own days (its time zone), not the server's.
    """
    import calendar

    zone = zoneinfo.ZoneInfo(member.office.time_zone)
    first = dt.datetime(year, month, 1, tzinfo=zone)
    last_day = calendar.monthrange(year, month)[1]
    end = first + dt.timedelta(days=last_day)
    drafts = draft_list_for_member(member=member).filter(
        Q(scheduled_for__gte=first, scheduled_for__lt=end)
        | Q(published_at__gte=first, published_at__lt=end)
    )
    by_day: dict[dt.date, list[Draft]] = {}
    for draft in drafts:
        when = draft.published_at or draft.scheduled_for
        if when is None:
            continue
        by_day.setdefault(when.astimezone(zone).date(), []).append(draft)
    for day_posts in by_day.values():
        day_posts.sort(key=lambda d: d.published_at or d.scheduled_for or d.created)
    weeks: list[list[dt.date | None]] = [
        [day if day.month == month else None for day in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    return weeks, by_day


def account_log_for_member(
    *, member: Membership, account: ConnectedAccount
) -> QuerySet[AuditEntry]:
    """Everything done with one account: connecting, each use, drafts' events, disconnecting."""
    return (
        AuditEntry.objects.filter(office=member.office)
        .filter(
            Q(target_type="publishing.connectedaccount", target_id=str(account.pk))
            | Q(details__account_id=account.pk)
        )
        .order_by("-seq")
    )
