"""The mailbox watcher job against a REAL Dovecot the test session starts (tests/servers/).

It scans each new message once, stores a ScannedEmail, tags the message with IMAP keywords,
moves phishing to "Suspicious" when the office wants that, and moves the cursor only after.
"""

from __future__ import annotations

import pytest

from civicshield.connectors import PHISHING, SCANNED
from civicshield.web.audit.models import AuditEntry
from civicshield.web.jobs import services as jobs
from civicshield.web.mailguard.models import ScannedEmail, WatchedMailbox
from civicshield.web.mailguard.tests.conftest import deliver, fixture_bytes, imap_login
from civicshield.web.mailguard.watcher import mailbox_watch

pytestmark = [pytest.mark.dovecot, pytest.mark.django_db]


def folder(account, name: str) -> list[tuple[bytes, set[str]]]:
    """(raw, flags) of every message in a folder."""
    client = imap_login(account)
    try:
        if not client.folder_exists(name):
            return []
        client.select_folder(name, readonly=True)
        data = client.fetch(client.search("ALL"), ["BODY.PEEK[]", "FLAGS"])
        return [
            (item[b"BODY[]"], {f.decode() if isinstance(f, bytes) else f for f in item[b"FLAGS"]})
            for item in data.values()
        ]
    finally:
        client.logout()


@pytest.fixture
def watched(cast, sarah, mail_account):
    return WatchedMailbox.objects.create(
        office=cast.office_a,
        name="Constituency office",
        address=mail_account.address,
        settings={
            "host": mail_account.server.host,
            "port": mail_account.server.imap_port,
            "username": mail_account.address,
            "security": "none",  # the loopback test server has no TLS
            "folder": "INBOX",
        },
        password=mail_account.password,
        sieve_port=mail_account.server.sieve_port,
        move_phishing=True,
    )


def run_periodic_watch(django_capture_on_commit_callbacks, settings) -> None:
    """What the scheduler does every two minutes, with the jobs run right away."""
    settings.JOBS_RUN_EAGERLY = True
    with django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue("mailguard.watch")


def test_the_watch_job_scans_tags_and_moves_phishing_to_suspicious(
    watched, mail_account, django_capture_on_commit_callbacks, settings
):
    phishing, clean = fixture_bytes("phishing_lookalike.eml"), fixture_bytes("clean.eml")
    deliver(mail_account, phishing, clean)

    run_periodic_watch(django_capture_on_commit_callbacks, settings)

    rows = {row.verdict: row for row in ScannedEmail.objects.filter(mailbox=watched)}
    assert set(rows) == {"phishing", "clean"}
    found = rows["phishing"]
    assert found.office == watched.office
    assert any("your colleague Sarah Jones" in f["detail"] for f in found.findings)
    assert (found.moved, found.imap_folder) == (True, "Suspicious")
    assert bytes(found.raw) == phishing  # kept for the NCSC report
    assert SCANNED in found.imap_tags and PHISHING in found.imap_tags
    assert (rows["clean"].moved, rows["clean"].imap_folder) == (False, "INBOX")
    assert bytes(rows["clean"].raw) == b""  # clean mail is not copied

    [(raw, flags)] = folder(mail_account, "Suspicious")
    assert raw == phishing and {SCANNED, PHISHING} <= flags
    [(raw, flags)] = folder(mail_account, "INBOX")
    assert raw == clean and SCANNED in flags and PHISHING not in flags

    watched.refresh_from_db()
    assert watched.cursor["last_uid"] >= 2
    assert watched.last_checked is not None and watched.last_error == ""
    entry = AuditEntry.objects.get(action="mailguard.mailbox.flagged")
    assert entry.details == {"phishing": 1, "suspicious": 0, "moved": 1}


def test_each_message_is_scanned_only_once(watched, mail_account):
    deliver(mail_account, fixture_bytes("clean.eml"))
    mailbox_watch(watched)
    watched.refresh_from_db()
    result = mailbox_watch(watched)
    assert result is not None and result.messages == ()  # nothing new
    # Even after the cursor is lost, the scanned keyword keeps it from being scanned again.
    WatchedMailbox.objects.filter(pk=watched.pk).update(cursor={})
    watched.refresh_from_db()
    result = mailbox_watch(watched)
    assert result is not None
    [again] = result.messages
    assert again.skipped
    assert ScannedEmail.objects.filter(mailbox=watched).count() == 1
    second = fixture_bytes("clean.eml").replace(b"lunch-1@", b"lunch-2@")
    deliver(mail_account, second)
    watched.refresh_from_db()
    mailbox_watch(watched)
    assert ScannedEmail.objects.filter(mailbox=watched).count() == 2


def test_phishing_stays_in_the_inbox_when_the_office_does_not_want_it_moved(watched, mail_account):
    WatchedMailbox.objects.filter(pk=watched.pk).update(move_phishing=False)
    watched.refresh_from_db()
    deliver(mail_account, fixture_bytes("phishing_lookalike.eml"))
    mailbox_watch(watched)
    row = ScannedEmail.objects.get(mailbox=watched)
    assert (row.verdict, row.moved, row.imap_folder) == ("phishing", False, "INBOX")
    [(_, flags)] = folder(mail_account, "INBOX")
    assert PHISHING in flags
    assert folder(mail_account, "Suspicious") == []


def test_an_unreadable_message_is_recorded_and_does_not_stop_the_watch(watched, mail_account):
    deliver(mail_account, b"\x00\x01 not an email", fixture_bytes("clean.eml"))
    mailbox_watch(watched)
    verdicts = sorted(
        ScannedEmail.objects.filter(mailbox=watched).values_list("verdict", flat=True)
    )
    assert verdicts == ["clean", "unreadable"]
    watched.refresh_from_db()
    assert watched.cursor["last_uid"] == 2


def test_a_wrong_password_is_shown_on_the_mailbox_not_raised(watched):
    from civicshield.connectors.base import WRONG_PASSWORD

    WatchedMailbox.objects.filter(pk=watched.pk).update(password="wrong")
    watched.refresh_from_db()
    assert mailbox_watch(watched) is None
    watched.refresh_from_db()
    assert watched.last_error == WRONG_PASSWORD.format(
        host=watched.settings["host"], username=watched.address
    )
    assert watched.cursor == {}


def test_a_newly_connected_mailbox_is_watched_from_now_on(cast, mail_account):
    from civicshield.web.mailguard.services import mailbox_connect_imap

    old = fixture_bytes("clean.eml")
    deliver(mail_account, old)
    mailbox = mailbox_connect_imap(
        member=cast.manager,
        name="Office",
        address=mail_account.address,
        host=mail_account.server.host,
        port=mail_account.server.imap_port,
        username="",
        password=mail_account.password,
        security="none",
        folder="INBOX",
        sieve_port=mail_account.server.sieve_port,
        move_phishing=False,
    )
    new = fixture_bytes("phishing_lookalike.eml")
    deliver(mail_account, new)
    mailbox_watch(mailbox)
    [row] = ScannedEmail.objects.filter(mailbox=mailbox)
    assert bytes(row.raw) == new


def test_a_message_cut_off_by_a_lost_connection_gets_no_unreadable_row(
    watched, mail_account, monkeypatch
):
    import dataclasses

    from civicshield.connectors.watcher import WatchedMessage, watch_once
    from civicshield.web.mailguard import watcher as web_watcher

    deliver(mail_account, fixture_bytes("clean.eml"), fixture_bytes("phishing_lookalike.eml"))

    def first_then_cut_off(imap, cursor, scan, move, **kwargs):
        # The real watcher handles the first message; the connection "drops" on the second,
        # which watch_once reports with an error and leaves past the cursor.
        result = watch_once(imap, cursor, scan, move, limit=1)
        lost = WatchedMessage(2, "", "", "", None, None, (), None, False, "connection lost")
        return dataclasses.replace(result, messages=(*result.messages, lost), more=True)

    monkeypatch.setattr(web_watcher, "watch_once", first_then_cut_off)
    mailbox_watch(watched)
    assert list(ScannedEmail.objects.filter(mailbox=watched).values_list("verdict", flat=True)) == [
        "clean"
    ]
    watched.refresh_from_db()
    assert watched.cursor["last_uid"] == 1

    monkeypatch.undo()
    mailbox_watch(watched)
    verdicts = sorted(
        ScannedEmail.objects.filter(mailbox=watched).values_list("verdict", flat=True)
    )
    assert verdicts == ["clean", "phishing"]
