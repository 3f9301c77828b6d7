"""Evidence services: record, screenshot, group into cases, record platform reports.

Each takes the acting member, checks ``Capability.VIEW_EVIDENCE`` (volunteers never have it),
changes, and audits in one transaction.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from civicshield.core.evidence import EMAIL_FORMAT, ORIGINAL_FORMAT, encode_original
from civicshield.web.accounts.models import Membership
from civicshield.web.accounts.roles import Capability
from civicshield.web.audit import services as audit
from civicshield.web.evidence import screenshots
from civicshield.web.evidence.models import (
    Case,
    EvidenceRecord,
    EvidenceScreenshot,
    PlatformReport,
)
from civicshield.web.evidence.reporting import profile_url_for
from civicshield.web.inbox.models import Author, Message, Platform
from civicshield.web.jobs import services as jobs

# An email's raw RFC 5322 bytes, base64-encoded, under this key of ``Message.raw`` (connectors
# that have the bytes put them there; then the evidence keeps the email exactly as received).
RAW_EMAIL_KEY = "rfc822_b64"

ERROR_NOT_ALLOWED = "Your role does not include handling evidence."
ERROR_OTHER_OFFICE = "That belongs to another office."
ERROR_SUPERSEDES = "A correction must replace evidence recorded for the same message."
ERROR_CASE_CLOSED = "This case is closed. Reopen it to change it."
ERROR_CASE_TITLE = "Give the case a short title."
ERROR_BAD_OUTCOME = "That is not an outcome."
ERROR_BAD_PLATFORM = "That is not a platform."
ERROR_FUTURE = "The report cannot be dated in the future."


class NotAllowed(PermissionDenied):
    pass


def _require(member: Membership) -> None:
    if not member.can(Capability.VIEW_EVIDENCE):
        raise NotAllowed(ERROR_NOT_ALLOWED)


def _same_office(member: Membership, office_id: int) -> None:
    if member.office_id != office_id:
        raise NotAllowed(ERROR_OTHER_OFFICE)


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat() if moment is not None else None


def author_snapshot(author: Author) -> dict[str, Any]:
    """The author's profile as it stands now (kept because abusive accounts are often deleted)."""
    return {
        "platform": author.platform,
        "handle": author.handle,
        "display_name": author.display_name,
        "bio": author.bio,
        "avatar_url": author.avatar_url,
        "profile_url": profile_url_for(author),
        "account_created": _iso(author.account_created),
        "first_seen": _iso(author.first_seen),
        "messages_so_far": author.message_count,
        "flagged_so_far": author.abusive_count,
    }


def original_of(message: Message) -> tuple[bytes, str]:
    """The exact original to store, and its format.

    Email with raw bytes kept by the connector: those bytes (RFC 5322). Anything else: the
    text's UTF-8 bytes and a canonical JSON of the platform's fields.
    """
    raw = message.raw if isinstance(message.raw, dict) else {}
    encoded = raw.get(RAW_EMAIL_KEY)
    if message.platform == Platform.EMAIL and isinstance(encoded, str) and encoded:
        try:
            return base64.b64decode(encoded, validate=True), EMAIL_FORMAT
        except (binascii.Error, ValueError):
            pass  # not base64 after all: fall back to the text and fields
    fields = {
        "platform": message.platform,
        "platform_id": message.platform_id,
        "url": message.url,
        "author_handle": message.author.handle,
        "posted_at": _iso(message.posted_at),
        "received_at": _iso(message.received_at),
        "is_direct": message.is_direct,
        "raw": raw,
    }
    return encode_original(message.text, fields), ORIGINAL_FORMAT


@transaction.atomic
def evidence_record(
    *,
    member: Membership,
    message: Message,
    note: str = "",
    supersedes: EvidenceRecord | None = None,
    screenshot_post: bytes | None = None,
    screenshot_profile: bytes | None = None,
) -> EvidenceRecord:
    """Record ``message`` as evidence: original bytes, SHA-256, author snapshot, who and when.

    A correction is a new record with ``supersedes`` set; the old one stays as it was. After
    commit, a background job screenshots the post and the author's profile page (when a
    browser is installed), adding ``EvidenceScreenshot`` rows.
    """
    _require(member)
    _same_office(member, message.office_id)
    if supersedes is not None and supersedes.message_id != message.pk:
        raise ValidationError(ERROR_SUPERSEDES)
    original, fmt = original_of(message)
    author = message.author
    record = EvidenceRecord(
        office_id=message.office_id,
        message=message,
        original_bytes=original,
        original_format=fmt,
        sha256=hashlib.sha256(original).hexdigest(),
        author_snapshot=author_snapshot(author),
        url=message.url,
        platform=message.platform,
        platform_id=message.platform_id,
        posted_at=message.posted_at,
        captured_at=timezone.now(),
        recorded_by=member,
        recorded_by_label=f"{member.user.full_name} <{member.user.email}>",
        supersedes=supersedes,
        note=note.strip()[:5000],
    )
    if screenshot_post is not None:
        record.screenshot_post = screenshot_post
        record.screenshot_post_sha256 = hashlib.sha256(screenshot_post).hexdigest()
    if screenshot_profile is not None:
        record.screenshot_profile = screenshot_profile
        record.screenshot_profile_sha256 = hashlib.sha256(screenshot_profile).hexdigest()
    record.save()
    audit.record(
        action="evidence.corrected" if supersedes is not None else "evidence.recorded",
        office=member.office,
        actor=member.user,
        target=record,
        details={
            "message_id": message.pk,
            "sha256": record.sha256,
            "format": fmt,
            "supersedes": supersedes.pk if supersedes is not None else None,
        },
    )
    if getattr(settings, "CIVICSHIELD_SCREENSHOTS", True) and (
        record.url or record.author_snapshot.get("profile_url")
    ):
        jobs.enqueue("evidence.screenshot", office=member.office, record_id=record.pk)
    return record


def evidence_screenshots_take(*, record: EvidenceRecord) -> list[EvidenceScreenshot]:
    """Screenshot the post, the author's profile page and avatar; store each result or reason.

    Idempotent: a kind already captured with an image is not taken again, so a retried job
    adds nothing twice. The browser runs outside any transaction.
    """
    done = set(
        EvidenceScreenshot.objects.filter(record=record, image__isnull=False).values_list(
            "kind", flat=True
        )
    )
    avatar = str(record.author_snapshot.get("avatar_url") or "")
    wanted = [
        (kind, url)
        for kind, url in (
            (EvidenceScreenshot.Kind.POST, record.url),
            (EvidenceScreenshot.Kind.PROFILE, str(record.author_snapshot.get("profile_url") or "")),
            # The picture itself, as the profile page may be gone by the time anyone looks.
            *([(EvidenceScreenshot.Kind.AVATAR, avatar)] if avatar else []),
        )
        if kind not in done
    ]
    shots = screenshots.take_screenshots([url for _, url in wanted])
    rows = []
    with transaction.atomic():
        for (kind, _), shot in zip(wanted, shots, strict=True):
            row = EvidenceScreenshot(
                record=record,
                kind=kind,
                url=shot.url[:1000],
                image=shot.image,
                sha256=hashlib.sha256(shot.image).hexdigest() if shot.image else "",
                taken_at=timezone.now(),
                error=shot.error,
            )
            row.save()
            rows.append(row)
            audit.record(
                action="evidence.screenshot.taken" if shot.image else "evidence.screenshot.failed",
                office=record.office,
                actor_label="CivicShield (background job)",
                target=record,
                details={"kind": kind, "sha256": row.sha256, "error": row.error},
            )
    return rows


# --- cases ------------------------------------------------------------------------------------


@transaction.atomic
def case_open(
    *, member: Membership, author: Author, title: str, messages: list[Message] | None = None
) -> Case:
    _require(member)
    _same_office(member, author.office_id)
    title = title.strip()
    if not title:
        raise ValidationError(ERROR_CASE_TITLE)
    case = Case.objects.create(
        office=member.office, author=author, title=title[:200], created_by=member
    )
    audit.record(
        action="evidence.case.opened",
        office=member.office,
        actor=member.user,
        target=case,
        details={"author_id": author.pk},
    )
    for message in messages or []:
        case_add_message(member=member, case=case, message=message)
    return case


@transaction.atomic
def case_add_message(*, member: Membership, case: Case, message: Message) -> Case:
    _require(member)
    _same_office(member, case.office_id)
    _same_office(member, message.office_id)
    if case.status == Case.Status.CLOSED:
        raise ValidationError(ERROR_CASE_CLOSED)
    if case.items.filter(pk=message.pk).exists():
        return case
    case.items.add(message)
    audit.record(
        action="evidence.case.message_added",
        office=member.office,
        actor=member.user,
        target=case,
        details={"message_id": message.pk},
    )
    return case


@transaction.atomic
def case_set_status(*, member: Membership, case: Case, status: str) -> Case:
    _require(member)
    _same_office(member, case.office_id)
    if status not in Case.Status.values or status == case.status:
        return case
    before, case.status = case.status, status
    case.save(update_fields=["status"])
    audit.record(
        action="evidence.case.status_changed",
        office=member.office,
        actor=member.user,
        target=case,
        details={"before": before, "after": status},
    )
    return case


# --- platform reports -------------------------------------------------------------------------


@transaction.atomic
def platform_report_add(
    *,
    member: Membership,
    case: Case,
    platform: str,
    reported_at: dt.datetime | None = None,
    reference: str = "",
    outcome: str = PlatformReport.Outcome.WAITING,
    notes: str = "",
    via: str = PlatformReport.Via.FORM,
) -> PlatformReport:
    """Record a report made to a platform (by a person, or by a connector through the API)."""
    _require(member)
    _same_office(member, case.office_id)
    if platform not in Platform.values:
        raise ValidationError(ERROR_BAD_PLATFORM)
    if outcome not in PlatformReport.Outcome.values:
        raise ValidationError(ERROR_BAD_OUTCOME)
    now = timezone.now()
    reported_at = reported_at or now
    if reported_at > now + dt.timedelta(minutes=5):
        raise ValidationError(ERROR_FUTURE)
    report = PlatformReport.objects.create(
        case=case,
        platform=platform,
        reported_at=reported_at,
        reference=reference.strip()[:200],
        outcome=outcome,
        outcome_at=now if outcome != PlatformReport.Outcome.WAITING else None,
        via=via if via in PlatformReport.Via.values else PlatformReport.Via.FORM,
        notes=notes.strip()[:5000],
        recorded_by=member,
    )
    audit.record(
        action="evidence.platform_report.added",
        office=member.office,
        actor=member.user,
        target=report,
        details={
            "case_id": case.pk,
            "platform": platform,
            "reference": report.reference,
            "outcome": outcome,
            "via": report.via,
        },
    )
    return report


@transaction.atomic
def platform_report_update_outcome(
    *, member: Membership, report: PlatformReport, outcome: str, notes: str = ""
) -> PlatformReport:
    _require(member)
    _same_office(member, report.case.office_id)
    if outcome not in PlatformReport.Outcome.values:
        raise ValidationError(ERROR_BAD_OUTCOME)
    before = report.outcome
    report.outcome = outcome
    report.outcome_at = timezone.now()
    if notes.strip():
        stamp = timezone.localtime(report.outcome_at).strftime("%d %b %Y %H:%M")
        report.notes = (f"{report.notes}\n" if report.notes else "") + f"[{stamp}] {notes.strip()}"
        report.notes = report.notes[:20000]
    report.save(update_fields=["outcome", "outcome_at", "notes"])
    audit.record(
        action="evidence.platform_report.outcome",
        office=member.office,
        actor=member.user,
        target=report,
        details={"before": before, "after": outcome},
    )
    return report
