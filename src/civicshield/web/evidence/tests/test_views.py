"""Evidence pages: the permission table (volunteer 403, other office 404), and what each does."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse
from django.utils.html import escape

from civicshield.core.evidence import verify_pack
from civicshield.web.audit.models import AuditEntry
from civicshield.web.evidence import services
from civicshield.web.evidence.models import Case, EvidenceRecord, EvidenceScreenshot
from civicshield.web.evidence.reporting import ROUTES
from civicshield.web.inbox.models import Message
from civicshield.web.testing import make_evidence, make_message, signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def message(cast):
    message = make_message(
        cast.office_a, "You should be scared, <script>x</script>", author="@pest"
    )
    Message.objects.filter(pk=message.pk).update(url="https://social.example/@pest/1")
    message.refresh_from_db()
    return message


def test_the_message_page_has_the_record_button(cast, message):
    page = signed_in_client(cast.caseworker.user).get(reverse("inbox:message", args=[message.pk]))
    assert page.status_code == 200
    assert reverse("evidence:record_message", args=[message.pk]) in page.content.decode()
    assert b"Record as evidence" in page.content


def test_record_as_evidence_creates_a_record_and_shows_it(cast, message):
    client = signed_in_client(cast.caseworker.user)
    response = client.post(
        reverse("evidence:record_message", args=[message.pk]), {"note": "third this week"}
    )
    record = EvidenceRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("evidence:record", args=[record.pk])
    assert record.note == "third this week"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert record.sha256 in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<script>x</script>" not in html
    assert "@pest" in html
    # The message page now offers the pack.
    panel = client.get(reverse("inbox:message", args=[message.pk])).content.decode()
    assert reverse("evidence:message_pack", args=[message.pk]) in panel


def test_a_record_shows_but_never_links_an_address_that_is_not_a_web_link(cast, message):
    Message.objects.filter(pk=message.pk).update(url="javascript:alert(document.cookie)")
    client = signed_in_client(cast.caseworker.user)
    response = client.post(reverse("evidence:record_message", args=[message.pk]), {"note": ""})
    html = client.get(response["Location"]).content.decode()
    assert 'href="javascript:' not in html
    assert "<code>javascript:alert(document.cookie)</code>" in html


def test_record_as_evidence_only_takes_post(cast, message):
    client = signed_in_client(cast.caseworker.user)
    assert client.get(reverse("evidence:record_message", args=[message.pk])).status_code == 405


def test_a_correction_from_the_record_page(cast, message):
    record = services.evidence_record(member=cast.caseworker, message=message)
    client = signed_in_client(cast.manager.user)
    response = client.post(
        reverse("evidence:record_correct", args=[record.pk]), {"note": "posted time was wrong"}
    )
    correction = EvidenceRecord.objects.exclude(pk=record.pk).get()
    assert response["Location"] == reverse("evidence:record", args=[correction.pk])
    assert correction.supersedes_id == record.pk
    page = client.get(reverse("evidence:record", args=[record.pk])).content.decode()
    assert f"evidence #{correction.pk}" in page


def test_screenshots_are_served_as_images_never_as_pages(cast, message):
    record = services.evidence_record(member=cast.caseworker, message=message)
    shot = EvidenceScreenshot(record=record, kind="post", image=b"<html>not a png", sha256="a")
    shot.save()
    response = signed_in_client(cast.caseworker.user).get(
        reverse("evidence:screenshot", args=[shot.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response.content == b"<html>not a png"


def test_a_failed_screenshot_is_not_served(cast, message):
    record = services.evidence_record(member=cast.caseworker, message=message)
    shot = EvidenceScreenshot(record=record, kind="post", error="screenshot not available: x")
    shot.save()
    client = signed_in_client(cast.caseworker.user)
    assert client.get(reverse("evidence:screenshot", args=[shot.pk])).status_code == 404
    page = client.get(reverse("evidence:record", args=[record.pk])).content.decode()
    assert "screenshot not available: x" in page


def test_the_original_downloads_byte_for_byte(cast, message):
    record = services.evidence_record(member=cast.caseworker, message=message)
    response = signed_in_client(cast.caseworker.user).get(
        reverse("evidence:record_original", args=[record.pk])
    )
    assert response.content == bytes(record.original_bytes)
    assert "attachment" in response["Content-Disposition"]


def test_the_message_pack_downloads_and_verifies(cast, message):
    services.evidence_record(member=cast.caseworker, message=message)
    response = signed_in_client(cast.caseworker.user).get(
        reverse("evidence:message_pack", args=[message.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    report = verify_pack(response.content)
    assert report.ok, report.problems
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.read("summary.pdf").startswith(b"%PDF")
    assert response["X-Evidence-Manifest-SHA256"] == report.manifest_sha256
    assert AuditEntry.objects.filter(action="evidence.pack.exported").count() == 1


def test_a_pack_of_nothing_recorded_explains_itself(cast, message):
    client = signed_in_client(cast.caseworker.user)
    response = client.get(reverse("evidence:message_pack", args=[message.pk]), follow=True)
    assert b"Nothing here has been recorded as evidence yet" in response.content


def test_the_author_page_records_everything_flagged_and_packs_it(cast):
    threats = [
        make_message(cast.office_a, f"I will hurt you, number {n}", author="@pest")
        for n in range(3)
    ]
    author = threats[0].author
    assert all(m.abusive for m in threats), "the classifier should flag these"
    client = signed_in_client(cast.caseworker.user)
    page = client.get(reverse("inbox:author", args=[author.pk])).content.decode()
    assert reverse("evidence:record_author", args=[author.pk]) in page
    client.post(reverse("evidence:record_author", args=[author.pk]))
    assert EvidenceRecord.objects.count() == 3
    response = client.get(reverse("evidence:author_pack", args=[author.pk]))
    report = verify_pack(response.content)
    assert report.ok
    assert len([n for n in report.checked if n.startswith("originals/")]) == 3


def test_cases_page_opens_a_case_and_records_a_platform_report(cast, message):
    author = message.author
    client = signed_in_client(cast.caseworker.user)
    assert client.get(reverse("evidence:author_cases", args=[author.pk])).status_code == 200
    response = client.post(
        reverse("evidence:author_cases", args=[author.pk]),
        {"title": "Threats after the vote", "messages": [message.pk]},
    )
    case = Case.objects.get()
    assert response["Location"] == reverse("evidence:case", args=[case.pk])
    assert list(case.items.all()) == [message]
    client.post(
        reverse("evidence:case_action", args=[case.pk]),
        {"action": "report", "platform": "mastodon", "reference": "REP-9", "outcome": "waiting"},
    )
    report = case.reports.get()
    assert report.reference == "REP-9"
    client.post(
        reverse("evidence:report_outcome", args=[report.pk]),
        {"outcome": "suspended", "notes": "Account suspended"},
    )
    report.refresh_from_db()
    assert report.outcome == "suspended"
    page = client.get(reverse("evidence:case", args=[case.pk])).content.decode()
    assert "REP-9" in page
    assert "Account suspended or banned" in page


def test_the_report_text_lists_every_post_with_link_and_time(cast, message):
    second = make_message(cast.office_a, "again and again", author="@pest")
    case = services.case_open(
        member=cast.caseworker, author=message.author, title="x", messages=[message, second]
    )
    page = signed_in_client(cast.caseworker.user).get(
        reverse("evidence:case_report_text", args=[case.pk])
    )
    html = page.content.decode()
    assert "<textarea" in html and "readonly" in html
    assert "https://social.example/@pest/1" in html
    assert "@pest" in html
    assert "2 abusive message(s)" in html
    assert escape(ROUTES["mastodon"].how) in html
    assert "reportharmfulcontent.com" in html


def test_the_report_text_links_to_the_platform_help_page(cast):
    post = make_message(cast.office_a, "you are vile", author="troller", platform="x")
    case = services.case_open(
        member=cast.caseworker, author=post.author, title="x", messages=[post]
    )
    html = (
        signed_in_client(cast.caseworker.user)
        .get(reverse("evidence:case_report_text", args=[case.pk]))
        .content.decode()
    )
    assert ROUTES["x"].link in html


VIEWS = [
    ("evidence:record_message", "post", "message"),
    ("evidence:message_pack", "get", "message"),
    ("evidence:record", "get", "record"),
    ("evidence:record_correct", "post", "record"),
    ("evidence:record_original", "get", "record"),
    ("evidence:record_author", "post", "author"),
    ("evidence:author_pack", "get", "author"),
    ("evidence:author_cases", "get", "author"),
    ("evidence:case", "get", "case"),
    ("evidence:case_action", "post", "case"),
    ("evidence:case_pack", "get", "case"),
    ("evidence:case_report_text", "get", "case"),
]


@pytest.fixture
def objects(cast):
    record = make_evidence(cast)
    case = services.case_open(
        member=cast.caseworker, author=record.message.author, title="c", messages=[record.message]
    )
    return {
        "message": record.message_id,
        "record": record.pk,
        "author": record.message.author_id,
        "case": case.pk,
    }


@pytest.mark.parametrize(("name", "method", "kind"), VIEWS)
def test_volunteers_are_refused(cast, objects, name, method, kind):
    client = signed_in_client(cast.volunteer.user)
    response = getattr(client, method)(reverse(name, args=[objects[kind]]))
    assert response.status_code == 403


@pytest.mark.parametrize(("name", "method", "kind"), VIEWS)
def test_another_office_gets_not_found(cast, objects, name, method, kind):
    client = signed_in_client(cast.other_manager.user)
    response = getattr(client, method)(reverse(name, args=[objects[kind]]))
    assert response.status_code == 404


def test_the_panels_are_hidden_from_people_without_evidence_rights(cast, message):
    # Volunteers never reach the inbox pages at all; the panel itself also checks.
    response = signed_in_client(cast.volunteer.user).get(
        reverse("inbox:message", args=[message.pk])
    )
    assert response.status_code == 403


def test_the_evidence_page_lists_open_cases_and_latest_records(cast, objects):
    client = signed_in_client(cast.caseworker.user)
    page = client.get(reverse("evidence:index")).content.decode()
    assert reverse("evidence:record", args=[objects["record"]]) in page
    assert reverse("evidence:case", args=[objects["case"]]) in page
    assert signed_in_client(cast.volunteer.user).get(reverse("evidence:index")).status_code == 403
    theirs = signed_in_client(cast.other_manager.user).get(reverse("evidence:index"))
    assert reverse("evidence:record", args=[objects["record"]]) not in theirs.content.decode()


def test_the_nav_shows_evidence_to_staff_but_not_volunteers(cast):
    link = f'href="{reverse("evidence:index")}"'
    assert link in signed_in_client(cast.caseworker.user).get("/").content.decode()
    assert link not in signed_in_client(cast.volunteer.user).get("/").content.decode()


def test_the_new_case_form_starts_with_the_flagged_messages_ticked(cast):
    flagged = make_message(cast.office_a, "I will hurt you", author="@pest")
    clean = make_message(cast.office_a, "Thanks for the newsletter", author="@pest")
    assert flagged.abusive and not clean.abusive
    page = signed_in_client(cast.caseworker.user).get(
        reverse("evidence:author_cases", args=[flagged.author_id])
    )
    form = page.context["form"]
    assert form["messages"].initial == [flagged.pk]


def test_a_case_pack_holds_only_the_cases_recorded_messages(cast):
    inside = make_message(cast.office_a, "I will hurt you", author="@pest")
    outside = make_message(cast.office_a, "I will hurt you too", author="@pest")
    for message in (inside, outside):
        services.evidence_record(member=cast.caseworker, message=message)
    case = services.case_open(
        member=cast.caseworker, author=inside.author, title="One", messages=[inside]
    )
    response = signed_in_client(cast.caseworker.user).get(
        reverse("evidence:case_pack", args=[case.pk])
    )
    report = verify_pack(response.content)
    assert report.ok
    assert [n for n in report.checked if n.startswith("originals/")] == ["originals/1.bin"]
    entry = AuditEntry.objects.get(action="evidence.pack.exported")
    assert entry.target_type == "evidence.case"
