"""Recording evidence: the exact original, its SHA-256, the author as at capture, who and when."""

from __future__ import annotations

import base64
import hashlib

import pytest
from django.core.exceptions import ValidationError

from civicshield.core.evidence import EMAIL_FORMAT, ORIGINAL_FORMAT, decode_original
from civicshield.web.audit.models import AuditEntry
from civicshield.web.evidence import services
from civicshield.web.evidence.models import EvidenceRecord
from civicshield.web.inbox.models import Message
from civicshield.web.testing import make_message

pytestmark = pytest.mark.django_db

TEXT = 'I know where your surgery is.\nSee you there 🙂 "soon"'


@pytest.fixture
def message(cast):
    message = make_message(cast.office_a, TEXT, author="@troll@bad.example")
    author = message.author
    author.display_name = "Troll Face"
    author.bio = "Just asking questions"
    author.avatar_url = "https://bad.example/avatar.png"
    author.save()
    Message.objects.filter(pk=message.pk).update(url="https://bad.example/@troll/1")
    message.refresh_from_db()
    return message


def test_it_keeps_the_text_byte_for_byte_with_its_sha256(cast, message):
    record = services.evidence_record(member=cast.caseworker, message=message, note="worrying")
    stored = bytes(EvidenceRecord.objects.get(pk=record.pk).original_bytes)
    assert TEXT.encode("utf-8") in stored
    assert record.original_format == ORIGINAL_FORMAT
    text, fields = decode_original(stored)
    assert text == TEXT
    assert fields["platform_id"] == message.platform_id
    assert fields["url"] == "https://bad.example/@troll/1"
    assert record.sha256 == hashlib.sha256(stored).hexdigest()
    assert record.platform == "mastodon"
    assert record.platform_id == message.platform_id
    assert record.url == "https://bad.example/@troll/1"
    assert record.recorded_by == cast.caseworker
    assert "cara@a.example" in record.recorded_by_label
    assert record.captured_at is not None
    assert record.note == "worrying"


def test_it_keeps_the_author_as_at_capture(cast, message):
    record = services.evidence_record(member=cast.caseworker, message=message)
    author = message.author
    author.bio = "changed later"
    author.save()
    snapshot = EvidenceRecord.objects.get(pk=record.pk).author_snapshot
    assert snapshot["handle"] == "@troll@bad.example"
    assert snapshot["display_name"] == "Troll Face"
    assert snapshot["bio"] == "Just asking questions"
    assert snapshot["avatar_url"] == "https://bad.example/avatar.png"
    assert snapshot["profile_url"] == "https://bad.example/@troll"
    assert "account_created" in snapshot


def test_an_email_keeps_its_raw_rfc5322_bytes(cast):
    raw = b"From: a@b.example\r\nSubject: you\r\n\r\nThreat body\r\n"
    message = make_message(cast.office_a, "you\n\nThreat body", platform="email")
    Message.objects.filter(pk=message.pk).update(
        raw={services.RAW_EMAIL_KEY: base64.b64encode(raw).decode()}
    )
    message.refresh_from_db()
    record = services.evidence_record(member=cast.caseworker, message=message)
    assert bytes(record.original_bytes) == raw
    assert record.original_format == EMAIL_FORMAT
    assert record.sha256 == hashlib.sha256(raw).hexdigest()


def test_an_email_without_raw_bytes_falls_back_to_text_and_fields(cast):
    message = make_message(cast.office_a, "plain", platform="email")
    record = services.evidence_record(member=cast.caseworker, message=message)
    assert record.original_format == ORIGINAL_FORMAT


def test_it_is_audited(cast, message):
    record = services.evidence_record(member=cast.caseworker, message=message)
    entry = AuditEntry.objects.filter(action="evidence.recorded").get()
    assert entry.office == cast.office_a
    assert entry.actor == cast.caseworker.user
    assert entry.target_id == str(record.pk)
    assert entry.details["sha256"] == record.sha256


def test_a_correction_is_a_new_record_and_the_old_one_stays(cast, message):
    first = services.evidence_record(member=cast.caseworker, message=message)
    second = services.evidence_record(
        member=cast.manager, message=message, supersedes=first, note="wrong time zone"
    )
    assert second.pk != first.pk
    assert second.supersedes == first
    assert list(first.corrections.all()) == [second]
    assert EvidenceRecord.objects.get(pk=first.pk).note == ""
    assert AuditEntry.objects.filter(action="evidence.corrected").count() == 1


def test_a_correction_must_be_for_the_same_message(cast, message):
    first = services.evidence_record(member=cast.caseworker, message=message)
    other = make_message(cast.office_a, "another")
    with pytest.raises(ValidationError, match=services.ERROR_SUPERSEDES):
        services.evidence_record(member=cast.caseworker, message=other, supersedes=first)


@pytest.mark.parametrize("role", ["representative", "manager", "comms", "caseworker"])
def test_staff_who_triage_may_record(cast, message, role):
    assert services.evidence_record(member=getattr(cast, role), message=message).pk


def test_volunteers_never_record(cast, message):
    with pytest.raises(services.NotAllowed, match=services.ERROR_NOT_ALLOWED):
        services.evidence_record(member=cast.volunteer, message=message)
    assert not EvidenceRecord.objects.exists()


def test_another_office_cannot_record_our_message(cast, message):
    with pytest.raises(services.NotAllowed):
        services.evidence_record(member=cast.other_manager, message=message)


def test_screenshots_given_when_recording_are_kept_with_their_hashes(cast, message):
    record = services.evidence_record(
        member=cast.caseworker, message=message, screenshot_post=b"post-png"
    )
    assert bytes(record.screenshot_post or b"") == b"post-png"
    assert record.screenshot_post_sha256 == hashlib.sha256(b"post-png").hexdigest()
    assert record.screenshot_profile is None


def test_a_screenshot_job_is_queued_when_screenshots_are_on(cast, message, settings):
    from civicshield.web.jobs.models import Job

    settings.CIVICSHIELD_SCREENSHOTS = True
    record = services.evidence_record(member=cast.caseworker, message=message)
    job = Job.objects.get(name="evidence.screenshot")
    assert job.payload == {"record_id": record.pk}


def test_no_screenshot_job_when_screenshots_are_off(cast, message):
    from civicshield.web.jobs.models import Job

    services.evidence_record(member=cast.caseworker, message=message)
    assert not Job.objects.filter(name="evidence.screenshot").exists()
