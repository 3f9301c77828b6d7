from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from civicshield.web.inbox.jobs import send_digests
from civicshield.web.inbox.models import Message
from civicshield.web.testing import make_message

pytestmark = pytest.mark.django_db

MONDAY_10AM = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)
MONDAY_11PM = dt.datetime(2026, 11, 2, 23, 0, tzinfo=dt.UTC)


def _high(cast):
    message = make_message(cast.office_a, "go back to where you came from, you filth")
    Message.objects.filter(pk=message.pk).update(severity="high", severity_rank=3)
    return message


def test_a_digest_of_high_items_goes_out_within_checkin_hours(cast):
    with time_machine.travel(MONDAY_10AM - dt.timedelta(minutes=30), tick=False):
        _high(cast)
    with time_machine.travel(MONDAY_10AM, tick=False):
        send_digests()
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert "high-severity" in digest.subject
    assert cast.volunteer.user.email not in digest.to
    assert cast.caseworker.user.email in digest.to
    # Nothing new since: no second digest.
    with time_machine.travel(MONDAY_10AM + dt.timedelta(hours=1), tick=False):
        send_digests()
    assert len(mail.outbox) == 1


def test_nothing_pings_anyone_outside_checkin_hours(cast):
    with time_machine.travel(MONDAY_11PM - dt.timedelta(minutes=30), tick=False):
        _high(cast)
    with time_machine.travel(MONDAY_11PM, tick=False):
        send_digests()
    assert mail.outbox == []
