"""The check page: paste or upload an email, see plain-words findings; bad input says why."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from civicshield.web.accounts.roles import Role
from civicshield.web.audit.models import AuditEntry
from civicshield.web.mailguard.forms import ERROR_BOTH_GIVEN, ERROR_FILE_TYPE
from civicshield.web.mailguard.models import ScannedEmail
from civicshield.web.mailguard.services import (
    ERROR_MSG_UNREADABLE,
    ERROR_NOTHING_GIVEN,
    ERROR_TOO_BIG,
    ERROR_UNREADABLE,
    MAX_CHECK_BYTES,
)
from civicshield.web.mailguard.tests.conftest import fixture_bytes
from civicshield.web.testing import signed_in_client

pytestmark = pytest.mark.django_db
URL = reverse("mailguard:check")


def test_it_flags_a_lookalike_of_a_trusted_contact_and_names_them(cast, sarah):
    client = signed_in_client(cast.caseworker.user)
    response = client.post(
        URL, {"source": fixture_bytes("phishing_lookalike.eml").decode()}, follow=True
    )
    assert response.status_code == 200
    scanned = ScannedEmail.objects.get()
    assert scanned.verdict == "phishing"
    assert scanned.scanned_by == cast.caseworker
    assert scanned.mailbox is None
    page = response.content.decode()
    assert "This email looks like phishing" in page
    assert "your colleague Sarah Jones" in page
    # The advice to check by a different means, with the number the office already has.
    assert "check with the sender by a different means" in page
    assert "020 7219 0000" in page
    assert reverse("mailguard:report", kwargs={"pk": scanned.pk}) in page


def test_it_says_clean_mail_is_clean_without_the_report_button(cast, sarah):
    client = signed_in_client(cast.caseworker.user)
    response = client.post(URL, {"source": fixture_bytes("clean.eml").decode()}, follow=True)
    scanned = ScannedEmail.objects.get()
    assert scanned.verdict == "clean"
    page = response.content.decode()
    assert "CivicShield found nothing suspicious" in page
    assert "different means" not in page
    assert reverse("mailguard:report", kwargs={"pk": scanned.pk}) not in page


def test_it_takes_an_uploaded_eml_file(cast, sarah):
    client = signed_in_client(cast.manager.user)
    upload = SimpleUploadedFile("briefing.eml", fixture_bytes("phishing_lookalike.eml"))
    response = client.post(URL, {"file": upload})
    scanned = ScannedEmail.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("mailguard:email", kwargs={"pk": scanned.pk})
    assert bytes(scanned.raw) == fixture_bytes("phishing_lookalike.eml")


def test_garbage_bytes_give_a_clear_error_not_a_crash(cast):
    client = signed_in_client(cast.caseworker.user)
    upload = SimpleUploadedFile("weird.eml", fixture_bytes("garbage.bin"))
    response = client.post(URL, {"file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    reason = "this is not an email message (no mail headers found)"
    assert ERROR_UNREADABLE.format(reason=reason).split(":")[0] in page
    assert reason in page
    assert not ScannedEmail.objects.exists()


def test_a_damaged_msg_file_gives_a_clear_error(cast):
    client = signed_in_client(cast.caseworker.user)
    upload = SimpleUploadedFile("outlook.msg", b"not an outlook file at all")
    response = client.post(URL, {"file": upload})
    assert response.status_code == 400
    assert ERROR_MSG_UNREADABLE.replace("'", "&#x27;") in response.content.decode()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, ERROR_NOTHING_GIVEN),
        ({"source": "   "}, ERROR_NOTHING_GIVEN),
        ({"source": "x" * (MAX_CHECK_BYTES + 1)}, ERROR_TOO_BIG),
    ],
)
def test_it_explains_missing_or_oversized_input(cast, data, error):
    response = signed_in_client(cast.caseworker.user).post(URL, data)
    assert response.status_code == 400
    assert error.replace("'", "&#x27;") in response.content.decode()


def test_it_refuses_an_oversized_upload_and_odd_file_types(cast):
    client = signed_in_client(cast.caseworker.user)
    big = SimpleUploadedFile("big.eml", b"Subject: x\r\n\r\n" + b"a" * MAX_CHECK_BYTES)
    assert ERROR_TOO_BIG in client.post(URL, {"file": big}).content.decode()
    odd = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff")
    assert ERROR_FILE_TYPE in client.post(URL, {"file": odd}).content.decode()


def test_it_refuses_paste_and_file_together(cast):
    upload = SimpleUploadedFile("a.eml", fixture_bytes("clean.eml"))
    response = signed_in_client(cast.caseworker.user).post(
        URL, {"source": fixture_bytes("clean.eml").decode(), "file": upload}
    )
    assert response.status_code == 400
    assert ERROR_BOTH_GIVEN in response.content.decode()


@pytest.mark.parametrize("role", list(Role))
def test_everyone_in_the_office_may_check_an_email(cast, role):
    member = cast.by_role()[role]
    client = signed_in_client(member.user)
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"source": fixture_bytes("clean.eml").decode()})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="mailguard.email.checked")
    assert entry.actor == member.user
    assert entry.details["verdict"] == "clean"


def test_a_volunteer_sees_only_their_own_checks_and_a_manager_sees_all(cast):
    client = signed_in_client(cast.caseworker.user)
    client.post(URL, {"source": fixture_bytes("clean.eml").decode()})
    scanned = ScannedEmail.objects.get()
    url = reverse("mailguard:email", kwargs={"pk": scanned.pk})
    assert client.get(url).status_code == 200
    assert signed_in_client(cast.volunteer.user).get(url).status_code == 404
    assert signed_in_client(cast.manager.user).get(url).status_code == 200
    assert signed_in_client(cast.other_manager.user).get(url).status_code == 404
    # The list of recent checks shows only one's own.
    assert "Lunch on Tuesday" not in signed_in_client(cast.volunteer.user).get(URL).content.decode()
    assert "Lunch on Tuesday" in client.get(URL).content.decode()


def test_the_office_checks_use_its_own_contacts_not_another_offices(cast, sarah):
    # Office B has no Sarah Jones: the same email cannot be called a fake of *their* contact.
    client = signed_in_client(cast.other_manager.user)
    client.post(URL, {"source": fixture_bytes("phishing_lookalike.eml").decode()})
    scanned = ScannedEmail.objects.get(office=cast.office_b)
    assert not any("your colleague Sarah Jones" in f["detail"] for f in scanned.findings)


def test_an_outlook_msg_file_is_converted_and_checked(cast, sarah, tmp_path):
    # A real .msg, written with extract-msg's OLE writer (tests/outlook_msg.py).
    from tests.outlook_msg import write_outlook_msg

    path = write_outlook_msg(
        tmp_path / "briefing.msg",
        subject="Urgent: updated briefing, please sign in",
        sender_name="Sarah Jones",
        sender_email="sarah.jones@parliament-uk.co",
        to="office@parliament.uk",
        body="Please sign in at https://parliament-uk.co/login to read the briefing.",
        attachment=("briefing.pdf.exe", b"MZ" + bytes(200)),
    )
    upload = SimpleUploadedFile("briefing.msg", path.read_bytes())
    response = signed_in_client(cast.caseworker.user).post(URL, {"file": upload})
    assert response.status_code == 302
    scanned = ScannedEmail.objects.get()
    assert scanned.verdict == "phishing"
    assert scanned.subject == "Urgent: updated briefing, please sign in"
    found = str(scanned.findings)
    assert "your colleague Sarah Jones" in found and "briefing.pdf.exe" in found
