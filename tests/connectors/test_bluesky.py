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
    NotSupported,
    PlatformConnector,
    is_idempotency_key,
    new_idempotency_key,
)
from tests.connectors.fake_social import BLUESKY_DID, BLUESKY_PASSWORD, fake_social


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
