"""The IMAP connector against a real Dovecot that the test session starts (tests/servers/)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import imapclient
import pytest

from civicshield.connectors.base import (
    NOT_TLS,
    PLAINTEXT_REFUSED,
    TLS_FAILED,
    UNREACHABLE,
    UNTRUSTED_CERTIFICATE,
    WRONG_PASSWORD,
    AuthenticationFailed,
    MailboxSettings,
    ServerUnreachable,
    SieveSettings,
    TlsFailed,
)
from civicshield.connectors.imap import ImapCursor, ImapMailbox
from civicshield.connectors.managesieve import SieveAccount
from civicshield.connectors.watcher import (
    PHISHING,
    SCAN_FAILED,
    SCANNED,
    SUSPICIOUS,
    watch_once,
)
from tests.servers.dovecot import free_port

pytestmark = pytest.mark.dovecot


def settings_for(account, folder="INBOX") -> MailboxSettings:
    return MailboxSettings(
        host=account.server.host,
        port=account.server.imap_port,
        username=account.address,
        password=account.password,
        use_ssl=False,
        folder=folder,
        timeout=10,
    )


def make_email(n: int, subject: str | None = None, body: str = "Hello.") -> bytes:
    return (
        f"From: Sender {n} <sender{n}@example.org>\r\n"
        f"To: office@example.gov.uk\r\n"
        f"Subject: {subject or f'Message {n}'}\r\n"
        f"Date: Thu, 26 Nov 2026 10:{n % 60:02d}:00 +0000\r\n"
        f"Message-ID: <msg{n}@example.org>\r\n"
        f"\r\n{body}\r\n"
    ).encode()


def append(account, *messages: bytes, folder: str = "INBOX") -> None:
    """Deliver mail the way another mail program would: a separate connection and APPEND."""
    client = imapclient.IMAPClient(account.server.host, port=account.server.imap_port, ssl=False)
    try:
        client.login(account.address, account.password)
        for raw in messages:
            client.append(folder, raw)
    finally:
        client.logout()


def folder_contents(account, folder: str) -> dict[int, tuple[bytes, tuple[bytes, ...]]]:
    client = imapclient.IMAPClient(account.server.host, port=account.server.imap_port, ssl=False)
    try:
        client.login(account.address, account.password)
        if not client.folder_exists(folder):
            return {}
        client.select_folder(folder, readonly=True)
        data = client.fetch(client.search("ALL"), ["BODY.PEEK[]", "FLAGS"])
        return {uid: (item[b"BODY[]"], item[b"FLAGS"]) for uid, item in data.items()}
    finally:
        client.logout()


# -- connecting --------------------------------------------------------------------------------


def test_it_refuses_a_wrong_password_with_a_clear_message(mail_account):
    settings = MailboxSettings(
        host=mail_account.server.host,
        port=mail_account.server.imap_port,
        username=mail_account.address,
        password="not the password",
        use_ssl=False,
    )
    with pytest.raises(AuthenticationFailed) as caught:
        ImapMailbox(settings).connect()
    assert str(caught.value) == WRONG_PASSWORD.format(
        host=settings.host, username=mail_account.address
    )
    assert caught.value.retryable is False


def test_it_reports_an_unreachable_server_as_retryable():
    port = free_port()  # nothing listens there
    settings = MailboxSettings(
        host="127.0.0.1", port=port, username="x", password="y", use_ssl=False
    )
    with pytest.raises(ServerUnreachable) as caught:
        ImapMailbox(settings).connect()
    assert str(caught.value) == UNREACHABLE.format(
        host="127.0.0.1", port=port, reason="the connection was refused"
    )
    assert caught.value.retryable is True


def test_it_reports_tls_trouble_when_ssl_is_asked_of_a_plain_port(mail_account):
    settings = replace(settings_for(mail_account), use_ssl=True, timeout=5)
    with pytest.raises(TlsFailed) as caught:
        ImapMailbox(settings).connect()
    assert str(caught.value) == TLS_FAILED.format(
        host=settings.host, port=settings.port, reason=NOT_TLS
    )


def test_an_untrusted_certificate_is_refused_with_a_clear_reason(mail_account):
    settings = replace(
        settings_for(mail_account), port=mail_account.server.imaps_port, use_ssl=True
    )
    with pytest.raises(TlsFailed) as caught:
        ImapMailbox(settings).connect()  # the system does not trust the test's own certificate
    reason = UNTRUSTED_CERTIFICATE.format(why="self-signed certificate")
    assert str(caught.value) == TLS_FAILED.format(
        host=settings.host, port=settings.port, reason=reason
    )
    assert caught.value.retryable is False


def test_imap_over_tls_and_starttls_with_a_trusted_certificate(mail_account):
    append(mail_account, make_email(1))
    trusted = mail_account.server.trusting_context()
    implicit = replace(
        settings_for(mail_account), port=mail_account.server.imaps_port, use_ssl=True
    )
    starttls = replace(settings_for(mail_account), starttls=True)
    for settings in (implicit, starttls):
        with ImapMailbox(settings, ssl_context=trusted) as mailbox:
            messages, _ = mailbox.fetch_new(None)
            assert [m.raw for m in messages] == [make_email(1)]
            assert mailbox.client.socket().version() is not None  # really encrypted


def test_starttls_with_an_untrusted_certificate_never_sends_the_password(mail_account):
    settings = replace(settings_for(mail_account), starttls=True)
    with pytest.raises(TlsFailed, match="certificate is not trusted"):
        ImapMailbox(settings).connect()
    assert f"user=<{mail_account.address}>" not in mail_account.server.log()


@pytest.mark.parametrize(
    "connector",
    [
        lambda: ImapMailbox(
            MailboxSettings("imap.example.org", 143, "office", "pw", use_ssl=False)
        ).connect(),
        lambda: SieveAccount(
            SieveSettings("imap.example.org", 4190, "office", "pw", starttls=False)
        ).connect(),
    ],
    ids=["imap", "managesieve"],
)
def test_a_password_is_never_sent_unencrypted_to_another_machine(connector):
    # Refused before any connection is made (there is no network here to reach that host).
    with pytest.raises(TlsFailed) as caught:
        connector()
    assert str(caught.value) == PLAINTEXT_REFUSED.format(host="imap.example.org", username="office")


def test_the_password_never_appears_in_the_settings_repr(mail_account):
    assert mail_account.password not in repr(settings_for(mail_account))


# -- fetching ----------------------------------------------------------------------------------


def test_fetch_new_returns_each_message_once(mail_account):
    append(mail_account, make_email(1), make_email(2))
    with ImapMailbox(settings_for(mail_account)) as mailbox:
        first, cursor = mailbox.fetch_new(None)
        assert [m.raw for m in first] == [make_email(1), make_email(2)]
        again, cursor2 = mailbox.fetch_new(cursor)
        assert again == []
        assert cursor2 == cursor
        append(mail_account, make_email(3))
        third, _ = mailbox.fetch_new(cursor)
        assert [m.raw for m in third] == [make_email(3)]


def test_fetching_does_not_mark_mail_as_read(mail_account):
    append(mail_account, make_email(1))
    with ImapMailbox(settings_for(mail_account)) as mailbox:
        mailbox.fetch_new(None)
    [(_, flags)] = folder_contents(mail_account, "INBOX").values()
    assert b"\\Seen" not in flags


def test_a_stored_cursor_continues_after_a_restart(mail_account):
    append(mail_account, make_email(1), make_email(2))
    with ImapMailbox(settings_for(mail_account)) as mailbox:
        _, cursor = mailbox.fetch_new(None)
    # The job stores the two numbers, the process restarts, mail arrives meanwhile.
    stored = (cursor.uidvalidity, cursor.last_uid)
    append(mail_account, make_email(3), make_email(4))
    with ImapMailbox(settings_for(mail_account)) as mailbox:
        messages, cursor = mailbox.fetch_new(ImapCursor(*stored))
        assert [m.raw for m in messages] == [make_email(3), make_email(4)]
        assert mailbox.fetch_new(cursor)[0] == []


def test_a_limit_returns_the_rest_next_time(mail_account):
    append(mail_account, *(make_email(n) for n in range(1, 6)))
    with ImapMailbox(settings_for(mail_account)) as mailbox:
        first, cursor = mailbox.fetch_new(None, limit=2)
        rest, _ = mailbox.fetch_new(cursor)
    assert [m.raw for m in first + rest] == [make_email(n) for n in range(1, 6)]


def test_a_changed_uidvalidity_starts_again_from_the_beginning(mail_account):
    append(mail_account, make_email(1), make_email(2))
    with ImapMailbox(settings_for(mail_account)) as mailbox:
        _, cursor = mailbox.fetch_new(None)
        # A cursor from before the server renumbered the folder: its UIDs mean nothing now.
        stale = ImapCursor(cursor.uidvalidity + 1, cursor.last_uid)
        messages, fresh = mailbox.fetch_new(stale)
    assert [m.raw for m in messages] == [make_email(1), make_email(2)]
    assert fresh == cursor


def test_start_cursor_skips_mail_that_was_already_there(mail_account):
    append(mail_account, make_email(1))
    with ImapMailbox(settings_for(mail_account)) as mailbox:
        cursor = mailbox.start_cursor()
        append(mail_account, make_email(2))
        messages, _ = mailbox.fetch_new(cursor)
    assert [m.raw for m in messages] == [make_email(2)]


def test_fetch_for_ingest_parses_what_the_queue_shows(mail_account):
    html_mail = (
        b"From: Troll <troll@example.net>\r\nSubject: =?utf-8?q?You_will_regret_it_=E2=80=94?=\r\n"
        b"Date: Thu, 26 Nov 2026 09:30:00 +0000\r\nMessage-ID: <abc@example.net>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><body><p>We know where you live.</p><script>x()</script></body></html>\r\n"
    )
    append(mail_account, html_mail, b"this is not an email at all, just bytes")
    with ImapMailbox(settings_for(mail_account)) as mailbox:
        messages, _ = mailbox.fetch_for_ingest(None)
    first, second = messages
    assert first.message_id == "<abc@example.net>"
    assert first.sender == "Troll <troll@example.net>"
    assert first.subject == "You will regret it \u2014"
    assert first.date is not None and first.date.isoformat() == "2026-11-26T09:30:00+00:00"
    assert first.text == "We know where you live."
    assert first.raw == html_mail
    assert first.error is None
    # Junk still arrives, with its raw bytes, rather than stopping the import.
    assert second.raw == b"this is not an email at all, just bytes"
    assert second.message_id == ""


# -- tagging and moving ------------------------------------------------------------------------


def test_tag_and_move_to_a_new_suspicious_folder(mail_account):
    append(mail_account, make_email(1))
    with ImapMailbox(settings_for(mail_account)) as mailbox:
        [message], _ = mailbox.fetch_new(None)
        mailbox.tag(message.uid, PHISHING)
        folder = mailbox.move(message.uid, "Suspicious")
    assert folder == "Suspicious"
    assert folder_contents(mail_account, "INBOX") == {}
    [(raw, flags)] = folder_contents(mail_account, "Suspicious").values()
    assert raw == make_email(1)
    assert PHISHING.encode() in flags


def test_move_falls_back_to_copy_and_delete_without_the_move_extension(mail_account, monkeypatch):
    append(mail_account, make_email(1), make_email(2))
    with ImapMailbox(settings_for(mail_account)) as mailbox:
        real = mailbox.has_capability
        monkeypatch.setattr(mailbox, "has_capability", lambda name: name != "MOVE" and real(name))
        first, _ = mailbox.fetch_new(None)
        mailbox.move(first[0].uid, "Suspicious")
    assert [raw for raw, _ in folder_contents(mail_account, "INBOX").values()] == [make_email(2)]
    assert [raw for raw, _ in folder_contents(mail_account, "Suspicious").values()] == [
        make_email(1)
    ]


# -- the watcher -------------------------------------------------------------------------------


def verdict_from_subject(raw: bytes) -> str:
    if b"Subject: PHISH" in raw:
        return "phishing"
    if b"Subject: ODD" in raw:
        return "suspicious"
    if b"Subject: BROKEN" in raw:
        raise ValueError("the analysis choked on this one")
    return "clean"


def test_watch_once_scans_tags_and_moves_phishing(mail_account):
    append(
        mail_account,
        make_email(1, "PHISH your password expires"),
        make_email(2, "ODD invoice"),
        make_email(3, "BROKEN"),
        make_email(4, "Surgery on Friday"),
    )
    scanned: list[bytes] = []

    def scan(raw: bytes) -> str:
        scanned.append(raw)
        return verdict_from_subject(raw)

    with ImapMailbox(settings_for(mail_account)) as mailbox:
        result = watch_once(mailbox, None, scan, move_phishing=True)
        by_id = {m.message_id: m for m in result.messages}
        assert by_id["<msg1@example.org>"].verdict == "phishing"
        assert by_id["<msg1@example.org>"].moved_to == "Suspicious"
        assert by_id["<msg2@example.org>"].tagged == (SUSPICIOUS, SCANNED)
        assert by_id["<msg2@example.org>"].moved_to is None
        # One email the analysis could not read is reported; the others were still handled.
        assert by_id["<msg3@example.org>"].error == SCAN_FAILED.format(
            reason="the analysis choked on this one"
        )
        assert by_id["<msg4@example.org>"].verdict == "clean"
        assert by_id["<msg4@example.org>"].subject == "Surgery on Friday"
        assert by_id["<msg4@example.org>"].sender == "Sender 4 <sender4@example.org>"
        assert len(result.errors) == 1
        # A second run with the stored cursor finds nothing new and scans nothing again.
        again = watch_once(mailbox, result.cursor, scan, move_phishing=True)
        assert again.messages == ()
    assert len(scanned) == 4
    inbox = {raw: flags for raw, flags in folder_contents(mail_account, "INBOX").values()}
    assert set(inbox) == {
        make_email(2, "ODD invoice"),
        make_email(3, "BROKEN"),
        make_email(4, "Surgery on Friday"),
    }
    assert SCANNED.encode() in inbox[make_email(4, "Surgery on Friday")]
    assert SCANNED.encode() not in inbox[make_email(3, "BROKEN")]
    [(raw, flags)] = folder_contents(mail_account, "Suspicious").values()
    assert raw == make_email(1, "PHISH your password expires")
    assert {PHISHING.encode(), SCANNED.encode()} <= set(flags)


def test_watch_once_leaves_phishing_in_place_when_the_office_says_so(mail_account):
    append(mail_account, make_email(1, "PHISH"))
    with ImapMailbox(settings_for(mail_account)) as mailbox:
        result = watch_once(mailbox, None, verdict_from_subject, move_phishing=False)
    assert result.messages[0].moved_to is None
    [(_, flags)] = folder_contents(mail_account, "INBOX").values()
    assert PHISHING.encode() in flags


def test_watch_once_never_scans_a_message_twice_even_with_a_lost_cursor(mail_account):
    append(mail_account, make_email(1), make_email(2))
    calls: list[bytes] = []

    def scan(raw: bytes) -> str:
        calls.append(raw)
        return "clean"

    with ImapMailbox(settings_for(mail_account)) as mailbox:
        watch_once(mailbox, None, scan, move_phishing=True)
        # The stored cursor was lost (or UIDVALIDITY changed): the keyword still protects.
        result = watch_once(mailbox, None, scan, move_phishing=True)
    assert len(calls) == 2
    assert [m.skipped for m in result.messages] == [True, True]


def test_watch_once_accepts_an_analysis_object_with_a_verdict(mail_account):
    class Analysis:
        verdict = "phishing"

    append(mail_account, make_email(1))
    with ImapMailbox(settings_for(mail_account)) as mailbox:
        result = watch_once(mailbox, None, lambda raw: Analysis(), move_phishing=False)
    assert result.messages[0].verdict == "phishing"
    assert isinstance(result.messages[0].analysis, Analysis)


# -- waiting for mail --------------------------------------------------------------------------


def deliver_later(account, raw: bytes, delay: float = 0.5) -> threading.Thread:
    def deliver():
        time.sleep(delay)
        append(account, raw)

    thread = threading.Thread(target=deliver)
    thread.start()
    return thread


def test_idle_wakes_up_when_a_message_arrives(mail_account):
    with ImapMailbox(settings_for(mail_account)) as mailbox:
        assert mailbox.has_capability("IDLE")
        cursor = mailbox.start_cursor()
        thread = deliver_later(mail_account, make_email(1))
        woke = mailbox.wait_for_new(timeout=30, cursor=cursor)
        thread.join()
        assert woke is True
        assert mailbox.last_wait_method == "idle"
        messages, _ = mailbox.fetch_new(cursor)
    assert [m.raw for m in messages] == [make_email(1)]


def test_wait_returns_at_once_when_mail_came_after_the_cursor(mail_account):
    with ImapMailbox(settings_for(mail_account)) as mailbox:
        cursor = mailbox.start_cursor()
        append(mail_account, make_email(1))
        assert mailbox.wait_for_new(timeout=30, cursor=cursor) is True
        assert mailbox.last_wait_method is None  # never had to wait


def test_wait_gives_up_after_the_timeout_when_nothing_arrives(mail_account):
    with ImapMailbox(settings_for(mail_account)) as mailbox:
        assert mailbox.wait_for_new(timeout=0.3) is False


def test_polling_is_used_without_idle(mail_account, monkeypatch):
    with ImapMailbox(settings_for(mail_account), poll_interval=0.2) as mailbox:
        real = mailbox.has_capability
        monkeypatch.setattr(mailbox, "has_capability", lambda name: name != "IDLE" and real(name))
        cursor = mailbox.start_cursor()
        thread = deliver_later(mail_account, make_email(1))
        woke = mailbox.wait_for_new(timeout=30, cursor=cursor)
        thread.join()
    assert woke is True
    assert mailbox.last_wait_method == "poll"
