"""Evidence packs from the database: contents, a readable PDF, verification, and the audit entry."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from civicshield.core.evidence import verify_pack
from civicshield.web.audit.models import AuditEntry
from civicshield.web.evidence import services
from civicshield.web.evidence.models import EvidenceScreenshot
from civicshield.web.evidence.packs import ERROR_NOTHING_RECORDED, PackError, pack_build
from civicshield.web.inbox import services as inbox
from civicshield.web.testing import make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(cast):
    first = make_message(cast.office_a, "First threat: I will find you", author="@stalker")
    second = make_message(cast.office_a, "Second: we know your car", author="@stalker")
    inbox.message_add_note(member=cast.caseworker, message=first, text="Called 101, ref CAD 77")
    inbox.message_set_state(member=cast.caseworker, message=first, state="actioned")
    r1 = services.evidence_record(member=cast.caseworker, message=first)
    r2 = services.evidence_record(member=cast.manager, message=second, screenshot_post=b"PNGPOST")
    EvidenceScreenshot(
        record=r1, kind="profile", image=b"PNGPROFILE", sha256="f" * 64, url="https://x"
    ).save()
    EvidenceScreenshot(record=r1, kind="post", error="screenshot not available: no browser").save()
    case = services.case_open(
        member=cast.caseworker, author=first.author, title="Stalking", messages=[first, second]
    )
    services.platform_report_add(
        member=cast.caseworker, case=case, platform="mastodon", reference="MOD-881"
    )
    return first, second, r1, r2


def _members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_an_author_pack_holds_every_recorded_item_and_verifies(cast, recorded):
    first, second, r1, r2 = recorded
    pack = pack_build(
        member=cast.manager,
        messages=[first, second],
        subject=first.author,
        title="stalker",
        author=first.author,
    )
    report = verify_pack(pack.data)
    assert report.ok, report.problems
    assert report.manifest_sha256 == pack.manifest_sha256
    members = _members(pack.data)
    assert members["summary.pdf"].startswith(b"%PDF")
    assert members["originals/1.bin"] == bytes(r1.original_bytes)
    assert members["originals/2.bin"] == bytes(r2.original_bytes)
    assert b"PNGPROFILE" in members.values()
    assert b"PNGPOST" in members.values()
    items = json.loads(members["items.json"])
    assert [i["text"] for i in items] == [first.text, second.text]
    assert items[0]["sha256"] == r1.sha256
    assert items[0]["author"]["handle"] == "@stalker"
    assert items[0]["recorded_by"].startswith("Cara Lee")
    assert items[0]["platform_reports"][0]["reference"] == "MOD-881"
    whats = " | ".join(e["what"] for e in items[0]["handling"])
    assert "Note: Called 101, ref CAD 77" in whats
    assert "Marked actioned" in whats
    assert "Recorded as evidence" in whats
    assert {"kind": "post", "error": "screenshot not available: no browser"}.items() <= (
        next(s for s in items[0]["screenshots"] if s["kind"] == "post").items()
    )
    assert pack.filename.endswith(".zip")


def test_the_export_is_audited_with_the_manifest_hash(cast, recorded):
    first = recorded[0]
    pack = pack_build(member=cast.caseworker, messages=[first], subject=first, title="one")
    entry = AuditEntry.objects.get(action="evidence.pack.exported")
    assert entry.details["manifest_sha256"] == pack.manifest_sha256
    assert entry.details["evidence_ids"] == [recorded[2].pk]
    assert entry.actor == cast.caseworker.user


def test_the_pdf_is_text_a_person_can_read(cast, recorded):
    first = recorded[0]
    pack = pack_build(member=cast.caseworker, messages=[first], subject=first, title="one")
    pdf = _members(pack.data)["summary.pdf"]
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 2000


def test_nothing_recorded_means_no_pack(cast):
    message = make_message(cast.office_a, "not recorded")
    with pytest.raises(PackError, match=ERROR_NOTHING_RECORDED):
        pack_build(member=cast.caseworker, messages=[message], subject=message, title="x")


def test_volunteers_get_no_pack(cast, recorded):
    with pytest.raises(services.NotAllowed):
        pack_build(member=cast.volunteer, messages=[recorded[0]], subject=recorded[0], title="x")


def test_another_office_gets_nothing_of_ours(cast, recorded):
    with pytest.raises(PackError):
        pack_build(
            member=cast.other_manager, messages=[recorded[0]], subject=recorded[0], title="x"
        )


def test_making_a_pdf_leaves_pillow_strict_for_the_privacy_scanner(cast, recorded):
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    pack_build(member=cast.caseworker, messages=[recorded[0]], subject=recorded[0], title="x")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is before is False
