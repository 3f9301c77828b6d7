"""Bluesky chat direct messages come into the inbox beside mentions and replies.

Bluesky's chat service is not open source and cannot run here: tests/connectors/fake_social.py
answers with RECORDED responses of the documented chat.bsky.convo shapes on 127.0.0.1, and
the atproto SDK does the HTTP (through the PDS, with the atproto-proxy header) as in production.
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse
from django.utils.html import escape

from civicshield.connectors.bluesky import ERROR_BLUESKY_BAD_MESSAGE, ERROR_BLUESKY_NO_DM_ACCESS
from civicshield.web.audit.models import AuditEntry
from civicshield.web.inbox import services
from civicshield.web.inbox.models import Message, Source
from civicshield.web.inbox.polling import CHAT_CURSOR, ERROR_DIRECT_MESSAGES, source_poll
from civicshield.web.publishing.models import ConnectedAccount
from civicshield.web.testing import reauthenticated_client, signed_in_client
from tests.connectors.fake_social import (
    BLUESKY_PASSWORD,
    BLUESKY_PASSWORD_NO_DMS,
    CONVO_ID,
    CONVO_ID_2,
    NEIGHBOUR,
    OFFICE,
    TROLL,
    chat_message,
    chat_rev,
    fake_social,
)

pytestmark = pytest.mark.django_db

MENTION_ID = "at://did:plc:troll/app.bsky.feed.post/3kabc"


@pytest.fixture
def server():
    with fake_social() as running:
        yield running


@pytest.fixture
def source(cast, server):
    account = ConnectedAccount.objects.create(
        office=cast.office_a,
        platform="bluesky",
        handle="alice.test",
        server_url=server.url,
        app_password=BLUESKY_PASSWORD,
    )
    return Source.objects.create(office=cast.office_a, kind="bluesky", name="b", account=account)


def _restarted(source):
    """The source as a fresh process would load it: only what the database kept."""
    return Source.objects.get(pk=source.pk)


def test_new_direct_messages_land_once_and_a_restart_fetches_nothing_twice(source, server):
    """Recorded chat responses: DMs after the first poll arrive, once, with their conversation."""
    assert source_poll(source).added == 1  # the mention; the chat log's position is kept
    assert _restarted(source).cursor[CHAT_CURSOR] == chat_rev(2)
    server.recorder.chat_log += [
        chat_message(3, TROLL, "I know where your surgery is"),
        chat_message(4, NEIGHBOUR, "Bins not collected", convo_id=CONVO_ID_2, profiles=False),
    ]
    report = source_poll(_restarted(source))
    assert (report.added, report.duplicates, report.errors) == (2, 0, [])
    dm = Message.objects.get(platform_id="msg0003")
    assert dm.platform == "bluesky" and dm.is_direct
    assert dm.author.handle == "troll.bsky.social" and dm.author.display_name == "Not A Troll"
    assert dm.raw["conversation_id"] == CONVO_ID and dm.raw["author_id"] == "did:plc:troll"
    assert dm.url == f"https://bsky.app/messages/{CONVO_ID}"
    assert Message.objects.get(platform_id="msg0004").author.handle == "neighbour.bsky.social"
    assert not Message.objects.filter(platform_id="msg0002").exists()  # from before connecting
    restarted = _restarted(source)
    assert restarted.cursor[CHAT_CURSOR] == chat_rev(4) and restarted.last_error == ""
    again = source_poll(restarted)
    assert (again.added, again.duplicates) == (0, 0)
    assert server.recorder.chat_pages_served[-1] == []  # asked from the cursor: nothing resent


def test_own_and_deleted_messages_are_not_ingested(source, server):
    """Recorded chat responses: the office's own reply and a deleted message stay out."""
    source_poll(source)
    server.recorder.chat_log += [
        chat_message(3, OFFICE, "Please write to the office by email"),
        chat_message(4, TROLL, "something they took back", deleted=True),
        chat_message(5, TROLL, "still here"),
    ]
    assert source_poll(_restarted(source)).added == 1
    dms = Message.objects.filter(is_direct=True)
    assert [m.platform_id for m in dms] == ["msg0005"]


def test_a_crash_before_storing_loses_no_direct_message(source, server):
    """Recorded chat responses: the chat cursor moves only once the messages are stored."""
    source_poll(source)
    server.recorder.chat_log.append(chat_message(3, TROLL, "arrived during the crash"))
    with (
        mock.patch.object(
            services, "messages_ingest", autospec=True, side_effect=RuntimeError("killed")
        ),
        pytest.raises(RuntimeError),
    ):
        source_poll(_restarted(source))
    assert _restarted(source).cursor[CHAT_CURSOR] == chat_rev(2)
    assert source_poll(_restarted(source)).added == 1
    assert Message.objects.filter(platform_id="msg0003").exists()


def test_without_direct_message_access_mentions_keep_flowing_and_the_problem_is_shown(
    cast, source, server
):
    """Recorded PDS answer to an app password without DM access: 400 "Bad token scope"."""
    server.recorder.chat_allowed = False
    report = source_poll(source)
    assert report.added == 1 and Message.objects.get(platform_id=MENTION_ID)
    polled = _restarted(source)
    assert polled.last_error == ERROR_BLUESKY_NO_DM_ACCESS
    assert polled.cursor == {"cursor": "2026-11-01T10:00:01.000Z", CHAT_CURSOR: None}
    page = signed_in_client(cast.manager.user).get(reverse("inbox:sources")).content.decode()
    assert escape(ERROR_BLUESKY_NO_DM_ACCESS) in page
    # A new app password with the box ticked: the next poll reads DMs and the problem clears.
    server.recorder.chat_allowed = True
    source_poll(polled)
    assert _restarted(source).last_error == ""


def test_a_chat_service_outage_keeps_mentions_and_the_chat_cursor(source, server):
    """Recorded PDS answer when the chat service is down (502 UpstreamFailure): retried later."""
    source_poll(source)
    server.recorder.chat_log.append(chat_message(3, TROLL, "sent while the service was down"))
    server.recorder.chat_failing = True
    assert source_poll(_restarted(source)).added == 0
    polled = _restarted(source)
    assert polled.last_error.startswith(ERROR_DIRECT_MESSAGES.format(error=""))
    assert polled.cursor[CHAT_CURSOR] == chat_rev(2)
    server.recorder.chat_failing = False
    assert source_poll(polled).added == 1 and _restarted(source).last_error == ""


def test_a_malformed_direct_message_is_reported_and_the_rest_land(source, server):
    """Recorded chat responses, one message with an unreadable time: reported, others stored."""
    source_poll(source)
    broken = chat_message(4, TROLL, "bad time")
    broken["message"]["sentAt"] = "yesterday-ish"
    server.recorder.chat_log += [
        chat_message(3, TROLL, "first"),
        broken,
        chat_message(5, TROLL, "third"),
    ]
    report = source_poll(_restarted(source))
    assert report.added == 2
    assert report.errors == [{"id": "msg0004", "error": ERROR_BLUESKY_BAD_MESSAGE}]
    assert set(Message.objects.filter(is_direct=True).values_list("text", flat=True)) == {
        "first",
        "third",
    }
    assert _restarted(source).cursor[CHAT_CURSOR] == chat_rev(5)


def test_a_new_app_password_pasted_on_the_account_page_brings_direct_messages(cast, server):
    """Recorded responses: connected without DM access, fixed by pasting a new app password."""
    client = reauthenticated_client(cast.manager.user)
    client.post(
        reverse("publishing:connect_bluesky"),
        {"handle": "alice.test", "app_password": BLUESKY_PASSWORD_NO_DMS, "server_url": server.url},
    )
    account = ConnectedAccount.objects.get()
    source = Source.objects.create(office=cast.office_a, kind="bluesky", name="b", account=account)
    assert source_poll(source).added == 1  # the mention arrives all the same
    account_url = reverse("publishing:account", kwargs={"pk": account.pk})
    assert escape(ERROR_BLUESKY_NO_DM_ACCESS) in client.get(account_url).content.decode()
    sources_page = client.get(reverse("inbox:sources")).content.decode()
    assert f'href="{account_url}#app-password"' in sources_page

    url = reverse("publishing:account_app_password", kwargs={"pk": account.pk})
    wrong = client.post(url, {"app_password": "wrong-pass-word-xxxx"}, follow=True)
    assert "did not accept the handle and app password" in wrong.content.decode()
    assert ConnectedAccount.objects.get().app_password == BLUESKY_PASSWORD_NO_DMS
    assert client.post(url, {"app_password": BLUESKY_PASSWORD})["Location"] == account_url
    account.refresh_from_db()
    assert account.app_password == BLUESKY_PASSWORD and account.session == ""
    assert AuditEntry.objects.filter(action="publishing.account.app_password_replaced").exists()

    server.recorder.chat_log.append(chat_message(3, TROLL, "now you can read this"))
    source_poll(_restarted(source))  # takes the chat log's position (first read)
    assert _restarted(source).last_error == ""
    server.recorder.chat_log.append(chat_message(4, TROLL, "and this"))
    assert source_poll(_restarted(source)).added == 1
    assert Message.objects.get(platform_id="msg0004").is_direct
    assert BLUESKY_PASSWORD not in client.get(account_url).content.decode()


def test_only_a_manager_of_the_office_may_replace_the_app_password(cast, source):
    """No platform call is made: the request is refused before any sign-in."""
    url = reverse("publishing:account_app_password", kwargs={"pk": source.account_id})
    assert (
        reauthenticated_client(cast.comms.user).post(url, {"app_password": "x"}).status_code == 403
    )
    assert (
        reauthenticated_client(cast.other_manager.user).post(url, {"app_password": "x"}).status_code
        == 404
    )
    not_confirmed = signed_in_client(cast.manager.user).post(url, {"app_password": "x"})
    assert not_confirmed["Location"].startswith(reverse("accounts:reauth"))
    assert ConnectedAccount.objects.get().app_password == BLUESKY_PASSWORD
