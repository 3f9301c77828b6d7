"""Watching Microsoft 365 and Gmail inboxes for phishing through their APIs.

These are RECORDED responses: Microsoft Graph and the Gmail API cannot run here, so a local
HTTP server on 127.0.0.1 replays JSON documents of their documented shapes (delta pages,
history pages, raw messages, errors; tests/fixtures/graph/, tests/fixtures/gmail/, see the
README there). What is real: our HTTP client, its bearer token and refresh, paging, cursors,
the mail analysis of the emails (tests/fixtures/mail/), and what is sent back to tag and move.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse

import pytest

from civicshield.connectors._http import BearerSession, ServiceBusy
from civicshield.connectors.cloudwatch import watch_cloud_once
from civicshield.connectors.gmail import HISTORY_GAP_CHECKED, HISTORY_RESTARTED, GmailMailbox
from civicshield.connectors.graph import DELTA_RESTARTED, GraphMailbox
from civicshield.connectors.watcher import SCAN_FAILED
from civicshield.core.mail import analyse
from tests.connectors.gmail_routes import gmail_round, history
from tests.servers.recorded import Answer, replay_server

TOKEN = "test-token-not-a-secret"
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)
DELTA = "/me/mailFolders/inbox/messages/delta"
SINCE = "2026-11-20T09:00:00Z"


@pytest.fixture
def server():
    with replay_server() as replay:
        yield replay


def graph(server, refresh=None) -> GraphMailbox:
    session = BearerSession(TOKEN, service="Microsoft 365", refresh=refresh)
    return GraphMailbox(session, base_url=server.base_url, now=lambda: NOW)


ROUND = str(int(NOW.timestamp()))  # "checked_at" of a round that started at NOW


def gmail(server) -> GmailMailbox:
    session = BearerSession(TOKEN, service="Gmail")
    return GmailMailbox(session, base_url=server.base_url, now=lambda: NOW)


def scan(raw: bytes):
    return analyse(raw)


def graph_round(server) -> None:
    """A delta round of three new emails over two pages, then the message endpoints."""
    server.route("GET", DELTA + "?$deltatoken=round0", "graph/delta-page1.json")
    server.route("GET", DELTA + "?$skiptoken=page2", "graph/delta-page2.json")
    server.route("GET", DELTA + "?$deltatoken=round1", "graph/delta-round2.json")
    for name, fixture in [
        ("clean", "mail/clean.eml"),
        ("phish", "mail/phishing_lookalike.eml"),
        ("garbage", "mail/garbage.bin"),
        ("new", "mail/clean.eml"),
    ]:
        server.route("GET", f"/me/messages/AAMkAGI2-{name}/$value", fixture)
        server.route("PATCH", f"/me/messages/AAMkAGI2-{name}", "graph/message-patched.json")
    server.route("GET", "/me/mailFolders", "graph/mailFolders-none.json")
    server.route("POST", "/me/mailFolders", "graph/mailFolder-created.json", status=201)
    server.route("POST", "/me/messages/AAMkAGI2-phish/move", "graph/message-moved.json", 201)


def round0() -> dict[str, str]:
    return {"link": "http://placeholder", "since": SINCE}


def cursor_at(server, token: str) -> dict[str, str]:
    return {"link": f"{server.base_url}{DELTA}?$deltatoken={token}", "since": SINCE}


def test_graph_first_run_starts_from_now_and_keeps_the_delta_link(server):
    server.route("GET", DELTA, "graph/delta-empty.json")

    result = watch_cloud_once(graph(server), None, scan, move_phishing=True)

    assert result.messages == ()
    assert result.cursor == {
        "link": f"{server.base_url}{DELTA}?$deltatoken=fresh",
        "since": "2026-11-26T10:00:00Z",
    }
    (sent,) = server.requests
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(sent.path).query))
    assert query == {
        "$select": "id,categories",
        "$filter": "receivedDateTime ge 2026-11-26T10:00:00Z",
    }
    assert sent.headers["Prefer"] == "odata.maxpagesize=50"
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"


def test_graph_scans_each_new_email_once_across_two_runs_tags_and_moves_phishing(server):
    graph_round(server)

    first = watch_cloud_once(graph(server), cursor_at(server, "round0"), scan, True)

    by_id = {m.id: m for m in first.messages}
    assert set(by_id) == {"AAMkAGI2-clean", "AAMkAGI2-phish", "AAMkAGI2-garbage"}
    assert (by_id["AAMkAGI2-clean"].verdict, by_id["AAMkAGI2-clean"].moved_to) == ("clean", None)
    assert by_id["AAMkAGI2-clean"].tagged == ("CivicShield: checked",)
    phish = by_id["AAMkAGI2-phish"]
    assert phish.verdict == "phishing" and phish.moved_to == "Suspicious"
    assert phish.tagged == ("CivicShield: phishing", "CivicShield: checked")
    assert phish.subject == "Urgent: updated briefing, please sign in"
    # The malformed one is reported; the email after it on the page... and the run go on.
    assert (by_id["AAMkAGI2-garbage"].error or "").startswith(SCAN_FAILED.split("(")[0])
    assert first.cursor == cursor_at(server, "round1") | {"since": "2026-11-26T10:00:00Z"}
    assert first.more is False
    # A category someone set by hand is kept: PATCH replaces the whole list.
    patches = {r.path: json.loads(r.body) for r in server.seen("PATCH", "/me/messages/")}
    assert patches["/me/messages/AAMkAGI2-phish"] == {
        "categories": ["Blue category", "CivicShield: phishing", "CivicShield: checked"]
    }
    assert "/me/messages/AAMkAGI2-garbage" not in patches  # not checked, so not marked checked
    (created,) = server.seen("POST", "/me/mailFolders")
    assert json.loads(created.body) == {"displayName": "Suspicious"}
    (move,) = server.seen("POST", "/me/messages/AAMkAGI2-phish/move")
    assert json.loads(move.body) == {"destinationId": "AAMkAGI2-suspicious-folder"}

    server.requests.clear()
    second = watch_cloud_once(graph(server), first.cursor, scan, True)

    # Our own tag made Graph report the clean email again as changed: it is skipped, and the
    # moved phishing email is reported removed. Only the new email is fetched and scanned.
    assert [(m.id, m.skipped, m.verdict) for m in second.messages] == [
        ("AAMkAGI2-clean", True, None),
        ("AAMkAGI2-new", False, "clean"),
    ]
    assert [r.path for r in server.seen("GET", "/me/messages/")] == [
        "/me/messages/AAMkAGI2-new/$value"
    ]
    assert second.cursor["link"].endswith("$deltatoken=round2")


def test_graph_throttling_stops_the_run_and_keeps_the_cursor_before_the_unhandled_page(server):
    graph_round(server)
    server.route(
        "GET",
        "/me/messages/AAMkAGI2-phish/$value",
        "graph/error-429.json",
        status=429,
        headers={"Retry-After": "7"},
    )
    start = cursor_at(server, "round0")

    result = watch_cloud_once(graph(server), start, scan, True)

    # The clean email was handled, but the page it is on was not finished: the stored cursor
    # stays at that page, and the clean email (now tagged) is skipped when it is read again.
    assert [m.id for m in result.messages] == ["AAMkAGI2-clean"]
    assert result.cursor == start
    assert isinstance(result.stopped, ServiceBusy)
    assert result.stopped.retryable and result.stopped.retry_after == 7.0
    assert result.more is True


def test_graph_throttling_of_the_delta_itself_is_retryable(server):
    server.route("GET", DELTA, "graph/error-429.json", status=429, headers={"Retry-After": "3"})
    with pytest.raises(ServiceBusy) as caught:
        watch_cloud_once(graph(server), cursor_at(server, "round0"), scan, True)
    assert caught.value.retryable and caught.value.retry_after == 3.0


def test_graph_expired_delta_restarts_from_the_last_completed_round_and_says_so(server):
    server.route("GET", DELTA + "?$deltatoken=round0", "graph/error-410.json", status=410)
    server.route("GET", DELTA, "graph/delta-empty.json")

    result = watch_cloud_once(graph(server), cursor_at(server, "round0"), scan, True)

    assert result.notice == DELTA_RESTARTED.format(since="2026-11-20 09:00:00 UTC")
    assert result.cursor["link"].endswith("$deltatoken=fresh")
    restarted = urllib.parse.urlsplit(server.requests[-1].path).query
    assert dict(urllib.parse.parse_qsl(restarted))["$filter"] == (
        "receivedDateTime ge 2026-11-20T09:00:00Z"
    )


def test_graph_expired_access_token_is_refreshed_once(server):
    path = DELTA + "?$deltatoken=round0"
    server.route_sequence(
        "GET",
        path,
        [Answer(401, "graph/error-401.json"), Answer(200, "graph/delta-empty.json")],
    )
    refreshed = []

    def refresh() -> str:
        refreshed.append(True)
        return "fresh-token"

    watch_cloud_once(graph(server, refresh), cursor_at(server, "round0"), scan, True)

    assert refreshed == [True]
    assert [r.headers["Authorization"] for r in server.requests] == [
        f"Bearer {TOKEN}",
        "Bearer fresh-token",
    ]


# --- Gmail ---------------------------------------------------------------------------------------


def test_gmail_first_run_starts_from_the_profile_history_id(server):
    server.route("GET", "/users/me/profile", "gmail/profile.json")

    result = watch_cloud_once(gmail(server), None, scan, True)

    assert (result.cursor, result.messages) == ({"history_id": "100000", "checked_at": ROUND}, ())


def test_gmail_scans_each_new_email_once_across_two_runs_labels_and_moves_phishing(server):
    gmail_round(server)

    first = watch_cloud_once(gmail(server), {"history_id": "100000"}, scan, True)

    by_id = {m.id: m for m in first.messages}
    # The email the office sent (SENT, not INBOX) is not an inbox arrival.
    assert set(by_id) == {"18f0a1clean", "18f0a2phish", "18f0a3garbage"}
    assert by_id["18f0a1clean"].tagged == ("CivicShield/Checked",)
    phish = by_id["18f0a2phish"]
    assert phish.verdict == "phishing" and phish.moved_to == "CivicShield/Suspicious"
    assert phish.tagged == ("CivicShield/Phishing", "CivicShield/Checked")
    assert (by_id["18f0a3garbage"].error or "").startswith(SCAN_FAILED.split("(")[0])
    assert first.cursor == {"history_id": "100020", "checked_at": ROUND}
    # Labels were created once each, and "moving" takes the email out of the inbox.
    created = [json.loads(r.body)["name"] for r in server.seen("POST", "/users/me/labels")]
    assert created == ["CivicShield/Checked", "CivicShield/Phishing", "CivicShield/Suspicious"]
    modifies = [json.loads(r.body) for r in server.seen("POST", "/users/me/messages/18f0a2phish")]
    assert modifies == [
        {"addLabelIds": ["Label_12", "Label_11"], "removeLabelIds": []},
        {"addLabelIds": ["Label_13"], "removeLabelIds": ["INBOX"]},
    ]
    assert server.seen("GET", "/users/me/messages/18f0a1clean")[0].path.endswith("?format=raw")

    server.requests.clear()
    server.route("GET", "/users/me/labels", "gmail/labels-ours.json")
    second = watch_cloud_once(gmail(server), first.cursor, scan, True)

    assert [(m.id, m.skipped, m.verdict) for m in second.messages] == [
        ("18f0a1clean", True, None),
        ("18f0a4new", False, "clean"),
    ]
    assert [r.path for r in server.seen("GET", "/users/me/messages/")] == [
        "/users/me/messages/18f0a4new?format=raw"
    ]
    assert not server.seen("POST", "/users/me/labels")  # found, not created again
    assert second.cursor == {"history_id": "100030", "checked_at": ROUND}


def test_gmail_throttling_keeps_the_cursor_after_the_last_handled_email(server):
    gmail_round(server)
    server.route("GET", "/users/me/messages/18f0a2phish", "gmail/error-429.json", status=429)

    result = watch_cloud_once(gmail(server), {"history_id": "100000"}, scan, True)

    assert [m.id for m in result.messages] == ["18f0a1clean"]
    assert result.cursor == {"history_id": "100005"}  # a stop mid-round keeps the old time
    assert result.stopped is not None and result.stopped.retryable
    assert result.more is True


def test_gmail_history_too_old_restarts_from_the_profile_and_says_so(server):
    server.route("GET", history("90000"), "gmail/error-404.json", status=404)
    server.route("GET", "/users/me/profile", "gmail/profile-later.json")

    result = watch_cloud_once(gmail(server), {"history_id": "90000"}, scan, True)

    assert result.cursor == {"history_id": "250000", "checked_at": ROUND}
    assert result.notice == HISTORY_RESTARTED
    assert result.messages == ()


def test_gmail_history_too_old_lists_the_inbox_since_the_last_complete_round(server):
    # Recorded shapes: messages.list (newest first) and messages.get?format=minimal.
    since = str(int(NOW.timestamp()) - 9 * 24 * 3600)
    server.route("GET", history("90000"), "gmail/error-404.json", status=404)
    server.route("GET", "/users/me/profile", "gmail/profile-later.json")
    server.route("GET", "/users/me/labels", "gmail/labels-ours.json")
    server.route(
        "GET",
        f"/users/me/messages?labelIds=INBOX&q=after:{since}&maxResults=100",
        "gmail/messages-list-gap.json",
    )
    for mid in ("18f0a1clean", "18f0a2phish"):
        server.route("GET", f"/users/me/messages/{mid}", f"gmail/message-{mid}.json")
        server.route("POST", f"/users/me/messages/{mid}/modify", "gmail/modified.json")
    server.route("GET", "/users/me/messages/18f0a0done", "gmail/message-minimal-checked.json")

    cursor = {"history_id": "90000", "checked_at": since}
    result = watch_cloud_once(gmail(server), cursor, scan, True)

    # The one already carrying "checked" is skipped; the others are scanned, oldest first.
    assert [(m.id, m.verdict) for m in result.messages] == [
        ("18f0a2phish", "phishing"),
        ("18f0a1clean", "clean"),
    ]
    assert result.notice == HISTORY_GAP_CHECKED
    assert result.cursor == {"history_id": "250000", "checked_at": ROUND}


def test_a_gap_listing_cut_short_keeps_its_place_for_the_next_run(server):
    since = str(int(NOW.timestamp()) - 9 * 24 * 3600)
    server.route("GET", "/users/me/profile", "gmail/profile-later.json")
    server.route("GET", "/users/me/labels", "gmail/labels-ours.json")
    server.route(
        "GET",
        f"/users/me/messages?labelIds=INBOX&q=after:{since}&maxResults=100",
        "gmail/messages-list-gap.json",
    )
    for mid in ("18f0a1clean", "18f0a2phish"):
        server.route("GET", f"/users/me/messages/{mid}", f"gmail/message-{mid}.json")
        server.route("POST", f"/users/me/messages/{mid}/modify", "gmail/modified.json")
    server.route("GET", "/users/me/messages/18f0a0done", "gmail/message-minimal-checked.json")

    gap = {"history_id": "", "checked_at": since}
    result = watch_cloud_once(gmail(server), gap, scan, True, limit=1)

    assert [m.id for m in result.messages] == ["18f0a1clean"]
    assert result.cursor == gap and result.more
