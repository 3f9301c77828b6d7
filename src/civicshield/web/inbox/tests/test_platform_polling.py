"""Mentions of a connected Mastodon account come into the inbox.

Mastodon cannot run here: tests/connectors/fake_social.py answers with RECORDED responses of
the documented API shapes on 127.0.0.1, and Mastodon.py does the HTTP as in production.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicshield.web.inbox.models import Message, Source
from civicshield.web.inbox.polling import ERROR_ACCOUNT_GONE, source_poll
from civicshield.web.publishing.models import ConnectedAccount
from civicshield.web.testing import signed_in_client
from tests.connectors.fake_social import MASTODON_TOKEN, fake_social

pytestmark = pytest.mark.django_db


@pytest.fixture
def mastodon(cast):
    with fake_social() as server:
        account = ConnectedAccount.objects.create(
            office=cast.office_a,
            platform="mastodon",
            handle="@alice@example.social",
            server_url=server.url,
            access_token=MASTODON_TOKEN,
        )
        yield account


def test_mentions_and_direct_messages_are_ingested_once(cast, mastodon):
    source = Source.objects.create(
        office=cast.office_a, kind="mastodon", name="m", account=mastodon
    )
    report = source_poll(source)
    assert report.added == 2
    first = Message.objects.get(platform_id="9001")
    assert first.author.handle == "@troll@bad.example" and first.platform == "mastodon"
    assert Message.objects.get(platform_id="9002").is_direct
    source.refresh_from_db()
    assert source.cursor == {"cursor": "7002"}
    assert source_poll(source).added == 0


def test_a_disconnected_account_stops_the_source_with_a_clear_error(cast, mastodon):
    source = Source.objects.create(
        office=cast.office_a, kind="mastodon", name="m", account=mastodon
    )
    ConnectedAccount.objects.filter(pk=mastodon.pk).update(is_active=False)
    source.refresh_from_db()
    with pytest.raises(ValueError, match="disconnected"):
        source_poll(source)
    source.refresh_from_db()
    assert ERROR_ACCOUNT_GONE in source.last_error


def test_a_manager_starts_reading_an_account_from_the_sources_page(cast, mastodon):
    client = signed_in_client(cast.manager.user)
    response = client.post(reverse("inbox:sources"), {"kind": "account", "account": mastodon.pk})
    assert response.status_code == 302
    source = Source.objects.get(account=mastodon)
    assert source.kind == "mastodon"
    assert MASTODON_TOKEN not in client.get(reverse("inbox:sources")).content.decode()


def test_another_offices_account_cannot_be_chosen(cast, mastodon):
    client = signed_in_client(cast.other_manager.user)
    response = client.post(reverse("inbox:sources"), {"kind": "account", "account": mastodon.pk})
    assert response.status_code == 200
    assert not Source.objects.exists()
