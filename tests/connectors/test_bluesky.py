"""The Bluesky connector against recorded PDS responses served on 127.0.0.1.

A real PDS (@atproto/dev-env) needs Node 22 and a rebuilt better-sqlite3, not set up here;
tests/connectors/fake_social.py answers with the lexicons' documented shapes and the atproto
SDK does the HTTP, as in production.
"""

from __future__ import annotations

import pytest

from civicshield.connectors import bluesky
from civicshield.connectors.publishing import (
    Account,
    ConnectorError,
    DirectMessagesNotAllowed,
    NotSupported,
    PlatformConnector,
    is_idempotency_key,
    new_idempotency_key,
)
from civicshield.core.batch import ItemError
from tests.connectors.fake_social import (
    BLUESKY_DID,
    BLUESKY_PASSWORD,
    CHAT_PROXY,
    CONVO_ID,
    CONVO_ID_2,
    NEIGHBOUR,
    OFFICE,
    TROLL,
    chat_event,
    chat_message,
    chat_rev,
    fake_social,
)


@pytest.fixture
def server():
    with fake_social() as running:
        yield running


@pytest.fixture
def connector(server):
    return bluesky.BlueskyConnector(server.url, "alice.test", BLUESKY_PASSWORD)


def test_it_meets_the_protocol(connector):
    assert isinstance(connector, PlatformConnector)


def test_keys_are_record_keys():
    keys = {new_idempotency_key() for _ in range(50)}
    assert len(keys) == 50
    assert all(is_idempotency_key(k) for k in keys)
    assert not is_idempotency_key("not-a-tid")


def test_sign_in_checks_the_app_password(server):
    assert bluesky.BlueskyConnector(server.url, "@alice.test", BLUESKY_PASSWORD).sign_in() == (
        "alice.test"
    )
    with pytest.raises(ConnectorError) as caught:
        bluesky.BlueskyConnector(server.url, "alice.test", "wrong-pass-word-xxxx").sign_in()
    assert str(caught.value) == bluesky.ERROR_BLUESKY_SIGNED_OUT
    assert "wrong-pass-word-xxxx" not in str(caught.value)


def test_publish_uses_the_key_as_record_key_and_never_posts_twice(connector, server):
    key = new_idempotency_key()
    assert connector.find_published(key) is None
    post = connector.publish(
        "Surgery at https://example.org today",
        media=[(b"\xff\xd8\xff fake", "Sign")],
        idempotency_key=key,
    )
    assert post.platform_id == f"at://{BLUESKY_DID}/app.bsky.feed.post/{key}"
    assert post.url == f"https://bsky.app/profile/alice.test/post/{key}"
    record = server.recorder.records[post.platform_id]
    assert record["embed"]["images"][0]["alt"] == "Sign"
    assert record["facets"][0]["features"][0]["uri"] == "https://example.org"
    # A retry with the same key: the PDS refuses the duplicate and the connector reads it back.
    assert connector.publish("Surgery", idempotency_key=key) == post
    assert connector.find_published(key) == post
    assert server.recorder.posts == 1


def test_editing_is_not_supported_and_delete_works(connector, server):
    post = connector.publish("x", idempotency_key=new_idempotency_key())
    with pytest.raises(NotSupported):
        connector.edit(post.platform_id, "y")
    connector.delete(post.platform_id)
    assert server.recorder.posts == 0


def test_fetch_mentions_keeps_replies_and_mentions_only(connector):
    items, cursor = connector.fetch_mentions(None)
    assert [m.author_handle for m in items] == ["troll.bsky.social"]
    assert items[0].in_reply_to == f"at://{BLUESKY_DID}/app.bsky.feed.post/3kroot"
    assert items[0].url == "https://bsky.app/profile/troll.bsky.social/post/3kabc"
    assert cursor == "2026-11-01T10:00:01.000Z"
    assert connector.fetch_mentions(cursor)[0] == []


def test_profile_mute_block_report(connector, server):
    profile = connector.fetch_profile("troll.bsky.social")
    assert profile.display_name == "Not A Troll"
    assert profile.created_at.isoformat().startswith("2026-10-30")
    who = Account(profile.platform_id, profile.handle)
    connector.mute(who)
    connector.block(who)
    connector.report(who, ["at://did:plc:troll/app.bsky.feed.post/3kabc"], "Threats")
    kinds = [a[0] for a in server.recorder.actions]
    assert kinds == ["mute", "create", "report"]
    assert server.recorder.actions[1][1]["record"]["subject"] == "did:plc:troll"
    assert "3kabc" in server.recorder.actions[2][1]["reason"]


def test_a_report_names_direct_messages_apart_from_posts(connector, server):
    who = Account("did:plc:troll", "troll.bsky.social")
    connector.report(who, ["at://did:plc:troll/app.bsky.feed.post/3kabc", "3lmsgid"], "Threats")
    reason = server.recorder.actions[-1][1]["reason"]
    assert "Posts: at://did:plc:troll/app.bsky.feed.post/3kabc" in reason
    assert "Direct messages (chat message ids): 3lmsgid" in reason


def test_an_unexpected_sdk_error_never_passes_its_text_on():
    def broken():
        raise ValueError("bad session {'accessJwt': 'leaked-jwt'}")

    with pytest.raises(ConnectorError) as caught:
        bluesky._call(broken)
    assert str(caught.value) == bluesky.ERROR_BLUESKY_UNEXPECTED


def _sign_ins(server):
    return sum(1 for _, path, _ in server.recorder.requests if path.endswith("createSession"))


def test_a_saved_session_is_reused_instead_of_signing_in_again(server):
    saved = []
    first = bluesky.BlueskyConnector(
        server.url, "alice.test", BLUESKY_PASSWORD, on_session=saved.append
    )
    first.sign_in()
    assert _sign_ins(server) == 1 and saved
    again = bluesky.BlueskyConnector(
        server.url, "alice.test", BLUESKY_PASSWORD, session=saved[-1], on_session=saved.append
    )
    again.publish("Reused", idempotency_key=new_idempotency_key())
    assert _sign_ins(server) == 1


def test_a_broken_saved_session_falls_back_to_the_app_password(server):
    connector = bluesky.BlueskyConnector(
        server.url, "alice.test", BLUESKY_PASSWORD, session="not a session"
    )
    assert connector.sign_in() == "alice.test"
    assert _sign_ins(server) == 1


# --- direct messages (Bluesky chat) ------------------------------------------------------------
# The chat service is not open source and cannot run here: these tests use the RECORDED
# responses of fake_social.py, shaped as the chat.bsky.convo lexicons document them.


def _chat_requests(server):
    return [(path, headers) for _, path, headers in server.recorder.requests if "chat.bsky" in path]


def test_direct_messages_start_from_now_and_arrive_once(connector, server):
    """Recorded chat responses: the first read takes the log's position, later ones the news."""
    first = connector.fetch_direct_messages(None)
    assert first.messages == [] and first.errors == []
    assert first.cursor == chat_rev(2)  # the message from before connecting is not replayed
    server.recorder.chat_log += [
        chat_message(3, TROLL, "I know where your surgery is"),
        chat_message(4, OFFICE, "Please contact the office by email"),  # the office's own
        chat_message(5, TROLL, "deleted", deleted=True),
        chat_event(6, "logDeleteMessage", convoId=CONVO_ID, message={"id": "msg0003"}),
        chat_event(7, "logReadMessage", convoId=CONVO_ID),
        chat_message(8, NEIGHBOUR, "Bins not collected", convo_id=CONVO_ID_2, profiles=False),
    ]
    page = connector.fetch_direct_messages(first.cursor)
    assert [(m.platform_id, m.author_handle) for m in page.messages] == [
        ("msg0003", "troll.bsky.social"),
        ("msg0008", "neighbour.bsky.social"),  # from the conversation's members (getConvo)
    ]
    troll = page.messages[0]
    assert troll.author_id == "did:plc:troll" and troll.author_display_name == "Not A Troll"
    assert troll.is_direct_message and troll.conversation_id == CONVO_ID
    assert troll.url == f"https://bsky.app/messages/{CONVO_ID}"
    assert troll.created_at.isoformat() == "2026-11-02T09:03:00+00:00"
    assert page.errors == [] and page.cursor == chat_rev(8)
    # Six events at three a page: two pages, then an empty one; nothing was served twice.
    served = server.recorder.chat_pages_served
    assert served == [[chat_rev(n) for n in (3, 4, 5)], [chat_rev(n) for n in (6, 7, 8)], []]
    again = connector.fetch_direct_messages(page.cursor)
    assert again.messages == [] and again.cursor == chat_rev(8)
    requests = _chat_requests(server)
    assert all(headers.get("atproto-proxy") == CHAT_PROXY for _, headers in requests)
    assert sum(1 for path, _ in requests if path.endswith("getConvo")) == 1


def test_an_event_at_the_cursor_is_not_returned_again(connector, server):
    """Recorded chat responses from a log that repeats the event at the cursor."""
    server.recorder.chat_cursor_inclusive = True
    server.recorder.chat_log += [chat_message(3, TROLL, "seen"), chat_message(4, TROLL, "new")]
    page = connector.fetch_direct_messages(chat_rev(3))
    assert [m.text for m in page.messages] == ["new"] and page.cursor == chat_rev(4)


def test_a_malformed_direct_message_is_reported_and_the_rest_arrive(connector, server):
    """Recorded chat responses, one message without its sender: skipped and named."""
    broken = chat_message(4, TROLL, "no sender")
    del broken["message"]["sender"]
    server.recorder.chat_log += [
        chat_message(3, TROLL, "first"),
        broken,
        chat_message(5, TROLL, "third"),
    ]
    page = connector.fetch_direct_messages(chat_rev(2))
    assert [m.text for m in page.messages] == ["first", "third"]
    assert page.errors == [ItemError("msg0004", bluesky.ERROR_BLUESKY_BAD_MESSAGE)]
    assert page.cursor == chat_rev(5)  # moved past it: it would fail the same way every time


def test_an_app_password_without_direct_message_access_gets_its_own_error(connector, server):
    """Recorded PDS answer for such an app password: HTTP 400 InvalidToken "Bad token scope"."""
    server.recorder.chat_allowed = False
    with pytest.raises(DirectMessagesNotAllowed) as caught:
        connector.fetch_direct_messages(chat_rev(2))
    assert str(caught.value) == bluesky.ERROR_BLUESKY_NO_DM_ACCESS
    assert not caught.value.retryable
    assert [m.author_handle for m in connector.fetch_mentions(None)[0]] == ["troll.bsky.social"]
