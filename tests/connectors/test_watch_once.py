"""watch_once over a fake mailbox: the paths a real server rarely shows (an empty message, a
connection that dies half-way). The real-server behaviour is in test_imap.py."""

from __future__ import annotations

from civicshield.connectors.base import ProtocolFailed, ServerUnreachable
from civicshield.connectors.imap import FetchedMessage, ImapCursor
from civicshield.connectors.watcher import (
    ACTION_FAILED,
    MAILBOX_GONE,
    MESSAGE_UNREADABLE,
    PHISHING,
    SCANNED,
    MailSource,
    watch_once,
)


class FakeMailbox:
    """Four messages in a folder with UIDVALIDITY 7; ``fail_tag_on`` makes the server drop."""

    supports_keywords = True

    def __init__(self, messages, fail_tag_on=None, refuse_tag_on=None):
        self.messages = messages
        self.fail_tag_on = fail_tag_on
        self.refuse_tag_on = refuse_tag_on
        self.tags: list[tuple[int, str]] = []
        self.moves: list[tuple[int, str]] = []

    def fetch_new(self, cursor, *, limit=None):
        last = cursor.last_uid if cursor and cursor.uidvalidity == 7 else 0
        new = [m for m in self.messages if m.uid > last][:limit]
        return new, ImapCursor(7, max([last, *(m.uid for m in new)]))

    def tag(self, uid, keyword):
        if uid == self.fail_tag_on:
            raise ServerUnreachable("connection lost")
        if uid == self.refuse_tag_on:
            raise ProtocolFailed("NO [CANNOT] message is gone")
        self.tags.append((uid, keyword))

    def move(self, uid, folder):
        self.moves.append((uid, folder))
        return folder

    def wait_for_new(self, timeout, cursor=None):
        return False


def message(uid, raw=b"Subject: hi\r\n\r\nbody", flags=()):
    return FetchedMessage(uid, raw, tuple(flags), None)


def test_an_empty_message_is_reported_and_the_run_goes_on():
    box: MailSource = FakeMailbox([message(1, raw=b""), message(2)])
    result = watch_once(box, None, lambda raw: "clean", move_phishing=True)
    assert [m.error for m in result.messages] == [MESSAGE_UNREADABLE, None]
    assert result.cursor == ImapCursor(7, 2)


def test_a_dropped_connection_stops_the_run_and_keeps_the_cursor_before_it():
    box = FakeMailbox([message(1), message(2), message(3)], fail_tag_on=2)
    result = watch_once(box, ImapCursor(7, 0), lambda raw: "clean", move_phishing=True)
    assert [m.uid for m in result.messages] == [1, 2]
    assert result.messages[1].error == MAILBOX_GONE.format(reason="connection lost")
    # Message 2 was not finished, so the next run starts there, not after message 3.
    assert result.cursor == ImapCursor(7, 1)
    assert result.more is True


def test_a_command_refused_for_one_message_is_reported_and_the_run_goes_on():
    box = FakeMailbox([message(1), message(2), message(3)], refuse_tag_on=2)
    result = watch_once(box, None, lambda raw: "clean", move_phishing=True)
    assert [m.error for m in result.messages] == [
        None,
        ACTION_FAILED.format(reason="NO [CANNOT] message is gone"),
        None,
    ]
    assert result.messages[1].verdict == "clean"
    assert result.cursor == ImapCursor(7, 3)
    assert result.more is False


def test_a_server_without_keywords_is_not_tagged_but_phishing_still_moves():
    box = FakeMailbox([message(1)])
    box.supports_keywords = False
    result = watch_once(box, None, lambda raw: "phishing", move_phishing=True)
    assert box.tags == []
    assert result.messages[0].moved_to == "Suspicious"


def test_a_batch_limit_leaves_the_rest_for_the_next_call():
    box = FakeMailbox([message(1), message(2), message(3)])
    first = watch_once(box, None, lambda raw: "clean", move_phishing=True, limit=2)
    assert ([m.uid for m in first.messages], first.more) == ([1, 2], True)
    second = watch_once(box, first.cursor, lambda raw: "clean", move_phishing=True, limit=2)
    assert ([m.uid for m in second.messages], second.more) == ([3], False)


def test_phishing_tagged_by_an_interrupted_run_is_moved_next_time():
    box = FakeMailbox([message(1, flags=(PHISHING, SCANNED))])
    result = watch_once(box, None, lambda raw: "clean", move_phishing=True)
    assert result.messages[0].skipped is True
    assert box.moves == [(1, "Suspicious")]


def test_the_verdict_keyword_goes_on_before_the_scanned_keyword():
    box = FakeMailbox([message(1)])
    watch_once(box, None, lambda raw: "phishing", move_phishing=False)
    assert box.tags == [(1, PHISHING), (1, SCANNED)]
    assert box.moves == []
