"""The periodic jobs fan out to the right mailboxes; their schedules are what the issue asks."""

from __future__ import annotations

import datetime as dt

import pytest

from civicshield.web.jobs.models import Job
from civicshield.web.jobs.registry import JOBS, autodiscover
from civicshield.web.mailguard import jobs as mailguard_jobs
from civicshield.web.mailguard.models import WatchedMailbox

pytestmark = pytest.mark.django_db


def test_the_schedules_are_two_minutes_and_daily():
    autodiscover()
    assert JOBS["mailguard.watch"].every == dt.timedelta(minutes=2)
    assert JOBS["mailguard.forwarding_audit"].every == dt.timedelta(days=1)
    assert JOBS["mailguard.purge_originals"].every == dt.timedelta(days=1)


@pytest.fixture
def mailboxes(cast):
    def make(name, **fields):
        defaults = {"office": cast.office_a, "name": name, "password": "x"}
        return WatchedMailbox.objects.create(**{**defaults, **fields})

    return {
        "imap": make("imap"),
        "off": make("off", enabled=False),
        "no_password": make("no password", password=""),
        "gmail": make("gmail", kind="gmail", password="", oauth_token="t"),
        "other_office": make("b", office=cast.office_b),
    }


def test_the_watch_enqueues_one_job_per_connected_imap_mailbox(mailboxes):
    mailguard_jobs.watch()
    queued = {j.payload["mailbox_id"] for j in Job.objects.filter(name="mailguard.watch_mailbox")}
    assert queued == {mailboxes["imap"].pk, mailboxes["other_office"].pk}


def test_the_daily_audit_enqueues_one_check_per_enabled_mailbox(mailboxes):
    mailguard_jobs.forwarding_audit()
    queued = {
        j.payload["mailbox_id"]
        for j in Job.objects.filter(name="mailguard.forwarding_audit").exclude(payload={})
    }
    expected = {"imap", "no_password", "gmail", "other_office"}
    assert queued == {mailboxes[k].pk for k in expected}
    job = Job.objects.filter(name="mailguard.forwarding_audit").first()
    assert job is not None and job.office is not None


def test_a_mailbox_still_being_watched_is_not_queued_twice(mailboxes):
    mailguard_jobs.watch()
    mailguard_jobs.watch()
    assert Job.objects.filter(name="mailguard.watch_mailbox").count() == 2
    Job.objects.filter(name="mailguard.watch_mailbox").update(state=Job.State.DONE)
    mailguard_jobs.watch()
    assert Job.objects.filter(name="mailguard.watch_mailbox").count() == 4
