"""Template helpers for the evidence panels on the inbox's message and author pages."""

from __future__ import annotations

from typing import Any

from django import template

from civicshield.web.evidence.models import Case, EvidenceRecord
from civicshield.web.inbox.models import Author, Message

register = template.Library()


@register.simple_tag
def evidence_records_for(message: Message) -> Any:
    """The message's evidence records, newest first, without their stored bytes."""
    return (
        EvidenceRecord.objects.filter(office_id=message.office_id, message=message)
        .defer("original_bytes", "screenshot_post", "screenshot_profile")
        .select_related("recorded_by__user")
        .order_by("-captured_at", "-pk")
    )


@register.simple_tag
def evidence_cases_for_message(message: Message) -> Any:
    return Case.objects.filter(office_id=message.office_id, items=message).order_by("-created")


@register.simple_tag
def evidence_author_summary(author: Author) -> dict[str, Any]:
    recorded = (
        Message.objects.filter(author=author, evidence_records__isnull=False).distinct().count()
    )
    unrecorded_flagged = Message.objects.filter(
        author=author, abusive=True, evidence_records__isnull=True
    ).count()
    return {
        "recorded": recorded,
        "unrecorded_flagged": unrecorded_flagged,
        "cases": Case.objects.filter(office_id=author.office_id, author=author).order_by(
            "-created"
        )[:10],
    }
