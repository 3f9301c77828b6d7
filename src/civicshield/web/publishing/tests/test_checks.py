"""Pre-publish checks: what each finds, block or warn per office, overrides with a reason."""

from __future__ import annotations

import io
import sys
import types
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from civicshield.core.privacy import scan_image
from civicshield.web.accounts.services import NotAllowed
from civicshield.web.audit.models import AuditEntry
from civicshield.web.publishing import checks, connections, services
from civicshield.web.publishing.models import Draft
from civicshield.web.publishing.tests.images import geotagged_jpeg

pytestmark = pytest.mark.django_db


def _approved(cast, account, text):
    draft = services.draft_create(member=cast.volunteer, account=account, text=text)
    services.draft_submit(member=cast.volunteer, draft=draft)
    return services.draft_approve(member=cast.manager, draft=draft)


def test_a_phone_number_blocks_scheduling_with_an_explanation(cast, account):
    draft = _approved(cast, account, "Call me on 07700 900123 about the surgery")
    report = checks.run_checks(draft)
    privacy = report.by_check()["privacy"]
    assert [f.kind for f in privacy.findings] == ["phone"]
    assert "phone number" in privacy.findings[0].detail
    assert privacy.blocks and not report.clear
    with pytest.raises(ValidationError) as caught:
        services.draft_schedule(member=cast.comms, draft=draft)
    assert caught.value.messages == [
        services.ERROR_CHECKS_BLOCK.format(checks="Personal information")
    ]


def test_the_office_can_make_a_check_warn_only(cast, account):
    connections.check_settings_update(member=cast.manager, privacy="warn")
    draft = _approved(cast, account, "Call me on 07700 900123")
    report = checks.run_checks(draft)
    assert report.by_check()["privacy"].findings and report.clear
    assert services.draft_schedule(member=cast.comms, draft=draft).state == "scheduled"


def test_the_office_public_number_is_allowed_and_private_names_are_found(cast, account):
    connections.check_settings_update(
        member=cast.manager,
        allowed_details=["020 7219 3000"],
        private_names=["Sophie: daughter"],
    )
    draft = services.draft_create(
        member=cast.volunteer,
        account=account,
        text="Call the office on 020 7219 3000. Sophie helped today.",
    )
    found = checks.run_checks(draft).by_check()["privacy"].findings
    assert [f.kind for f in found] == ["private_person"]
    assert "daughter" in found[0].detail


def test_an_override_needs_a_reason_is_audited_and_lasts_one_version(cast, account):
    draft = _approved(cast, account, "Call me on 07700 900123")
    with pytest.raises(ValidationError) as caught:
        services.check_override(member=cast.comms, draft=draft, check="privacy", reason=" ")
    assert caught.value.messages == [services.ERROR_REASON_NEEDED]
    services.check_override(
        member=cast.comms, draft=draft, check="privacy", reason="It is the campaign hotline"
    )
    entry = AuditEntry.objects.get(action="publishing.draft.check_overridden")
    assert entry.details["reason"] == "It is the campaign hotline"
    assert entry.actor == cast.comms.user
    assert checks.run_checks(draft).clear
    assert services.draft_schedule(member=cast.comms, draft=draft).state == "scheduled"
    # An edit is a new version: the override no longer applies.
    draft = services.draft_edit(member=cast.comms, draft=draft, text="Call 07700 900124")
    assert not checks.run_checks(draft).clear


def test_a_volunteer_cannot_override(cast, account):
    draft = _approved(cast, account, "Call me on 07700 900123")
    with pytest.raises(NotAllowed):
        services.check_override(member=cast.volunteer, draft=draft, check="privacy", reason="x")


def test_a_photo_metadata_is_shown_then_stripped(cast, account, draft):
    image = services.draft_image_add(
        member=cast.volunteer, draft=draft, data=geotagged_jpeg(), filename="a.jpg", alt_text=""
    )
    kinds = {f["kind"] for f in image.metadata_found}
    assert {"image_gps", "image_device"} <= kinds
    assert scan_image(bytes(image.data)).findings == ()
    assert scan_image(bytes(image.data)).gps is None
    result = checks.run_checks(Draft.objects.get(pk=draft.pk)).by_check()["images"]
    resolved = [f for f in result.findings if f.resolved]
    assert {f.kind for f in resolved} >= {"image_gps", "image_device"}
    # Missing alt text is the one open finding.
    assert [f.kind for f in result.open_findings] == ["alt_text"]
    services.draft_image_update(member=cast.volunteer, image=image, alt_text="Our stall")
    assert not checks.run_checks(Draft.objects.get(pk=draft.pk)).by_check()["images"].blocks


def test_upload_errors_are_plain(cast, account, draft):
    with pytest.raises(ValidationError) as caught:
        services.draft_image_add(
            member=cast.volunteer, draft=draft, data=b"%PDF-1.4", filename="x.pdf", alt_text=""
        )
    assert "not an image" in caught.value.messages[0]
    with pytest.raises(ValidationError) as caught:
        services.draft_image_add(
            member=cast.volunteer,
            draft=draft,
            data=b"\xff\xd8\xff" + b"0" * services.MAX_IMAGE_BYTES,
            filename="big.jpg",
            alt_text="",
        )
    assert caught.value.messages == [services.ERROR_IMAGE_TOO_BIG.format(mb=8)]


def test_an_upload_after_approval_sends_it_back(cast, account):
    draft = _approved(cast, account, "Stall today")
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="PNG")
    services.draft_image_add(
        member=cast.volunteer, draft=draft, data=out.getvalue(), filename="s.png", alt_text="x"
    )
    assert Draft.objects.get(pk=draft.pk).state == Draft.State.IN_REVIEW


def test_a_lookalike_link_is_found(cast, account):
    draft = services.draft_create(
        member=cast.volunteer,
        account=account,
        text="Read the report at https://www.parliment.uk/report and www.parliament.uk",
    )
    found = checks.run_checks(draft).by_check()["links"].findings
    assert len(found) == 1
    assert "parliment.uk" in found[0].detail and "parliament.uk" in found[0].detail


def test_tone_says_when_the_classifier_is_missing(cast, account, draft, monkeypatch):
    monkeypatch.setitem(sys.modules, "civicshield.core.abuse", None)
    tone = checks.run_checks(draft).by_check()["tone"]
    assert tone.available is False and "not installed" in tone.note and not tone.blocks


def test_tone_uses_the_abuse_classifier(cast, account, draft, monkeypatch):
    @dataclass
    class Result:
        abusive: bool = True
        score: float = 0.91
        labels: tuple[str, ...] = ("harassment", "spam_scam")
        severity: str = "medium"
        reasons: tuple[str, ...] = ("insulting words",)

    fake = types.ModuleType("civicshield.core.abuse")
    fake.classify = lambda text: Result()  # type: ignore[attr-defined]
    fake.LABEL_WORDS = {"harassment": "Harassment", "spam_scam": "Spam or scam"}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "civicshield.core.abuse", fake)
    tone = checks.run_checks(draft).by_check()["tone"]
    assert tone.findings[0].detail.startswith(
        "The post may read as hostile or abusive (harassment, spam or scam); "
        "how sure CivicShield is: 91 out of 100. insulting words"
    )
    assert tone.mode == "warn" and not tone.blocks


@pytest.mark.parametrize(
    ("text", "platform", "count"),
    [
        ("See https://example.org/a/very/long/path/indeed/yes", "mastodon", 27),
        ("Hi @bob@mastodon.social", "mastodon", 7),
        ("👍🏽 ok", "bluesky", 4),
        ("café", "bluesky", 4),
    ],
)
def test_character_counts_follow_each_platform(text, platform, count):
    assert checks.character_count(text, platform) == count


def test_tone_with_the_real_classifier(cast, account):
    hostile = services.draft_create(
        member=cast.volunteer, account=account, text="The council are useless idiots, shut up"
    )
    tone = checks.run_checks(hostile).by_check()["tone"]
    assert tone.available and tone.findings and "idiots" in tone.findings[0].detail
    calm = services.draft_create(member=cast.volunteer, account=account, text="Surgery on Friday")
    assert checks.run_checks(calm).by_check()["tone"].findings == ()


def test_removing_a_photo_is_audited_with_its_id(cast, account, draft):
    image = services.draft_image_add(
        member=cast.volunteer, draft=draft, data=geotagged_jpeg(), filename="a.jpg", alt_text="x"
    )
    image_id = image.pk
    services.draft_image_update(member=cast.volunteer, image=image, remove=True)
    entry = AuditEntry.objects.get(action="publishing.draft.image_removed")
    assert entry.details["image_id"] == image_id
    assert Draft.objects.get(pk=draft.pk).images.count() == 0
