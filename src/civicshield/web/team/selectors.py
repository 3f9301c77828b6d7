"""Reading the team's data. Every selector starts from the acting member's office."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from civicshield.web.accounts.models import Membership
from civicshield.web.accounts.roles import CAPABILITIES, Capability
from civicshield.web.publishing.selectors import member_approves_posts
from civicshield.web.team.models import (
    AccessReview,
    AccessReviewItem,
    Invitation,
    Offboarding,
    PlatformAccount,
    Task,
)
from civicshield.web.team.services import open_review, review_due_date

# Recovery details and passwords older than this are flagged on the inventory.
STALE_AFTER_DAYS = 365


def account_list_for_member(*, member: Membership) -> QuerySet[PlatformAccount]:
    return (
        PlatformAccount.objects.filter(office=member.office)
        .select_related("owner__user")
        .prefetch_related(
            Prefetch("access", queryset=Membership.objects.select_related("user")),
            Prefetch("tasks", queryset=Task.objects.filter(done_at__isnull=True)),
        )
    )


def account_get_for_member(*, member: Membership, pk: int) -> PlatformAccount:
    return get_object_or_404(account_list_for_member(member=member), pk=pk)


def account_warnings(account: PlatformAccount, today: dt.date | None = None) -> list[str]:
    """Plain-words problems with one inventory entry (empty when all is well)."""
    today = today or timezone.localdate()
    warnings: list[str] = []
    if account.is_closed:
        return warnings
    if account.two_factor == PlatformAccount.TwoFactor.OFF:
        warnings.append("Two-factor sign-in is off.")
    elif account.two_factor == PlatformAccount.TwoFactor.SMS:
        warnings.append(
            "Two-factor codes come by text message, which can be stolen by taking over the "
            "phone number. Switch to an authenticator app or security key."
        )
    elif account.two_factor == PlatformAccount.TwoFactor.UNKNOWN:
        warnings.append("Nobody has recorded whether two-factor sign-in is on.")
    stale = dt.timedelta(days=STALE_AFTER_DAYS)
    if account.recovery_confirmed is None or today - account.recovery_confirmed > stale:
        warnings.append("Check that the recovery email and phone are still the office's own.")
    if account.password_changed is None:
        warnings.append("No record of when the password was last changed.")
    if account.owner_id is None:
        warnings.append("Nobody is named as responsible for this account.")
    if not account.recovery_url:
        warnings.append("Add the platform's own recovery page, to use in an emergency.")
    return warnings


@dataclass
class AccessRow:
    member: Membership
    capabilities: list[str]
    reaches: list[bool] = field(default_factory=list)


@dataclass
class AccessMatrix:
    accounts: list[PlatformAccount]
    rows: list[AccessRow]


CAPABILITY_WORDS = {
    Capability.MANAGE_STAFF: "manage staff",
    Capability.MANAGE_ACCOUNTS: "manage accounts",
    Capability.MANAGE_EMERGENCY: "emergency plan",
    Capability.TRIAGE_INBOX: "read the inbox",
    Capability.VIEW_EVIDENCE: "see evidence",
    Capability.DRAFT_POSTS: "draft posts",
    Capability.APPROVE_POSTS: "approve posts",
    Capability.PUBLISH_POSTS: "publish posts",
    Capability.FINAL_SIGN_OFF: "final sign-off",
    Capability.VIEW_AUDIT: "audit log",
}


def access_matrix_for_member(*, member: Membership) -> AccessMatrix:
    """Who can reach what: each active person, what their role allows and which accounts they reach."""
    accounts = list(account_list_for_member(member=member).filter(is_closed=False))
    people = list(
        Membership.objects.filter(office=member.office, is_active=True)
        .select_related("user")
        .order_by("user__full_name")
    )
    rows = []
    for person in people:
        caps = set(CAPABILITIES[person.role])
        # Who approves posts is each account's policy (roles and access rights), not the role
        # alone: the same rule as the Approve button, so this grid and the button agree.
        caps.discard(Capability.APPROVE_POSTS)
        if member_approves_posts(member=person):
            caps.add(Capability.APPROVE_POSTS)
        words = [w for cap, w in CAPABILITY_WORDS.items() if cap in caps]
        reaches = [
            person.pk == a.owner_id or any(m.pk == person.pk for m in a.access.all())
            for a in accounts
        ]
        rows.append(AccessRow(member=person, capabilities=words, reaches=reaches))
    return AccessMatrix(accounts=accounts, rows=rows)


def staff_member_get_for_member(*, member: Membership, pk: int) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user", "office").filter(office=member.office), pk=pk
    )


def task_list_for_member(*, member: Membership) -> QuerySet[Task]:
    return Task.objects.filter(office=member.office).select_related(
        "account", "assignee__user", "done_by"
    )


def task_get_for_member(*, member: Membership, pk: int) -> Task:
    return get_object_or_404(task_list_for_member(member=member), pk=pk)


def offboarding_get_for_member(*, member: Membership, pk: int) -> Offboarding:
    return get_object_or_404(
        Offboarding.objects.filter(office=member.office).select_related("actor"), pk=pk
    )


def invitation_list_for_member(*, member: Membership) -> QuerySet[Invitation]:
    return Invitation.objects.filter(office=member.office, accepted_at=None, revoked_at=None)


def invitation_get_for_member(*, member: Membership, pk: int) -> Invitation:
    return get_object_or_404(Invitation.objects.filter(office=member.office), pk=pk)


def review_item_get_for_member(*, member: Membership, pk: int) -> AccessReviewItem:
    return get_object_or_404(
        AccessReviewItem.objects.filter(review__office=member.office).select_related(
            "review", "membership__user"
        ),
        pk=pk,
    )


def review_get_for_member(*, member: Membership, pk: int) -> AccessReview:
    return get_object_or_404(AccessReview.objects.filter(office=member.office), pk=pk)


@dataclass(frozen=True)
class TeamSummary:
    open_tasks: int
    overdue_tasks: int
    review_open: bool
    review_due: dt.datetime
    review_overdue: bool


def team_summary_for_member(*, member: Membership) -> TeamSummary:
    now = timezone.now()
    tasks = Task.objects.filter(office=member.office, done_at__isnull=True)
    review = open_review(member.office)
    due = review.due if review is not None else review_due_date(member.office, now)
    return TeamSummary(
        open_tasks=tasks.count(),
        overdue_tasks=tasks.filter(due__lt=now).count(),
        review_open=review is not None,
        review_due=due,
        review_overdue=due < now,
    )
