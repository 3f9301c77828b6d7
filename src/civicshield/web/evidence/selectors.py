"""Reading evidence, always inside the member's office (other offices get 404)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from civicshield.web.accounts.models import Membership
from civicshield.web.audit.models import AuditEntry
from civicshield.web.evidence.models import (
    Case,
    EvidenceRecord,
    EvidenceScreenshot,
    PlatformReport,
)
from civicshield.web.inbox.models import Author, Message

# Everything but the stored bytes, for lists and pages that only show hashes.
_LIGHT = ("original_bytes", "screenshot_post", "screenshot_profile")


def record_get_for_member(*, member: Membership, pk: int) -> EvidenceRecord:
    record: EvidenceRecord = get_object_or_404(
        EvidenceRecord.objects.select_related("message__author", "recorded_by__user", "supersedes"),
        office=member.office,
        pk=pk,
    )
    return record


def records_for_message(*, member: Membership, message: Message) -> QuerySet[EvidenceRecord]:
    return (
        EvidenceRecord.objects.filter(office=member.office, message=message)
        .defer(*_LIGHT)
        .order_by("-captured_at", "-pk")
    )


def records_for_messages(*, member: Membership, messages: list[Message]) -> list[EvidenceRecord]:
    """Every record of these messages, in the order things happened (posted, then captured)."""
    rows = EvidenceRecord.objects.filter(office=member.office, message__in=messages).select_related(
        "message__author", "supersedes"
    )
    return sorted(
        rows,
        key=lambda r: (r.posted_at or r.message.received_at, r.message_id, r.captured_at, r.pk),
    )


def recorded_messages_of_author(*, member: Membership, author: Author) -> list[Message]:
    return list(
        Message.objects.filter(
            office=member.office, author=author, evidence_records__isnull=False
        ).distinct()
    )


def screenshot_get_for_member(*, member: Membership, pk: int) -> EvidenceScreenshot:
    shot: EvidenceScreenshot = get_object_or_404(
        EvidenceScreenshot.objects.select_related("record"),
        record__office=member.office,
        pk=pk,
        image__isnull=False,
    )
    return shot


def case_get_for_member(*, member: Membership, pk: int) -> Case:
    return get_object_or_404(Case.objects.select_related("author"), office=member.office, pk=pk)


def cases_for_author(*, member: Membership, author: Author) -> QuerySet[Case]:
    return (
        Case.objects.filter(office=member.office, author=author)
        .prefetch_related("reports")
        .order_by("-created")
    )


def report_get_for_member(*, member: Membership, pk: int) -> PlatformReport:
    return get_object_or_404(
        PlatformReport.objects.select_related("case"), case__office=member.office, pk=pk
    )


def handling_history(*, member: Membership, message: Message) -> list[dict[str, Any]]:
    """What staff did about a message, oldest first: audit entries and notes."""
    record_ids = [
        str(pk)
        for pk in EvidenceRecord.objects.filter(office=member.office, message=message).values_list(
            "pk", flat=True
        )
    ]
    entries = AuditEntry.objects.filter(office=member.office).filter(
        Q(target_type="inbox.message", target_id=str(message.pk))
        | Q(target_type="evidence.evidencerecord", target_id__in=record_ids)
        | Q(action="evidence.case.message_added", details__message_id=message.pk)
    )
    events: list[dict[str, Any]] = [
        {"at": e.created, "who": e.actor_label, "what": describe(e)}
        for e in entries.exclude(action="inbox.message.note_added")  # the note itself follows
    ]
    events += [
        {"at": n.created, "who": n.member.user.email, "what": f"Note: {n.text}"}
        for n in message.notes.select_related("member__user")
    ]
    return sorted(events, key=lambda e: e["at"])


_ACTIONS = {
    "inbox.message.state_changed": "Marked {after}",
    "inbox.message.assigned": "Assigned to {assignee}",
    "inbox.message.corrected": "Classification corrected to {labels_after} ({severity_after})",
    "evidence.recorded": "Recorded as evidence (SHA-256 {sha256})",
    "evidence.corrected": "Correction recorded (SHA-256 {sha256})",
    "evidence.screenshot.taken": "Screenshot of the {kind} taken (SHA-256 {sha256})",
    "evidence.screenshot.failed": "Screenshot of the {kind}: {error}",
    "evidence.case.message_added": "Added to a case",
    "evidence.pack.exported": "Included in an evidence pack",
}


def describe(entry: AuditEntry) -> str:
    template = _ACTIONS.get(entry.action)
    if template is None:
        return entry.action
    details = {k: (", ".join(v) if isinstance(v, list) else v) for k, v in entry.details.items()}
    try:
        return template.format(**details)
    except (KeyError, IndexError, ValueError):
        return entry.action
