"""UK GDPR duties: retention and its daily purge, subject access (export) and erasure.

Every change is audited in the same transaction. Exports and erasure are for the office
manager and the representative (``Capability.MANAGE_STAFF``): they decide what the office
holds. Items under a legal hold, or kept as evidence, are never erased or purged.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from civicshield.web.accounts.models import Membership, Office, User
from civicshield.web.accounts.roles import Capability
from civicshield.web.accounts.services import NotAllowed
from civicshield.web.audit import services as audit
from civicshield.web.dataprotection.models import LastPurge, LegalHold, RetentionSetting
from civicshield.web.dataprotection.retention import (
    KINDS,
    delete_with_lifted_holds,
    held_messages,
    protected_by_references,
)
from civicshield.web.inbox.models import Author, Message

ERROR_NOT_ALLOWED = "Only the office manager or the representative can do this."
ERROR_UNKNOWN_KIND = "There is no kind of data called {kind!r}."
ERROR_HELD = (
    "This cannot be erased: {count} of the messages are under a legal hold or kept as "
    "evidence. Lift the hold first if it is no longer needed."
)
ERROR_AUTHOR_HELD = (
    "This cannot be erased: the account itself is under a legal hold or part of an evidence "
    "case. Lift the hold first if it is no longer needed."
)
ERROR_OTHER_OFFICE = "That belongs to another office."
ERROR_NOT_PURGED = "{label} is never deleted automatically, so it has no retention period to set."
ERROR_TOO_SHORT = "{label} must be kept for at least {days} days."
ERROR_HOLD_LIFTED = "This legal hold was already lifted."


def _require(member: Membership) -> None:
    if not member.can(Capability.MANAGE_STAFF):
        raise NotAllowed(ERROR_NOT_ALLOWED)


def _same_office(member: Membership, office_id: int) -> None:
    if member.office_id != office_id:
        raise NotAllowed(ERROR_OTHER_OFFICE)


# --- retention ---------------------------------------------------------------------------------


def retention_days(office: Office, kind: str) -> int | None:
    setting = RetentionSetting.objects.filter(office=office, kind=kind).first()
    if setting is not None:
        return setting.days
    return KINDS[kind].default_days


def retention_set(*, member: Membership, kind: str, days: int | None) -> RetentionSetting:
    _require(member)
    if kind not in KINDS:
        raise ValueError(ERROR_UNKNOWN_KIND.format(kind=kind))
    spec = KINDS[kind]
    if spec.purge is None:
        raise ValueError(ERROR_NOT_PURGED.format(label=spec.label))
    if days is not None and days < spec.min_days:
        raise ValueError(ERROR_TOO_SHORT.format(label=spec.label, days=spec.min_days))
    with transaction.atomic():
        before = retention_days(member.office, kind)
        setting, _ = RetentionSetting.objects.update_or_create(
            office=member.office, kind=kind, defaults={"days": days}
        )
        audit.record(
            action="dataprotection.retention.changed",
            office=member.office,
            actor=member.user,
            target=setting,
            details={"kind": kind, "days_before": before, "days": days},
        )
    return setting


def purge_office(office: Office, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete what is past its retention period in one office; return counts per kind.

    Each kind is purged in its own transaction, so one that fails leaves the others done.
    The run is remembered in ``LastPurge`` for the data protection page.
    """
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for kind in KINDS.values():
        days = retention_days(office, kind.name)
        if kind.purge is None or days is None:
            continue
        with transaction.atomic():
            count = kind.purge(office, now - dt.timedelta(days=days))
            if count:
                audit.record(
                    action="dataprotection.purged",
                    office=office,
                    actor_label="Scheduled retention purge",
                    details={"kind": kind.name, "deleted": count, "older_than_days": days},
                )
        counts[kind.name] = count
    LastPurge.objects.update_or_create(
        office=office, defaults={"ran_at": now, "counts": counts, "error": ""}
    )
    return counts


def purge_failed(office: Office, *, error: str, now: dt.datetime | None = None) -> None:
    """Remember that an office's purge stopped, so its data protection page says so."""
    LastPurge.objects.update_or_create(
        office=office,
        defaults={"ran_at": now or timezone.now(), "counts": {}, "error": error[:2000]},
    )


# --- legal holds -------------------------------------------------------------------------------


def legal_hold_place(
    *, member: Membership, reason: str, author: Author | None = None, message: Message | None = None
) -> LegalHold:
    _require(member)
    subject = author or message
    if subject is None:
        raise ValueError("A hold needs an author or a message.")
    _same_office(member, subject.office_id)
    with transaction.atomic():
        hold = LegalHold.objects.create(
            office=member.office, author=author, message=message, reason=reason, placed_by=member
        )
        audit.record(
            action="dataprotection.hold.placed",
            office=member.office,
            actor=member.user,
            target=hold,
            details={"reason": reason},
        )
    return hold


def legal_hold_lift(*, member: Membership, hold: LegalHold) -> None:
    _require(member)
    _same_office(member, hold.office_id)
    if hold.lifted_at is not None:
        raise ValueError(ERROR_HOLD_LIFTED)
    with transaction.atomic():
        LegalHold.objects.filter(pk=hold.pk).update(lifted_at=timezone.now())
        audit.record(
            action="dataprotection.hold.lifted",
            office=member.office,
            actor=member.user,
            target=hold,
        )


# --- subject access: export --------------------------------------------------------------------


def _rows(queryset: Any, exclude: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    return [model_to_dict(row, exclude=list(exclude)) | {"id": row.pk} for row in queryset]


def _zip(files: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, json.dumps(content, cls=DjangoJSONEncoder, indent=2))
    return buffer.getvalue()


def author_export(*, member: Membership, author: Author) -> bytes:
    """Everything the office holds about one account (a subject access request): a ZIP of JSON."""
    _require(member)
    _same_office(member, author.office_id)
    messages = Message.objects.filter(author=author).order_by("received_at")
    files = {
        "README.json": {
            "what": f"Everything {member.office.name} holds about {author.handle} "
            f"on {author.get_platform_display()}",
            "exported_at": timezone.now(),
            "exported_by": member.user.email,
        },
        "author.json": _rows([author])[0],
        "messages.json": _rows(messages),
        "notes.json": [
            {"message": n.message_id, "text": n.text, "created": n.created}
            for m in messages
            for n in m.notes.all()
        ],
        "legal_holds.json": _rows(LegalHold.objects.filter(author=author)),
    }
    with transaction.atomic():
        audit.record(
            action="dataprotection.author.exported",
            office=member.office,
            actor=member.user,
            target=author,
            details={"messages": len(files["messages.json"])},
        )
    return _zip(files)


def user_export(*, member: Membership, user: User) -> bytes:
    """Everything held about a staff member's account in this office, for their own request."""
    _require(member)
    membership = Membership.objects.filter(office=member.office, user=user).first()
    if membership is None:
        raise NotAllowed(ERROR_OTHER_OFFICE)
    from civicshield.web.audit.models import AuditEntry

    entries = AuditEntry.objects.filter(office=member.office, actor=user).order_by("created")
    files = {
        "account.json": {
            "email": user.email,
            "full_name": user.full_name,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "membership.json": _rows([membership]),
        "audit_entries.json": [
            {"created": e.created, "action": e.action, "target": e.target_label} for e in entries
        ],
    }
    with transaction.atomic():
        audit.record(
            action="dataprotection.user.exported",
            office=member.office,
            actor=member.user,
            target=user,
            details={"audit_entries": len(files["audit_entries.json"])},
        )
    return _zip(files)


# --- erasure -----------------------------------------------------------------------------------


def author_erase(*, member: Membership, author: Author) -> int:
    """Delete an account and its messages (right to erasure), unless any is held as evidence
    or under a legal hold; return how many messages went. The audit log keeps that it
    happened, not what was erased."""
    _require(member)
    _same_office(member, author.office_id)
    with transaction.atomic():
        refusal = author_erasure_refusal(author=author)
        if refusal is not None:
            raise NotAllowed(refusal)
        messages = Message.objects.filter(author=author)
        author_id = author.pk
        per_model = delete_with_lifted_holds(messages)
        delete_with_lifted_holds(Author.objects.filter(pk=author.pk))
        count = int(per_model.get("inbox.Message", 0))
        audit.record(
            action="dataprotection.author.erased",
            office=member.office,
            actor=member.user,
            target_label=f"author #{author_id} (erased)",
            details={"messages": count},
        )
    return count


def author_erasure_refusal(*, author: Author) -> str | None:
    """Why ``author`` cannot be erased now, in plain words; None if it can."""
    held = Message.objects.filter(author=author).filter(held_messages(author.office)).count()
    if held:
        return ERROR_HELD.format(count=held)
    author_held = (
        LegalHold.objects.filter(author=author, lifted_at__isnull=True).exists()
        or Author.objects.filter(pk=author.pk)
        .filter(protected_by_references(Author, ignore=("inbox.Message",)))
        .exists()
    )
    return ERROR_AUTHOR_HELD if author_held else None
