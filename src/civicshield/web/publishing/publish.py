"""Publishing a scheduled post exactly once, and deleting or editing it afterwards.

A retry never double-posts (see ``PublishAttempt``):

1. In one transaction: claim the draft (``scheduled`` → ``publishing``) and write the
   attempt row with its idempotency key — before the platform is called.
2. Outside any transaction: if an earlier try may have reached the platform, ask the
   platform for the post made with that key (``find_published``); post only if none, always
   with the same key (Mastodon then returns the first post instead of making another).
3. In one transaction: record the platform id on the attempt and the draft, audit.

A worker that dies between 2 and 3 leaves the attempt ``pending`` and the draft
``publishing``; the job is re-queued (``jobs.services.requeue_stale``), and step 2 finds the
post instead of making a second one.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from civicshield.connectors.publishing import ConnectorError, PublishedPost, new_idempotency_key
from civicshield.web.accounts.models import Membership
from civicshield.web.accounts.services import NotAllowed
from civicshield.web.audit import services as audit
from civicshield.web.publishing import checks, platforms, rules
from civicshield.web.publishing.models import CheckMode, Draft, PublishAttempt
from civicshield.web.publishing.services import (
    ERROR_CANNOT_PUBLISH,
    _record,
    _snapshot,
)

log = logging.getLogger(__name__)

MAX_TRIES = 5
ERROR_UNCONFIRMED = (
    "CivicShield could not confirm whether this post went out (the platform only remembers "
    "retries for a short time). Look at the account: if the post is not there, edit and "
    "schedule it again."
)
ERROR_EDIT_BLOCKED = "The new text did not pass the checks: {details}"
ERROR_DELETED_OR_EDITED = "Only a published post can be deleted or edited from here."


def after_platform_call(post: PublishedPost) -> None:
    """Test seam: runs between the platform call and the commit. Does nothing in production."""


def _audit_draft(action: str, draft: Draft, **details: object) -> None:
    # The job acts for the person who scheduled the post: the log names them.
    scheduler = draft.scheduled_by
    audit.record(
        action=f"publishing.draft.{action}",
        office=draft.office,
        actor=scheduler,
        actor_label=f"{scheduler.email} (publishing job)" if scheduler else "publishing job",
        target=draft,
        details={"account_id": draft.account_id, "version": draft.version, **details},
    )


def _claim(draft_id: int) -> tuple[Draft, PublishAttempt] | None:
    """Step 1: move a due draft to ``publishing`` and make sure its attempt row exists."""
    with transaction.atomic():
        draft = (
            # of=("self",): lock the draft row only; PostgreSQL refuses FOR UPDATE on the
            # nullable side of the outer join to scheduled_by.
            Draft.objects.select_for_update(of=("self",))
            .select_related("account", "office", "scheduled_by")
            .get(pk=draft_id)
        )
        if draft.state == Draft.State.SCHEDULED:
            if draft.office.publishing_paused or not draft.account.is_active:
                return None
            if draft.scheduled_for is not None and draft.scheduled_for > timezone.now():
                return None
            draft.state = Draft.State.PUBLISHING
            draft.save(update_fields=["state"])
        elif draft.state != Draft.State.PUBLISHING:
            # Published, withdrawn, edited back into review...: nothing to do.
            return None
        attempt, created = PublishAttempt.objects.get_or_create(
            draft=draft, version=draft.version, defaults={"idempotency_key": new_idempotency_key()}
        )
        if created:
            _audit_draft("publish_started", draft, key=attempt.idempotency_key)
        attempt.tries += 1
        attempt.save(update_fields=["tries"])
        return draft, attempt


def _finish(draft: Draft, attempt: PublishAttempt, post: PublishedPost) -> None:
    """Step 3."""
    with transaction.atomic():
        now = timezone.now()
        attempt.state = PublishAttempt.State.CONFIRMED
        attempt.platform_id = post.platform_id
        attempt.url = post.url
        attempt.finished = now
        attempt.error = ""
        attempt.save()
        draft.state = Draft.State.PUBLISHED
        draft.platform_id = post.platform_id
        draft.platform_url = post.url
        draft.published_at = now
        draft.last_error = ""
        draft.save()
        _audit_draft("published", draft, platform_id=post.platform_id, url=post.url)
        audit.record(
            action="publishing.account.used",
            office=draft.office,
            actor=draft.scheduled_by,
            actor_label=(
                f"{draft.scheduled_by.email} (publishing job)"
                if draft.scheduled_by
                else "publishing job"
            ),
            target=draft.account,
            details={"account_id": draft.account_id, "draft_id": draft.pk, "what": "publish"},
        )


def _fail(draft: Draft, attempt: PublishAttempt, message: str) -> None:
    with transaction.atomic():
        attempt.state = PublishAttempt.State.FAILED
        attempt.error = message
        attempt.finished = timezone.now()
        attempt.save()
        draft.state = Draft.State.FAILED
        draft.last_error = message
        draft.save()
        _audit_draft("publish_failed", draft, error=message)


def draft_publish(*, draft_id: int) -> Draft:
    """Publish one due draft, at most once (the job ``publishing.publish`` calls this).

    Raises ``ConnectorError`` for a failure worth retrying, so the job system retries.
    """
    claimed = _claim(draft_id)
    if claimed is None:
        return Draft.objects.get(pk=draft_id)
    draft, attempt = claimed
    connector = platforms.connector_for(draft.account)
    try:
        post = None
        if attempt.tries > 1:
            # An earlier try may have reached the platform: look before posting again.
            post = connector.find_published(
                attempt.idempotency_key, text=draft.text, since=attempt.created
            )
            window = getattr(connector, "idempotency_window", None)
            if post is None and window is not None and timezone.now() - attempt.created > window:
                _fail(draft, attempt, ERROR_UNCONFIRMED)
                return draft
        if post is None:
            media = [(bytes(i.data), i.alt_text) for i in draft.images.all()]
            post = connector.publish(
                draft.text, media=media, idempotency_key=attempt.idempotency_key
            )
        after_platform_call(post)
    except ConnectorError as exc:
        log.warning("publishing draft %s failed: %s", draft.pk, exc)
        if not exc.retryable or attempt.tries >= MAX_TRIES:
            _fail(draft, attempt, str(exc))
            return draft
        with transaction.atomic():
            Draft.objects.filter(pk=draft.pk).update(last_error=str(exc))
            attempt.error = str(exc)
            attempt.save(update_fields=["error"])
        raise
    _finish(draft, attempt, post)
    return draft


def publish_due() -> int:
    """Publish every scheduled post whose time has come (offices not paused). Returns how many."""
    due = Draft.objects.filter(
        state__in=(Draft.State.SCHEDULED,),
        scheduled_for__lte=timezone.now(),
        office__publishing_paused=False,
    ).values_list("pk", flat=True)
    count = 0
    for draft_id in list(due):
        try:
            if draft_publish(draft_id=draft_id).state == Draft.State.PUBLISHED:
                count += 1
        except ConnectorError:
            continue  # recorded on the draft; tried again next round
    return count


def _require(member: Membership, draft: Draft) -> None:
    if not rules.may_publish(member, draft.account):
        raise NotAllowed(ERROR_CANNOT_PUBLISH)
    if draft.state != Draft.State.PUBLISHED:
        raise ValidationError(ERROR_DELETED_OR_EDITED)


def post_delete(*, member: Membership, draft: Draft) -> Draft:
    """Delete a published post from the platform (audited as its own entry)."""
    _require(member, draft)
    try:
        platforms.connector_for(draft.account).delete(draft.platform_id)
    except ConnectorError as exc:
        raise ValidationError(str(exc)) from exc
    with transaction.atomic():
        draft.state = Draft.State.DELETED
        draft.updated = timezone.now()
        draft.save()
        _record("post_deleted", member=member, draft=draft, platform_id=draft.platform_id)
        audit.record(
            action="publishing.account.used",
            office=draft.office,
            actor=member.user,
            target=draft.account,
            details={"account_id": draft.account_id, "draft_id": draft.pk, "what": "delete"},
        )
    return draft


def _check_new_text(draft: Draft, text: str) -> None:
    """The text checks, on the new text of a published post: a blocking finding stops the edit."""
    office_settings = checks.check_settings_for(draft.office)
    found = {
        "privacy": checks.privacy_findings(
            text,
            private_names=office_settings.private_names,
            allowed=office_settings.allowed_details,
        ),
        "links": checks.link_findings(text, own_domains=draft.office.own_domains),
    }
    blocking = [
        f.detail
        for check, findings in found.items()
        for f in findings
        if getattr(office_settings, check) == CheckMode.BLOCK
    ]
    if blocking:
        raise ValidationError(ERROR_EDIT_BLOCKED.format(details=" ".join(blocking)))


def post_edit(*, member: Membership, draft: Draft, text: str) -> Draft:
    """Change a published post's text on the platform (Mastodon only; audited)."""

    _require(member, draft)
    _check_new_text(draft, text.strip())
    try:
        post = platforms.connector_for(draft.account).edit(draft.platform_id, text.strip())
    except ConnectorError as exc:
        raise ValidationError(str(exc)) from exc
    with transaction.atomic():
        draft.text = text.strip()
        draft.version += 1
        draft.platform_url = post.url or draft.platform_url
        draft.updated = timezone.now()
        draft.save()
        _snapshot(draft, member)
        _record("post_edited", member=member, draft=draft, platform_id=draft.platform_id)
        audit.record(
            action="publishing.account.used",
            office=draft.office,
            actor=member.user,
            target=draft.account,
            details={"account_id": draft.account_id, "draft_id": draft.pk, "what": "edit"},
        )
    return draft
