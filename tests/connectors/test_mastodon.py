"""The Mastodon connector against recorded Mastodon API responses served on 127.0.0.1.

No Mastodon server can run here, so tests/connectors/fake_social.py answers with the
documented response shapes; Mastodon.py itself does the HTTP, as it would in production.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from civicshield.connectors import mastodon
from civicshield.connectors.publishing import (
    Account,
    ConnectorError,
    PlatformConnector,
    new_idempotency_key,
)
from tests.connectors.fake_social import MASTODON_TOKEN, fake_social


@pytest.fixture
def server():
    with fake_social() as running:
        yield running


@pytest.fixture
def connector(server):
    return mastodon.MastodonConnector(server.url, MASTODON_TOKEN)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="PNG")
    return out.getvalue()


def test_it_meets_the_protocol(connector):
    assert isinstance(connector, PlatformConnector)


def test_the_oauth_flow_registers_authorises_and_exchanges(server):
    client_id, secret = mastodon.register_app(
        server.url, redirect_uri="http://127.0.0.1:8000/cb", app_name="CivicShield"
    )
    url = mastodon.authorize_url(
        server.url,
        client_id=client_id,
        client_secret=secret,
        redirect_uri="http://127.0.0.1:8000/cb",
        state="xyz",
    )
    assert url.startswith(f"{server.url}/oauth/authorize?")
    assert "state=xyz" in url and "client_id=recorded-client-id" in url
    token = mastodon.exchange_code(
        server.url,
        client_id=client_id,
        client_secret=secret,
        redirect_uri="http://127.0.0.1:8000/cb",
        code="good-code",
    )
    assert token == MASTODON_TOKEN
    assert (
        mastodon.MastodonConnector(server.url, token).whoami()
        == "@alice@127.0.0.1:" + (server.url.rsplit(":", 1)[1])
    )


def test_a_bad_code_is_refused_without_leaking_secrets(server):
    with pytest.raises(ConnectorError) as caught:
        mastodon.exchange_code(
            server.url,
            client_id="recorded-client-id",
            client_secret="recorded-client-secret",
            redirect_uri="http://127.0.0.1:8000/cb",
            code="bad",
        )
    assert "recorded-client-secret" not in str(caught.value)


def test_publish_sends_the_idempotency_key_and_a_repeat_makes_one_post(connector, server):
    key = new_idempotency_key()
    first = connector.publish("Hello", media=[(_png(), "A black square")], idempotency_key=key)
    again = connector.publish("Hello", media=[(_png(), "A black square")], idempotency_key=key)
    assert first == again
    assert server.recorder.status_posts == 2
    assert len(server.recorder.statuses) == 1
    sent = [h for m, p, h in server.recorder.requests if p == "/api/v1/statuses"]
    assert sent[0]["Idempotency-Key"] == key
    assert server.recorder.media[0]["description"] == "A black square"
    assert first.url.endswith(first.platform_id)


def test_edit_and_delete(connector, server):
    post = connector.publish("Helo", idempotency_key=new_idempotency_key())
    connector.edit(post.platform_id, "Hello")
    assert server.recorder.statuses[post.platform_id]["text"] == "Hello"
    connector.delete(post.platform_id)
    connector.delete(post.platform_id)  # already gone: not an error
    assert server.recorder.posts == 0


def test_fetch_mentions_returns_plain_items_and_a_cursor(connector):
    items, cursor = connector.fetch_mentions(None)
    assert [m.platform_id for m in items] == ["9001", "9002"]
    first = items[0]
    assert first.text == "@alice you & your office are a disgrace"
    assert first.author_handle == "@troll@bad.example"
    assert first.in_reply_to == "8000"
    assert first.created_at.tzinfo is not None
    assert items[1].is_direct_message is True
    assert cursor == "7002"
    assert connector.fetch_mentions(cursor) == ([], "7002")


def test_profile_block_mute_report(connector, server):
    profile = connector.fetch_profile("@troll@bad.example")
    assert profile.bio == "MP for Somewhere. Office hours 9–5."
    assert profile.created_at.year == 2019
    who = Account(profile.platform_id, profile.handle)
    connector.block(who)
    connector.mute(who)
    connector.report(who, ["9001"], "Threatening replies")
    kinds = [a[0] for a in server.recorder.actions]
    assert kinds == ["block", "mute", "report"]


def test_a_bad_token_is_a_plain_error_without_the_token(server):
    connector = mastodon.MastodonConnector(server.url, "wrong-token-value")
    with pytest.raises(ConnectorError) as caught:
        connector.publish("x", idempotency_key=new_idempotency_key())
    assert str(caught.value) == mastodon.ERROR_MASTODON_SIGNED_OUT
    assert caught.value.retryable is False
    assert "wrong-token-value" not in repr(connector)


def test_an_unexpected_sdk_error_never_passes_its_text_on():
    def broken():
        raise ValueError("could not parse {'access_token': 'leaked-token-123'}")

    with pytest.raises(ConnectorError) as caught:
        mastodon._call(broken)
    assert str(caught.value) == mastodon.ERROR_MASTODON_UNEXPECTED


def test_find_published_searches_the_accounts_recent_posts(connector, server):
    import datetime as dt

    since = dt.datetime.now(dt.UTC)
    post = connector.publish("Surgery  on\nFriday", idempotency_key=new_idempotency_key())
    assert connector.find_published("any", text="Surgery on Friday", since=since) == post
    assert connector.find_published("any", text="Something else", since=since) is None
    later = since + dt.timedelta(hours=1)
    assert connector.find_published("any", text="Surgery on Friday", since=later) is None
    assert connector.find_published("any") is None
