"""Reporting to the NCSC: a confirmation step, then the original attached whole to
report@phishing.gov.uk; audited; never twice; the .eml for one's own mail program."""

from __future__ import annotations

import email
import email.policy

import pytest
from django.core import mail
from django.urls import reverse

from civicshield.core.mail import NCSC_REPORT_ADDRESS
from civicshield.web.audit.models import AuditEntry
from civicshield.web.mailguard.models import ScannedEmail
from civicshield.web.mailguard.services import (
    ERROR_ALREADY_REPORTED,
    ERROR_RAW_GONE,
    email_check,
    scanned_raw_purge,
)
from civicshield.web.mailguard.tests.conftest import fixture_bytes
from civicshield.web.testing import signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def checked(cast, sarah):
    return email_check(member=cast.caseworker, raw=fixture_bytes("phishing_lookalike.eml"))


def _url(name, scanned):
    return reverse(f"mailguard:{name}", kwargs={"pk": scanned.pk})


def test_it_asks_for_confirmation_before_sending(cast, checked):
    response = signed_in_client(cast.caseworker.user).get(_url("report", checked))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Report this email to the NCSC?" in page
    assert NCSC_REPORT_ADDRESS in page
    assert mail.outbox == []


def test_it_sends_the_original_as_an_attachment_to_the_ncsc(cast, checked, settings):
    settings.DEFAULT_FROM_EMAIL = "CivicShield <civicshield@office.example>"
    client = signed_in_client(cast.caseworker.user)
    response = client.post(_url("report", checked), follow=True)
    assert "Reported to the NCSC" in response.content.decode()
    [sent] = mail.outbox
    assert sent.to == [NCSC_REPORT_ADDRESS]
    assert sent.reply_to == [cast.caseworker.user.email]
    assert sent.from_email == "CivicShield <civicshield@office.example>"
    message = email.message_from_bytes(sent.message().as_bytes(), policy=email.policy.default)
    assert message["Subject"] == "Suspicious email: Urgent: updated briefing, please sign in"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "message/rfc822"
    original = attachment.get_content()
    assert original["Message-ID"] == "<briefing-1@parliarnent-uk.com>"
    assert original["From"] == "Sarah Jones <sarah.jones@parliarnent-uk.com>"
    body = message.get_body(("plain",))
    assert body is not None
    assert "Reported by: " + cast.caseworker.user.email in body.get_content()
    checked.refresh_from_db()
    assert checked.reported_by == cast.caseworker
    entry = AuditEntry.objects.get(action="mailguard.email.reported_to_ncsc")
    assert entry.actor == cast.caseworker.user
    assert entry.details["to"] == NCSC_REPORT_ADDRESS


def test_it_never_sends_the_same_report_twice(cast, checked):
    client = signed_in_client(cast.caseworker.user)
    client.post(_url("report", checked))
    response = client.post(_url("report", checked), follow=True)
    assert len(mail.outbox) == 1
    checked.refresh_from_db()
    expected = ERROR_ALREADY_REPORTED.format(when=f"{checked.reported_at:%d %b %Y %H:%M} UTC")
    assert expected in response.content.decode()


def test_nothing_is_marked_reported_when_the_mail_server_refuses(cast, checked, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    client = signed_in_client(cast.caseworker.user)
    client.raise_request_exception = False
    response = client.post(_url("report", checked))
    assert response.status_code == 500
    checked.refresh_from_db()
    assert checked.reported_at is None
    assert not AuditEntry.objects.filter(action="mailguard.email.reported_to_ncsc").exists()


def test_it_reports_through_a_real_smtp_server(cast, checked, settings, smtp_sink):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_sink.host, smtp_sink.port
    signed_in_client(cast.caseworker.user).post(_url("report", checked))
    [received] = smtp_sink.messages
    assert received.recipients == [NCSC_REPORT_ADDRESS]
    [attachment] = list(received.message.iter_attachments())
    assert attachment.get_content_type() == "message/rfc822"
    assert attachment.get_content()["Subject"] == "Urgent: updated briefing, please sign in"


def test_the_eml_download_is_the_report_from_the_person_themselves(cast, checked):
    response = signed_in_client(cast.caseworker.user).get(_url("report_eml", checked))
    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert "attachment;" in response["Content-Disposition"]
    report = email.message_from_bytes(response.content, policy=email.policy.default)
    assert report["To"] == NCSC_REPORT_ADDRESS
    assert cast.caseworker.user.email in report["From"]
    [attachment] = list(report.iter_attachments())
    assert attachment.get_content_type() == "message/rfc822"
    assert mail.outbox == []  # downloading sends nothing


def test_an_email_whose_original_was_deleted_cannot_be_reported(cast, checked):
    import datetime as dt

    from django.utils import timezone

    ScannedEmail.objects.filter(pk=checked.pk).update(
        scanned_at=timezone.now() - dt.timedelta(days=31)
    )
    assert scanned_raw_purge() == 1
    checked.refresh_from_db()
    assert bytes(checked.raw) == b""
    assert checked.findings  # the findings stay
    client = signed_in_client(cast.caseworker.user)
    response = client.post(_url("report", checked), follow=True)
    assert ERROR_RAW_GONE in response.content.decode()
    assert mail.outbox == []


def test_recent_originals_are_kept(cast, checked):
    assert scanned_raw_purge() == 0
    checked.refresh_from_db()
    assert bytes(checked.raw) == fixture_bytes("phishing_lookalike.eml")


def test_someone_else_in_the_office_cannot_report_a_checked_email_they_cannot_see(cast, checked):
    response = signed_in_client(cast.volunteer.user).post(_url("report", checked))
    assert response.status_code == 404
    assert mail.outbox == []
