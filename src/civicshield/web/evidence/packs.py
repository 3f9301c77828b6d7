"""Evidence packs for one message or a whole author: items, originals, screenshots, PDF summary."""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.template.loader import render_to_string
from django.utils import timezone

from civicshield.core.evidence import ORIGINAL_FORMAT, build_pack, decode_original, verify_pack
from civicshield.web.accounts.models import Membership
from civicshield.web.audit import services as audit
from civicshield.web.evidence import selectors
from civicshield.web.evidence.models import EvidenceRecord, EvidenceScreenshot, PlatformReport
from civicshield.web.evidence.services import _require, _same_office
from civicshield.web.inbox.models import Author, Message

ERROR_NOTHING_RECORDED = "Nothing here has been recorded as evidence yet: record it first."
ERROR_PDF_UNAVAILABLE = (
    "The PDF summary cannot be made on this server: WeasyPrint or its Pango libraries are missing."
)


class PackError(Exception):
    pass


@dataclass(frozen=True)
class Pack:
    data: bytes
    filename: str
    manifest_sha256: str
    items: int


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat() if moment is not None else None


def record_text(record: EvidenceRecord) -> str:
    if record.original_format == ORIGINAL_FORMAT:
        try:
            return decode_original(bytes(record.original_bytes))[0]
        except ValueError:
            pass
    return record.message.text


def _shots(record: EvidenceRecord) -> list[dict[str, Any]]:
    """All screenshots of a record: those given when recording, then the job's."""
    shots: list[dict[str, Any]] = []
    for kind, data, digest in (
        ("post", record.screenshot_post, record.screenshot_post_sha256),
        ("profile", record.screenshot_profile, record.screenshot_profile_sha256),
    ):
        if data:
            shots.append(
                {
                    "kind": kind,
                    "image": bytes(data),
                    "sha256": digest,
                    "taken_at": record.captured_at,
                    "url": "",
                    "error": "",
                }
            )
    for row in EvidenceScreenshot.objects.filter(record=record).order_by("taken_at", "pk"):
        shots.append(
            {
                "kind": row.kind,
                "image": bytes(row.image) if row.image is not None else None,
                "sha256": row.sha256,
                "taken_at": row.taken_at,
                "url": row.url,
                "error": row.error,
            }
        )
    return shots


def _reports_for(member: Membership, message: Message) -> list[PlatformReport]:
    return list(
        PlatformReport.objects.filter(case__office=member.office, case__items=message)
        .select_related("case")
        .order_by("reported_at")
    )


def _summary_pdf(context: dict[str, Any]) -> bytes:
    from PIL import ImageFile

    # Importing WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES = True, which would
    # make the privacy scanner (core.privacy.images) accept damaged pictures in this process.
    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        from weasyprint import HTML, URLFetcher
    except (ImportError, OSError) as exc:
        raise PackError(ERROR_PDF_UNAVAILABLE) from exc
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    # Never fetch anything while printing: posts and profiles are written by the senders, so
    # only our own embedded (data:) screenshots may load; no network, no local files.
    fetcher = URLFetcher(allowed_protocols=["data"], allow_redirects=False, timeout=1)
    html = render_to_string("evidence/pack_summary.html", context)
    return bytes(HTML(string=html, url_fetcher=fetcher).write_pdf())


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:40] or "item"


def pack_build(
    *,
    member: Membership,
    messages: list[Message],
    subject: Model,
    title: str,
    author: Author | None = None,
) -> Pack:
    """Build the ZIP for these messages' evidence records and audit the export.

    The manifest's SHA-256 goes into the audit log, so the office can later show which pack
    it handed over.
    """
    _require(member)
    records = selectors.records_for_messages(member=member, messages=messages)
    if not records:
        raise PackError(ERROR_NOTHING_RECORDED)
    for record in records:
        _same_office(member, record.office_id)
    now = timezone.now()
    numbers = {record.pk: n for n, record in enumerate(records, start=1)}
    items: list[dict[str, Any]] = []
    files: dict[str, bytes] = {}
    printable: list[dict[str, Any]] = []
    for number, record in enumerate(records, start=1):
        original_name = f"originals/{number}.bin"
        files[original_name] = bytes(record.original_bytes)
        shot_items = []
        printed_shots = []
        for index, shot in enumerate(_shots(record), start=1):
            entry: dict[str, Any] = {
                "kind": shot["kind"],
                "url": shot["url"],
                "taken_at": _iso(shot["taken_at"]),
            }
            if shot["image"]:
                name = f"screenshots/{number}-{shot['kind']}-{index}.png"
                files[name] = shot["image"]
                entry.update(file=name, sha256=shot["sha256"])
                printed_shots.append(
                    {
                        **entry,
                        "label": EvidenceScreenshot.Kind(shot["kind"]).label,
                        "taken_at_local": shot["taken_at"],
                        "data_uri": "data:image/png;base64,"
                        + base64.b64encode(shot["image"]).decode("ascii"),
                    }
                )
            else:
                entry["error"] = shot["error"]
                printed_shots.append(
                    {**entry, "label": EvidenceScreenshot.Kind(shot["kind"]).label}
                )
            shot_items.append(entry)
        message = record.message
        reports = _reports_for(member, message)
        history = selectors.handling_history(member=member, message=message)
        item = {
            "number": number,
            "evidence_id": record.pk,
            "message_id": message.pk,
            "platform": record.platform,
            "platform_id": record.platform_id,
            "url": record.url,
            "is_direct": message.is_direct,
            "posted_at": _iso(record.posted_at),
            "received_at": _iso(message.received_at),
            "captured_at": _iso(record.captured_at),
            "recorded_by": record.recorded_by_label,
            "text": record_text(record),
            "original_file": original_name,
            "original_format": record.original_format,
            "sha256": record.sha256,
            "author": record.author_snapshot,
            "screenshots": shot_items,
            "supersedes_item": numbers.get(record.supersedes_id) if record.supersedes_id else None,
            "note": record.note,
            "classification": {
                "severity": message.severity,
                "labels": message.labels,
                "reasons": message.reasons,
            },
            "state": message.state,
            "handling": [
                {"at": _iso(e["at"]), "who": e["who"], "what": e["what"]} for e in history
            ],
            "platform_reports": [
                {
                    "platform": r.platform,
                    "reported_at": _iso(r.reported_at),
                    "reference": r.reference,
                    "outcome": r.outcome,
                    "via": r.via,
                    "case": r.case.title,
                }
                for r in reports
            ],
        }
        items.append(item)
        printable.append(
            {
                **item,
                "record": record,
                "message": message,
                "shots": printed_shots,
                "history": history,
                "reports": reports,
            }
        )
    pdf = _summary_pdf(
        {
            "office": member.office,
            "prepared_by": member.user,
            "prepared_at": now,
            "title": title,
            "author": author,
            "items": printable,
            "first": printable[0],
            "last": printable[-1],
        }
    )
    data = build_pack(items, files, pdf, created=now)
    manifest_sha256 = verify_pack(data).manifest_sha256
    with transaction.atomic():
        audit.record(
            action="evidence.pack.exported",
            office=member.office,
            actor=member.user,
            target=subject,
            details={
                "manifest_sha256": manifest_sha256,
                "evidence_ids": [r.pk for r in records],
            },
        )
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    return Pack(data, f"evidence-{_slug(title)}-{stamp}.zip", manifest_sha256, len(items))


__all__ = ["Pack", "PackError", "pack_build", "record_text"]
