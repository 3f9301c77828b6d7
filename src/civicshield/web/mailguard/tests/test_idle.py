"""Waiting on a REAL Dovecot with IDLE: the watch is queued as soon as mail arrives."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command

from civicshield.web.jobs.models import Job
from civicshield.web.mailguard.connection import verify_login
from civicshield.web.mailguard.idle import mailbox_wait_and_enqueue
from civicshield.web.mailguard.models import WatchedMailbox
from civicshield.web.mailguard.tests.conftest import deliver, fixture_bytes

pytestmark = [pytest.mark.dovecot, pytest.mark.django_db]


@pytest.fixture
def connected(cast, mail_account):
    conf = {
        "host": mail_account.server.host,
        "port": mail_account.server.imap_port,
        "security": "none",
        "folder": "INBOX",
    }
    cursor = verify_login(
        conf, address=mail_account.address, password=mail_account.password, sieve_port=None
    )
    return WatchedMailbox.objects.create(
        office=cast.office_a,
        name="Office",
        address=mail_account.address,
        settings=conf,
        password=mail_account.password,
        cursor=cursor,
    )


def watches() -> list[int]:
    return [j.payload["mailbox_id"] for j in Job.objects.filter(name="mailguard.watch_mailbox")]


def test_mail_arriving_during_the_wait_queues_a_watch(connected, mail_account):
    timer = threading.Timer(0.5, deliver, args=(mail_account, fixture_bytes("clean.eml")))
    timer.start()
    try:
        # The timeout is only an upper bound: IDLE returns as soon as the server announces mail.
        assert mailbox_wait_and_enqueue(connected, timeout=30) is True
    finally:
        timer.join()
    assert watches() == [connected.pk]


def test_no_mail_means_no_watch(connected):
    assert mailbox_wait_and_enqueue(connected, timeout=1) is False
    assert watches() == []


def test_mail_already_waiting_is_noticed_at_once_and_queued_only_once(connected, mail_account):
    deliver(mail_account, fixture_bytes("clean.eml"))
    assert mailbox_wait_and_enqueue(connected, timeout=30) is True
    assert mailbox_wait_and_enqueue(connected, timeout=30) is True  # the watch has not run yet
    assert watches() == [connected.pk]


def test_the_command_waits_once_on_each_mailbox(connected, mail_account, capsys):
    deliver(mail_account, fixture_bytes("clean.eml"))
    call_command("mailguard_idle", "--once", "--timeout", "1")
    assert capsys.readouterr().out.strip() == "Office: new mail"
    assert watches() == [connected.pk]
