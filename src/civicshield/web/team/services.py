"""Account inventory, tasks, invitations and access reviews: every change is checked and audited.

Offboarding lives in ``offboarding.py``; it builds on these.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from civicshield.web.accounts import services as accounts
from civicshield.web.accounts.models import Membership, Office, User
from civicshield.web.accounts.roles import Capability, Role
from civicshield.web.accounts.services import NotAllowed
from civicshield.web.audit import services as audit
from civicshield.web.team.models import (
    AccessReview,
    AccessReviewItem,
    Invitation,
    PlatformAccount,
    Task,
    TeamSettings,
)

INVITATION_VALID_FOR = dt.timedelta(days=3)
ERROR_NOT_ALLOWED = "Your role in this office does not allow this."
ERROR_OTHER_OFFICE = "That belongs to another office."
ERROR_INVITATION_UNUSABLE = (
    "This invitation link has expired, has been used already or was withdrawn. "
    "Ask your office manager to send a new one."
)
ERROR_INVITATION_EXISTS = "There is already an open invitation for this address."
ERROR_REVIEW_UNFINISHED = "Confirm every person's access before completing the review."
ERROR_TASK_DONE = "This task is already done."
INVITATION_SUBJECT = "You are invited to join {office} on CivicShield"
INVITATION_BODY = """Hello,

{inviter} has invited you to join {office} on CivicShield as {role}.

Open this link to choose your password and set up two-factor sign-in:

{link}

The link works once and expires on {expires}. If you were not expecting this email,
ignore it and tell the office: someone may have typed the wrong address.
"""


def require(member: Membership, capability: Capability) -> None:
    if not member.can(capability):
        raise NotAllowed(ERROR_NOT_ALLOWED)


def same_office(member: Membership, office_id: int) -> None:
    if member.office_id != office_id:
        raise NotAllowed(ERROR_OTHER_OFFICE)


def team_settings_for(office: Office) -> TeamSettings:
    found, _ = TeamSettings.objects.get_or_create(office=office)
    return found


# --- account inventory ---------------------------------------------------------------------

ACCOUNT_FIELDS = (
    "platform",
    "name",
    "handle",
    "owner",
    "shared_login",
    "two_factor",
    "recovery_confirmed",
    "password_changed",
    "recovery_url",
    "abuse_report_url",
    "notes",
    "is_closed",
)


def _audit_value(value: Any) -> Any:
    if isinstance(value, Membership):
        return value.user.email
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _check_people(actor: Membership, people: Iterable[Membership | None]) -> None:
    for person in people:
        if person is not None:
            same_office(actor, person.office_id)


@transaction.atomic
def account_create(
    *, actor: Membership, access: Iterable[Membership] = (), **fields: Any
) -> PlatformAccount:
    """Add an account to the inventory with the people who can reach it."""
    require(actor, Capability.MANAGE_ACCOUNTS)
    access = list(access)
    _check_people(actor, [fields.get("owner"), *access])
    account = PlatformAccount(office=actor.office, **fields)
    account.full_clean()
    account.save()
    account.access.set(access)
    audit.record(
        action="team.account.created",
        office=actor.office,
        actor=actor.user,
        target=account,
        details={
            **{k: _audit_value(v) for k, v in fields.items()},
            "access": sorted(m.user.email for m in access),
        },
    )
    return account


@transaction.atomic
def account_update(
    *,
    actor: Membership,
    account: PlatformAccount,
    access: Iterable[Membership] | None = None,
    **fields: Any,
) -> PlatformAccount:
    require(actor, Capability.MANAGE_ACCOUNTS)
    same_office(actor, account.office_id)
    unknown = set(fields) - set(ACCOUNT_FIELDS)
    if unknown:
        raise ValueError(f"not inventory fields: {sorted(unknown)}")
    access = list(access) if access is not None else None
    _check_people(actor, [fields.get("owner"), *(access or [])])
    changes: dict[str, Any] = {}
    for name, value in fields.items():
        before = getattr(account, name)
        if before != value:
            changes[name] = {"before": _audit_value(before), "after": _audit_value(value)}
            setattr(account, name, value)
    account.full_clean()
    account.save()
    if access is not None:
        before_emails = sorted(m.user.email for m in account.access.select_related("user"))
        after_emails = sorted(m.user.email for m in access)
        if before_emails != after_emails:
            changes["access"] = {"before": before_emails, "after": after_emails}
        account.access.set(access)
    if changes:
        audit.record(
            action="team.account.changed",
            office=actor.office,
            actor=actor.user,
            target=account,
            details=changes,
        )
    return account


# --- tasks ---------------------------------------------------------------------------------


def task_create(
    *,
    office: Office,
    kind: str,
    title: str,
    due: dt.datetime,
    detail: str = "",
    account: PlatformAccount | None = None,
    assignee: Membership | None = None,
    actor: User | None = None,
    offboarding: Any = None,
) -> Task:
    """Open a task (callers check permissions; offboarding and the self-assessment use this)."""
    with transaction.atomic():
        task = Task.objects.create(
            office=office,
            kind=kind,
            title=title[:300],
            detail=detail,
            account=account,
            assignee=assignee,
            due=due,
            offboarding=offboarding,
        )
        audit.record(
            action="team.task.opened",
            office=office,
            actor=actor,
            target=task,
            details={
                "kind": kind,
                "due": due.isoformat(),
                "account": account.pk if account else None,
            },
        )
    return task


@transaction.atomic
def task_complete(*, actor: Membership, task: Task, note: str = "") -> Task:
    """Mark a task done. For a password change, also record the date on the inventory."""
    same_office(actor, task.office_id)
    allowed = actor.can(Capability.MANAGE_STAFF) or (
        task.assignee_id is not None and task.assignee_id == actor.pk
    )
    if not allowed:
        raise NotAllowed(ERROR_NOT_ALLOWED)
    if task.done_at is not None:
        raise ValidationError(ERROR_TASK_DONE)
    now = timezone.now()
    task.done_at, task.done_by, task.done_note = now, actor.user, note[:500]
    task.save(update_fields=["done_at", "done_by", "done_note"])
    if task.kind == Task.Kind.ROTATION and task.account is not None:
        task.account.password_changed = timezone.localdate(now)
        task.account.save(update_fields=["password_changed"])
    audit.record(
        action="team.task.done",
        office=task.office,
        actor=actor.user,
        target=task,
        details={"note": note[:500], "was_overdue": task.due < now},
    )
    return task


def overdue_tasks(*, office: Office, now: dt.datetime | None = None) -> Any:
    return Task.objects.filter(office=office, done_at__isnull=True, due__lt=now or timezone.now())


def _managers(office: Office) -> list[Membership]:
    return [
        m
        for m in Membership.objects.select_related("user").filter(office=office, is_active=True)
        if m.can(Capability.MANAGE_STAFF)
    ]


def overdue_tasks_remind(*, office: Office, now: dt.datetime | None = None) -> int:
    """Email the office's managers about overdue tasks, at most once a day per task.

    Returns how many tasks were included. Idempotent within a day, so a retried job does
    not send the same reminder twice.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=23)
    tasks = list(
        overdue_tasks(office=office, now=now)
        .exclude(last_reminded__gt=cutoff)
        .select_related("account")
    )
    recipients = [m.user.email for m in _managers(office)]
    if not tasks or not recipients:
        return 0
    lines = [f"- {t.title} (was due {timezone.localtime(t.due):%d %b %Y %H:%M})" for t in tasks]
    link = settings.SITE_URL + reverse("team:tasks")
    send_mail(
        subject=f"{len(tasks)} overdue security task(s) for {office.name}",
        message=(
            "These tasks are past their due date:\n\n"
            + "\n".join(lines)
            + f"\n\nMark them done once finished: {link}\n"
        ),
        from_email=None,
        recipient_list=recipients,
    )
    with transaction.atomic():
        Task.objects.filter(pk__in=[t.pk for t in tasks]).update(last_reminded=now)
        audit.record(
            action="team.task.reminder_sent",
            office=office,
            details={"tasks": [t.pk for t in tasks], "to": recipients},
        )
    return len(tasks)


# --- invitations ---------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def invitation_send(*, actor: Membership, email: str, role: str) -> tuple[Invitation, str]:
    """Create a single-use invitation and email its link. Returns the invitation and the token.

    Only the token's SHA-256 is stored: a copy of the database cannot be used to join.
    If the email cannot be sent the invitation is not kept (the transaction rolls back).
    """
    require(actor, Capability.MANAGE_STAFF)
    if role not in Role.values:
        raise ValidationError({"role": "Choose one of the office roles."})
    email = email.strip().lower()
    if Membership.objects.filter(office=actor.office, user__email=email, is_active=True).exists():
        raise ValidationError(accounts.ERROR_ALREADY_MEMBER)
    now = timezone.now()
    open_ones = Invitation.objects.filter(
        office=actor.office, email=email, accepted_at=None, revoked_at=None, expires__gt=now
    )
    if open_ones.exists():
        raise ValidationError(ERROR_INVITATION_EXISTS)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        office=actor.office,
        email=email,
        role=role,
        token_hash=hash_token(token),
        invited_by=actor.user,
        expires=now + INVITATION_VALID_FOR,
    )
    audit.record(
        action="team.invitation.sent",
        office=actor.office,
        actor=actor.user,
        target=invitation,
        details={"email": email, "role": role, "expires": invitation.expires.isoformat()},
    )
    link = settings.SITE_URL + reverse("team:invitation_accept", kwargs={"token": token})
    send_mail(
        subject=INVITATION_SUBJECT.format(office=actor.office.name),
        message=INVITATION_BODY.format(
            inviter=actor.user.full_name or actor.user.email,
            office=actor.office.name,
            role=Role(role).label.lower(),
            link=link,
            expires=timezone.localtime(invitation.expires).strftime("%d %B %Y at %H:%M"),
        ),
        from_email=None,
        recipient_list=[email],
    )
    return invitation, token


def invitation_for_token(token: str) -> Invitation | None:
    """The usable invitation for a token, or ``None`` (expired, used, withdrawn or unknown)."""
    invitation = (
        Invitation.objects.select_related("office").filter(token_hash=hash_token(token)).first()
    )
    if invitation is None or not invitation.is_usable():
        return None
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: Membership, invitation: Invitation) -> None:
    require(actor, Capability.MANAGE_STAFF)
    same_office(actor, invitation.office_id)
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit.record(
            action="team.invitation.withdrawn",
            office=invitation.office,
            actor=actor.user,
            target=invitation,
        )


@transaction.atomic
def invitation_accept(
    *, token: str, full_name: str = "", password: str = "", user: User | None = None
) -> Membership:
    """Use an invitation: a new person gives a name and password; an existing one just joins.

    The invitation row is locked and re-checked, so the same link cannot be used twice even
    by two requests at once.
    """
    found = Invitation.objects.select_for_update().filter(token_hash=hash_token(token)).first()
    if found is None or not found.is_usable():
        raise ValidationError(ERROR_INVITATION_UNUSABLE)
    existing = User.objects.filter(email=found.email).first()
    returning = existing is not None and not existing.is_active
    if existing is not None and not returning and (user is None or user.pk != existing.pk):
        raise ValidationError(ERROR_INVITATION_UNUSABLE)
    if existing is None or returning:
        validate_password(password, User(email=found.email, full_name=full_name))
    membership = accounts.member_add(
        office=found.office,
        email=found.email,
        full_name=full_name,
        role=found.role,
        password=password if existing is None else None,
    )
    if existing is not None and returning:
        # A former member invited back: the link proves the address is theirs, so they choose
        # a new password (their old one was made unusable when they left) and enrol again.
        existing.is_active = True
        existing.full_name = full_name or existing.full_name
        existing.set_password(password)
        existing.save(update_fields=["is_active", "full_name", "password"])
    found.accepted_at = timezone.now()
    found.save(update_fields=["accepted_at"])
    audit.record(
        action="team.invitation.accepted",
        office=found.office,
        actor=membership.user,
        target=found,
        details={"email": found.email, "role": found.role},
    )
    return membership


# --- access reviews ------------------------------------------------------------------------


def review_due_date(office: Office, now: dt.datetime | None = None) -> dt.datetime:
    """When the next review is due: the interval after the last completed one (or the office's start)."""
    now = now or timezone.now()
    interval = dt.timedelta(days=team_settings_for(office).review_interval_days)
    last = (
        AccessReview.objects.filter(office=office, completed_at__isnull=False)
        .order_by("-completed_at")
        .first()
    )
    if last is None or last.completed_at is None:
        return office.created + interval
    return last.completed_at + interval


def open_review(office: Office) -> AccessReview | None:
    return AccessReview.objects.filter(office=office, completed_at__isnull=True).first()


@transaction.atomic
def access_review_start(
    *, office: Office, actor: Membership | None = None, now: dt.datetime | None = None
) -> AccessReview:
    """Open a review listing every active member (or return the one already open)."""
    if actor is not None:
        require(actor, Capability.MANAGE_STAFF)
        same_office(actor, office.pk)
    current = open_review(office)
    if current is not None:
        return current
    now = now or timezone.now()
    review = AccessReview.objects.create(
        office=office, started=now, due=now + dt.timedelta(days=14)
    )
    members = Membership.objects.filter(office=office, is_active=True)
    AccessReviewItem.objects.bulk_create(
        AccessReviewItem(review=review, membership=m) for m in members
    )
    audit.record(
        action="team.review.started",
        office=office,
        actor=actor.user if actor else None,
        target=review,
        details={"people": members.count()},
    )
    return review


@transaction.atomic
def access_review_confirm(
    *, actor: Membership, item: AccessReviewItem, note: str = ""
) -> AccessReviewItem:
    require(actor, Capability.MANAGE_STAFF)
    same_office(actor, item.review.office_id)
    item.confirmed_at, item.confirmed_by, item.note = timezone.now(), actor.user, note[:300]
    item.save(update_fields=["confirmed_at", "confirmed_by", "note"])
    audit.record(
        action="team.review.access_confirmed",
        office=actor.office,
        actor=actor.user,
        target=item.membership,
        details={"review": item.review_id, "role": item.membership.role, "note": item.note},
    )
    return item


@transaction.atomic
def access_review_complete(*, actor: Membership, review: AccessReview) -> AccessReview:
    require(actor, Capability.MANAGE_STAFF)
    same_office(actor, review.office_id)
    # People who left during the review need no confirmation.
    pending = review.items.filter(confirmed_at__isnull=True, membership__is_active=True)
    if pending.exists():
        raise ValidationError(ERROR_REVIEW_UNFINISHED)
    review.completed_at, review.completed_by = timezone.now(), actor.user
    review.save(update_fields=["completed_at", "completed_by"])
    audit.record(
        action="team.review.completed", office=review.office, actor=actor.user, target=review
    )
    return review


def access_reviews_run(*, office: Office, now: dt.datetime | None = None) -> AccessReview | None:
    """The periodic step: open a review when one is due, and remind managers daily until done."""
    now = now or timezone.now()
    review = open_review(office)
    if review is None:
        if review_due_date(office, now) > now:
            return None
        review = access_review_start(office=office, now=now)
    if review.last_reminded is not None and review.last_reminded > now - dt.timedelta(hours=23):
        return review
    recipients = [m.user.email for m in _managers(office)]
    if recipients:
        link = settings.SITE_URL + reverse("team:review")
        send_mail(
            subject=f"Access review due for {office.name}",
            message=(
                "It is time to confirm that everyone in the office still needs the access they "
                f"have. It takes a few minutes:\n\n{link}\n\nYou will be reminded each day "
                "until it is done.\n"
            ),
            from_email=None,
            recipient_list=recipients,
        )
        with transaction.atomic():
            AccessReview.objects.filter(pk=review.pk).update(last_reminded=now)
            audit.record(
                action="team.review.reminder_sent",
                office=office,
                target=review,
                details={"to": recipients},
            )
    return review


@transaction.atomic
def team_settings_update(
    *, actor: Membership, review_interval_days: int, rotation_due_days: int
) -> TeamSettings:
    require(actor, Capability.MANAGE_STAFF)
    found = team_settings_for(actor.office)
    before = {
        "review_interval_days": found.review_interval_days,
        "rotation_due_days": found.rotation_due_days,
    }
    found.review_interval_days = review_interval_days
    found.rotation_due_days = rotation_due_days
    found.full_clean()
    found.save()
    audit.record(
        action="team.settings.changed",
        office=actor.office,
        actor=actor.user,
        target=found,
        details={
            "before": before,
            "after": {
                "review_interval_days": review_interval_days,
                "rotation_due_days": rotation_due_days,
            },
        },
    )
    return found
