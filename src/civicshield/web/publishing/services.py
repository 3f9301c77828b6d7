"""Drafts, comments and approvals: every change is checked, made and audited here, in one transaction."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from PIL import Image

from civicshield.web.accounts.models import Membership
from civicshield.web.accounts.roles import Capability, Role
from civicshield.web.accounts.services import NotAllowed
from civicshield.web.audit import services as audit
from civicshield.web.publishing import checks, rules
from civicshield.web.publishing.models import (
    Approval,
    CheckOverride,
    Comment,
    ConnectedAccount,
    Draft,
    DraftImage,
    DraftVersion,
)

ERROR_CANNOT_DRAFT = "You may not write posts for this account."
ERROR_CANNOT_APPROVE = "You are not one of the approvers for this account."
ERROR_OWN_DRAFT = "Nobody may approve a post they wrote or edited: ask another approver."
ERROR_CHANGED_WHILE_READING = (
    "The post was changed while you were reading it: read the new version, then approve."
)
ERROR_ALREADY_APPROVED = "You have already approved this version."
ERROR_CANNOT_PUBLISH = "You may not schedule or publish posts for this account."
ERROR_WRONG_STATE = "This post is {state}: that cannot be done now."
ERROR_EMPTY_POST = "Write something, or add a photo, before sending it for approval."
ERROR_TOO_LONG = "The post is {count} characters; {platform} allows {limit}."
ERROR_REASON_NEEDED = "Say why the check should be overridden."
ERROR_NOT_BLOCKING = "That check is not blocking this post."
ERROR_ACCOUNT_GONE = "This account is disconnected: reconnect it first."
ERROR_COMMENT_EMPTY = "Write a comment first."
ERROR_TOO_MANY_IMAGES = "A post can carry at most {limit} photos."
ERROR_IMAGE_TOO_BIG = "The photo is larger than {mb} MB; make it smaller and try again."

MAX_IMAGES = 4
MAX_IMAGE_BYTES = 8 * 1024 * 1024
EDITABLE = (
    Draft.State.DRAFT,
    Draft.State.IN_REVIEW,
    Draft.State.APPROVED,
    Draft.State.SCHEDULED,
    Draft.State.REJECTED,
    Draft.State.FAILED,
)


def _state_error(draft: Draft) -> ValidationError:
    return ValidationError(ERROR_WRONG_STATE.format(state=draft.get_state_display().lower()))


def _lock(draft: Draft) -> Draft:
    # Re-read inside the transaction: two approvers pressing at once must see each other.
    return Draft.objects.select_for_update().select_related("account", "office").get(pk=draft.pk)


def _record(action: str, *, member: Membership, draft: Draft, **details: Any) -> None:
    audit.record(
        action=f"publishing.draft.{action}",
        office=draft.office,
        actor=member.user,
        target=draft,
        details={"account_id": draft.account_id, "version": draft.version, **details},
    )


def _snapshot(draft: Draft, member: Membership) -> None:
    DraftVersion.objects.create(
        draft=draft,
        number=draft.version,
        text=draft.text,
        images=[{"id": i.pk, "alt": i.alt_text} for i in draft.images.all()],
        edited_by=member.user,
    )


def _new_version(draft: Draft, member: Membership) -> str:
    """Bump the version after an edit; approvals of the old one no longer count.

    Returns what happened to the state (for the audit entry).
    """
    draft.version += 1
    draft.updated = timezone.now()
    previous = draft.state
    if draft.state in (Draft.State.APPROVED, Draft.State.SCHEDULED):
        # Any edit after approval sends the post back for approval.
        draft.state = Draft.State.IN_REVIEW
        draft.scheduled_for = None
    elif draft.state in (Draft.State.REJECTED, Draft.State.FAILED):
        draft.state = Draft.State.DRAFT
    draft.save()
    _snapshot(draft, member)
    return previous


def _require_draft(member: Membership, account: ConnectedAccount) -> None:
    if not account.is_active:
        raise ValidationError(ERROR_ACCOUNT_GONE)
    if not rules.may_draft(member, account):
        raise NotAllowed(ERROR_CANNOT_DRAFT)


@transaction.atomic
def draft_create(
    *, member: Membership, account: ConnectedAccount, text: str, topics: list[str] | None = None
) -> Draft:
    _require_draft(member, account)
    draft = Draft.objects.create(
        office=member.office,
        account=account,
        author=member.user,
        text=text.strip(),
        topics=[t.strip() for t in topics or [] if t.strip()],
    )
    _snapshot(draft, member)
    _record("created", member=member, draft=draft)
    return draft


@transaction.atomic
def draft_edit(
    *, member: Membership, draft: Draft, text: str, topics: list[str] | None = None
) -> Draft:
    """Change a draft's text. An approved or scheduled post goes back for approval."""
    draft = _lock(draft)
    _require_draft(member, draft.account)
    if draft.state not in EDITABLE:
        raise _state_error(draft)
    text = text.strip()
    new_topics = [t.strip() for t in topics or [] if t.strip()] if topics is not None else None
    if text == draft.text and (new_topics is None or new_topics == draft.topics):
        return draft
    draft.text = text
    if new_topics is not None:
        draft.topics = new_topics
    previous = _new_version(draft, member)
    _record("edited", member=member, draft=draft, previous_state=previous)
    if previous in (Draft.State.APPROVED, Draft.State.SCHEDULED):
        _record("sent_back", member=member, draft=draft, reason="edited after approval")
    return draft


@transaction.atomic
def draft_image_add(
    *, member: Membership, draft: Draft, data: bytes, filename: str, alt_text: str
) -> DraftImage:
    """Attach a photo: its metadata is read (and kept to show), then stripped before storing.

    Raises ``ValidationError`` with a plain message for unreadable or oversized files.
    """
    draft = _lock(draft)
    _require_draft(member, draft.account)
    if draft.state not in EDITABLE:
        raise _state_error(draft)
    if draft.images.count() >= MAX_IMAGES:
        raise ValidationError(ERROR_TOO_MANY_IMAGES.format(limit=MAX_IMAGES))
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationError(ERROR_IMAGE_TOO_BIG.format(mb=MAX_IMAGE_BYTES // (1024 * 1024)))
    try:
        found, clean = checks.image_metadata(data)
    except ValueError as exc:
        message = str(exc)
        raise ValidationError(message[:1].upper() + message[1:] + ".") from exc

    with Image.open(io.BytesIO(clean)) as opened:
        content_type = Image.MIME.get(opened.format or "", "application/octet-stream")
    image = DraftImage.objects.create(
        draft=draft,
        data=clean,
        content_type=content_type,
        alt_text=alt_text.strip(),
        original_name=filename[-200:],
        metadata_found=found,
        uploaded_by=member.user,
    )
    _new_version(draft, member)
    _record(
        "image_added",
        member=member,
        draft=draft,
        image_id=image.pk,
        metadata_removed=[f["kind"] for f in found],
    )
    return image


@transaction.atomic
def draft_image_update(
    *, member: Membership, image: DraftImage, alt_text: str | None = None, remove: bool = False
) -> None:
    draft = _lock(image.draft)
    _require_draft(member, draft.account)
    if draft.state not in EDITABLE:
        raise _state_error(draft)
    image_id = image.pk  # kept for the audit entry: a deleted row has no pk
    if remove:
        image.delete()
    else:
        image.alt_text = (alt_text or "").strip()
        image.save(update_fields=["alt_text"])
    _new_version(draft, member)
    _record(
        "image_removed" if remove else "image_described",
        member=member,
        draft=draft,
        image_id=image_id,
    )


@transaction.atomic
def draft_comment(*, member: Membership, draft: Draft, text: str) -> Comment:
    draft = _lock(draft)
    if not rules.may_draft(member, draft.account) and not rules.may_approve(member, draft.account):
        raise NotAllowed(ERROR_CANNOT_DRAFT)
    if not text.strip():
        raise ValidationError(ERROR_COMMENT_EMPTY)
    comment = Comment.objects.create(
        draft=draft, author=member.user, text=text.strip(), version=draft.version
    )
    _record("commented", member=member, draft=draft, comment_id=comment.pk)
    return comment


def _check_length(draft: Draft) -> None:
    count = checks.character_count(draft.text, draft.account.platform)
    if count > draft.account.max_characters:
        raise ValidationError(
            ERROR_TOO_LONG.format(
                count=count,
                platform=draft.account.get_platform_display(),
                limit=draft.account.max_characters,
            )
        )


@transaction.atomic
def draft_submit(*, member: Membership, draft: Draft) -> Draft:
    """Send a draft for approval."""
    draft = _lock(draft)
    _require_draft(member, draft.account)
    if draft.state not in (Draft.State.DRAFT, Draft.State.REJECTED):
        raise _state_error(draft)
    if not draft.text and not draft.images.exists():
        raise ValidationError(ERROR_EMPTY_POST)
    _check_length(draft)
    draft.state = Draft.State.IN_REVIEW
    draft.rejection_reason = ""
    draft.updated = timezone.now()
    draft.save()
    _record("submitted", member=member, draft=draft)
    return draft


@transaction.atomic
def draft_approve(*, member: Membership, draft: Draft, version: int | None = None) -> Draft:
    """Approve the current version. Once the policy is met, the draft is approved.

    Refused for: people who are not the account's approvers, anyone who wrote or edited the
    draft, a second approval of the same version by the same person, and (given ``version``,
    the version the approver read) a version that has changed since. When the policy asks
    for the representative's sign-off, other approvals count but the draft stays in review
    until the representative has approved this version too.
    """
    draft = _lock(draft)
    if draft.state != Draft.State.IN_REVIEW:
        raise _state_error(draft)
    if not rules.may_approve(member, draft.account):
        raise NotAllowed(ERROR_CANNOT_APPROVE)
    if version is not None and version != draft.version:
        # Someone edited it while the approver was reading: approve only what was read.
        raise ValidationError(ERROR_CHANGED_WHILE_READING)
    if member.user_id in rules.contributors(draft):
        raise NotAllowed(ERROR_OWN_DRAFT)
    if draft.approvals.filter(approver=member, version=draft.version).exists():
        raise ValidationError(ERROR_ALREADY_APPROVED)
    is_representative = member.role == Role.REPRESENTATIVE and member.can(Capability.FINAL_SIGN_OFF)
    Approval.objects.create(
        draft=draft, approver=member, version=draft.version, is_representative=is_representative
    )
    status = rules.approval_status(draft)
    _record(
        "approved",
        member=member,
        draft=draft,
        representative=is_representative,
        approvals=status.have,
        required=status.required,
    )
    if status.complete:
        draft.state = Draft.State.APPROVED
        draft.updated = timezone.now()
        draft.save()
        _record("fully_approved", member=member, draft=draft)
    return draft


@transaction.atomic
def draft_reject(*, member: Membership, draft: Draft, reason: str) -> Draft:
    draft = _lock(draft)
    if draft.state not in (Draft.State.IN_REVIEW, Draft.State.APPROVED):
        raise _state_error(draft)
    if not rules.may_approve(member, draft.account):
        raise NotAllowed(ERROR_CANNOT_APPROVE)
    if not reason.strip():
        raise ValidationError("Say what needs to change.")
    draft.state = Draft.State.REJECTED
    draft.rejection_reason = reason.strip()
    draft.updated = timezone.now()
    draft.save()
    _record("rejected", member=member, draft=draft, reason=reason.strip())
    return draft


@transaction.atomic
def draft_withdraw(*, member: Membership, draft: Draft) -> Draft:
    draft = _lock(draft)
    if draft.state not in EDITABLE:
        raise _state_error(draft)
    if member.user_id != draft.author_id and not rules.may_publish(member, draft.account):
        raise NotAllowed(ERROR_CANNOT_DRAFT)
    draft.state = Draft.State.WITHDRAWN
    draft.scheduled_for = None
    draft.updated = timezone.now()
    draft.save()
    _record("withdrawn", member=member, draft=draft)
    return draft


@transaction.atomic
def check_override(*, member: Membership, draft: Draft, check: str, reason: str) -> CheckOverride:
    """Let a blocking check through for this version, with a reason (audited)."""
    draft = _lock(draft)
    if not (rules.may_publish(member, draft.account) or rules.may_approve(member, draft.account)):
        raise NotAllowed(ERROR_CANNOT_PUBLISH)
    if not reason.strip():
        raise ValidationError(ERROR_REASON_NEEDED)
    result = checks.run_checks(draft).by_check().get(check)
    if result is None or not result.blocks:
        raise ValidationError(ERROR_NOT_BLOCKING)
    override = CheckOverride.objects.create(
        draft=draft, check_name=check, version=draft.version, reason=reason.strip(), by=member
    )
    _record(
        "check_overridden",
        member=member,
        draft=draft,
        check=check,
        reason=reason.strip(),
        findings=[f.kind for f in result.open_findings],
    )
    return override


def _require_publish(member: Membership, draft: Draft) -> None:
    if not draft.account.is_active:
        raise ValidationError(ERROR_ACCOUNT_GONE)
    if not rules.may_publish(member, draft.account):
        raise NotAllowed(ERROR_CANNOT_PUBLISH)


ERROR_IN_THE_PAST = "Choose a time in the future (or publish now)."
ERROR_CHECKS_BLOCK = "Fix or override these checks first: {checks}."


@transaction.atomic
def draft_schedule(*, member: Membership, draft: Draft, when: dt.datetime | None = None) -> Draft:
    """Schedule an approved post (``when`` None = as soon as possible).

    The publish job is queued in the same transaction, so it exists exactly when the
    schedule was saved.
    """
    from civicshield.web.jobs.services import enqueue

    draft = _lock(draft)
    _require_publish(member, draft)
    if draft.state not in (Draft.State.APPROVED, Draft.State.SCHEDULED):
        raise _state_error(draft)
    now = timezone.now()
    if when is not None and when < now - dt.timedelta(minutes=1):
        raise ValidationError(ERROR_IN_THE_PAST)
    report = checks.run_checks(draft)
    if not report.clear:
        raise ValidationError(
            ERROR_CHECKS_BLOCK.format(checks=", ".join(r.label for r in report.blocking))
        )
    _check_length(draft)
    draft.state = Draft.State.SCHEDULED
    draft.scheduled_for = when or now
    draft.scheduled_by = member.user
    draft.updated = now
    draft.save()
    _record("scheduled", member=member, draft=draft, when=draft.scheduled_for.isoformat())
    enqueue(
        "publishing.publish",
        office=draft.office,
        delay=max(draft.scheduled_for - now, dt.timedelta()),
        draft_id=draft.pk,
    )
    return draft


@transaction.atomic
def draft_unschedule(*, member: Membership, draft: Draft) -> Draft:
    draft = _lock(draft)
    _require_publish(member, draft)
    if draft.state != Draft.State.SCHEDULED:
        raise _state_error(draft)
    draft.state = Draft.State.APPROVED
    draft.scheduled_for = None
    draft.updated = timezone.now()
    draft.save()
    _record("unscheduled", member=member, draft=draft)
    return draft


@transaction.atomic
def publishing_pause_set(*, member: Membership, paused: bool, reason: str = "") -> None:
    """The office's "pause all publishing" switch (incident mode throws it too)."""
    if not (member.can(Capability.MANAGE_ACCOUNTS) or member.can(Capability.PUBLISH_POSTS)):
        raise NotAllowed(ERROR_CANNOT_PUBLISH)
    office = member.office
    office.publishing_paused = paused
    office.save(update_fields=["publishing_paused"])
    audit.record(
        action="publishing.paused" if paused else "publishing.resumed",
        office=office,
        actor=member.user,
        target=office,
        details={"reason": reason},
    )
