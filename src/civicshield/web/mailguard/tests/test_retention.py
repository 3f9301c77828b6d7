"""Checked emails are deleted once past the office's retention period for email findings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from civicshield.web.audit.models import AuditEntry
from civicshield.web.dataprotection import services as dataprotection
from civicshield.web.mailguard.models import ForwardingAuditRun, ScannedEmail, WatchedMailbox

pytestmark = pytest.mark.django_db


def _scanned(office, subject, *, days_ago, **fields):
    return ScannedEmail.objects.create(
        office=office,
        subject=subject,
        verdict="phishing",
        scanned_at=timezone.now() - dt.timedelta(days=days_ago),
        **fields,
    )


def test_it_deletes_checked_emails_older_than_the_default_90_days(cast):
    old = _scanned(cast.office_a, "Invoice overdue", days_ago=91, raw=b"From: x\r\n\r\nPay")
    recent = _scanned(cast.office_a, "Your parcel", days_ago=89)
    other_office = _scanned(cast.office_b, "Old, in Office B", days_ago=400)
    counts = dataprotection.purge_office(cast.office_a)
    assert counts["mailguard.findings"] == 1
    assert set(ScannedEmail.objects.values_list("pk", flat=True)) == {recent.pk, other_office.pk}
    entry = AuditEntry.objects.get(action="dataprotection.purged")
    assert entry.office == cast.office_a
    assert entry.details == {"kind": "mailguard.findings", "deleted": 1, "older_than_days": 90}
    assert old.subject not in entry.target_label


def test_it_follows_the_offices_own_setting(cast):
    checked = _scanned(cast.office_a, "Sent 40 days ago", days_ago=40)
    dataprotection.retention_set(member=cast.manager, kind="mailguard.findings", days=None)
    assert "mailguard.findings" not in dataprotection.purge_office(cast.office_a)
    assert ScannedEmail.objects.filter(pk=checked.pk).exists()
    dataprotection.retention_set(member=cast.manager, kind="mailguard.findings", days=30)
    assert dataprotection.purge_office(cast.office_a)["mailguard.findings"] == 1
    assert not ScannedEmail.objects.filter(pk=checked.pk).exists()


def test_it_keeps_the_mailbox_and_its_forwarding_checks(cast):
    mailbox = WatchedMailbox.objects.create(office=cast.office_a, name="Office")
    _scanned(cast.office_a, "Found by the watcher", days_ago=200, mailbox=mailbox)
    run = ForwardingAuditRun.objects.create(
        office=cast.office_a,
        mailbox=mailbox,
        status=ForwardingAuditRun.Status.OK,
        started=timezone.now() - dt.timedelta(days=200),
    )
    assert dataprotection.purge_office(cast.office_a)["mailguard.findings"] == 1
    assert WatchedMailbox.objects.filter(pk=mailbox.pk).exists()
    assert ForwardingAuditRun.objects.filter(pk=run.pk).exists()
