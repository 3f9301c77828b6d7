"""The recorded Gmail API answers for one watch round, shared by the connector and web tests.

Recorded responses of Gmail's documented shapes (tests/fixtures/gmail/); Gmail cannot run here.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from tests.servers.recorded import Answer


def history(start: str, token: str = "") -> str:
    query = {
        "startHistoryId": start,
        "historyTypes": "messageAdded",
        "labelId": "INBOX",
        "maxResults": "100",
    }
    if token:
        query["pageToken"] = token
    return "/users/me/history?" + urllib.parse.unquote(urllib.parse.urlencode(query))


def gmail_round(server: Any) -> None:
    server.route("GET", history("100000"), "gmail/history-page1.json")
    server.route("GET", history("100000", "page2token"), "gmail/history-page2.json")
    server.route("GET", history("100020"), "gmail/history-round2.json")
    server.route("GET", "/users/me/labels", "gmail/labels.json")
    server.route_sequence(
        "POST",
        "/users/me/labels",
        [Answer(200, f"gmail/label-created-{n}.json") for n in (1, 2, 3)],
    )
    for mid in ("18f0a1clean", "18f0a2phish", "18f0a3garbage", "18f0a4new"):
        server.route("GET", f"/users/me/messages/{mid}", f"gmail/message-{mid}.json")
        server.route("POST", f"/users/me/messages/{mid}/modify", "gmail/modified.json")
