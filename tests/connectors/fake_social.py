"""A small local HTTP server that answers like Mastodon and a Bluesky PDS, and counts posts.

No real Mastodon server or PDS runs in this environment (the @atproto/dev-env PDS needs Node 22
and a rebuilt better-sqlite3; see /work/shared/research/test-servers.md), so the connectors are
tested against these recorded responses: the JSON shapes documented for each endpoint
(docs.joinmastodon.org "Methods"; the com.atproto / app.bsky lexicons), trimmed to the fields
the connectors read, with tokens replaced by placeholders. It listens on 127.0.0.1 only.

Behaviours modelled because the tests depend on them:
* Mastodon: a second ``POST /api/v1/statuses`` with the same ``Idempotency-Key`` returns the
  first status instead of creating another (documented for that endpoint).
* PDS: ``createRecord`` with an ``rkey`` that already exists is refused with HTTP 500 and
  ``getRecord`` for a missing key answers 400 ``RecordNotFound``, as the reference PDS
  (@atproto/dev-env 0.6.7, see test_bluesky_pds.py) did when tried.
* Bluesky chat (not open source, so never run here): ``chat.bsky.convo.*`` is answered only
  with the ``atproto-proxy: did:web:api.bsky.chat#bsky_chat`` header, as the PDS forwards it.
  ``getLog`` without a cursor gives the log's current position and no events (what Bluesky's
  own app relies on); with a cursor, the events after it, oldest first, a few per page. An app
  password without direct-message access (``BLUESKY_PASSWORD_NO_DMS``) gets HTTP 400
  ``InvalidToken`` "Bad token scope", the PDS's answer (and the text Bluesky's app checks for).
"""

from __future__ import annotations

import base64
import datetime as dt
import http.server
import itertools
import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

MASTODON_TOKEN = "recorded-mastodon-token"  # noqa: S105 - a placeholder, not a secret
BLUESKY_PASSWORD = "abcd-efgh-ijkl-mnop"  # noqa: S105 - placeholder app password
BLUESKY_PASSWORD_NO_DMS = "qrst-uvwx-yz23-4567"  # noqa: S105 - made without DM access
BLUESKY_DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
BLUESKY_HANDLE = "alice.test"
CID = "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"
BLOB_CID = "bafkreibabalobzn6cd366ukcsjycp4yymjymgfxcv6xczmlgpemzkz3cfa"


def _jwt(kind: str) -> str:
    """A JWT-shaped token (the atproto SDK reads its expiry); the signature is a placeholder."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    claims = {"scope": kind, "sub": BLUESKY_DID, "iat": 1700000000, "exp": 4102444800}
    return f"{part({'alg': 'ES256K', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


ACCESS_JWT = _jwt("com.atproto.access")
ACCESS_JWT_NO_DMS = _jwt("com.atproto.appPass")
"""The session of an app password made without "Allow access to your direct messages"."""
REFRESH_JWT = _jwt("com.atproto.refresh")


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@dataclass
class Recorder:
    """What the fake platforms were asked to do."""

    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    idempotency: dict[str, str] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    media: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    actions: list[tuple[str, Any]] = field(default_factory=list)
    forget_keys: bool = False
    """Act like a slow Mastodon that made the post but never stored its key (mastodon#21840)."""
    status_posts: int = 0
    """How many POSTs to /api/v1/statuses arrived (including idempotent repeats)."""
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(109_000_000))
    chat_log: list[dict[str, Any]] = field(default_factory=lambda: list(CHAT_LOG_BEFORE))
    """The account's chat log; tests append events to it as messages "arrive"."""
    chat_allowed: bool = True
    """False: the app password was made without "Allow access to your direct messages"."""
    chat_cursor_inclusive: bool = False
    """True: ``getLog`` also sends the event at the cursor (the lexicon does not say it won't)."""
    chat_failing: bool = False
    """True: the chat service is down; the PDS answers 502 ``UpstreamFailure``."""
    chat_page_size: int = 3
    chat_pages_served: list[list[str]] = field(default_factory=list)
    """The event revs in each ``getLog`` page sent after a cursor, to show none came twice."""

    @property
    def posts(self) -> int:
        """Posts that exist: Mastodon statuses plus Bluesky post records."""
        return len(self.statuses) + len(self.records)


def _account(acct: str = "alice", account_id: str = "1") -> dict[str, Any]:
    return {
        "id": account_id,
        "username": acct.split("@")[0],
        "acct": acct,
        "display_name": "Alice Adams MP",
        "note": "<p>MP for Somewhere. Office hours 9&ndash;5.</p>",
        "url": f"https://mastodon.test/@{acct}",
        "avatar": "https://mastodon.test/avatars/1.png",
        "created_at": "2019-05-01T00:00:00.000Z",
        "locked": False,
        "bot": False,
        "followers_count": 10,
        "following_count": 5,
        "statuses_count": 3,
    }


MENTIONS: list[dict[str, Any]] = [
    {
        "id": "7001",
        "type": "mention",
        "created_at": "2026-11-01T10:00:00.000Z",
        "account": _account("troll@bad.example", "66"),
        "status": {
            "id": "9001",
            "created_at": "2026-11-01T10:00:00.000Z",
            "in_reply_to_id": "8000",
            "visibility": "public",
            "url": "https://bad.example/@troll/9001",
            "uri": "https://bad.example/users/troll/statuses/9001",
            "content": "<p><span>@alice</span> you &amp; your office are a disgrace</p>",
            "account": _account("troll@bad.example", "66"),
            "media_attachments": [],
            "mentions": [],
            "tags": [],
            "emojis": [],
        },
    },
    {
        "id": "7002",
        "type": "mention",
        "created_at": "2026-11-01T11:00:00.000Z",
        "account": _account("someone@ok.example", "67"),
        "status": {
            "id": "9002",
            "created_at": "2026-11-01T11:00:00.000Z",
            "in_reply_to_id": None,
            "visibility": "direct",
            "url": "https://ok.example/@someone/9002",
            "uri": "https://ok.example/users/someone/statuses/9002",
            "content": "<p>Can I book a surgery slot?</p>",
            "account": _account("someone@ok.example", "67"),
            "media_attachments": [],
            "mentions": [],
            "tags": [],
            "emojis": [],
        },
    },
]

BSKY_NOTIFICATIONS = {
    "notifications": [
        {
            "uri": "at://did:plc:troll/app.bsky.feed.post/3kabc",
            "cid": CID,
            "author": {
                "did": "did:plc:troll",
                "handle": "troll.bsky.social",
                "displayName": "Not A Troll",
            },
            "reason": "reply",
            "record": {
                "$type": "app.bsky.feed.post",
                "text": "@alice.test resign now",
                "createdAt": "2026-11-01T10:00:00.000Z",
                "reply": {
                    "root": {"uri": f"at://{BLUESKY_DID}/app.bsky.feed.post/3kroot", "cid": CID},
                    "parent": {
                        "uri": f"at://{BLUESKY_DID}/app.bsky.feed.post/3kroot",
                        "cid": CID,
                    },
                },
            },
            "isRead": False,
            "indexedAt": "2026-11-01T10:00:01.000Z",
            "labels": [],
        },
        {
            "uri": "at://did:plc:fan/app.bsky.feed.like/3klike",
            "cid": CID,
            "author": {"did": "did:plc:fan", "handle": "fan.bsky.social"},
            "reason": "like",
            "record": {
                "$type": "app.bsky.feed.like",
                "subject": {"uri": "at://x/app.bsky.feed.post/1", "cid": CID},
                "createdAt": "2026-11-01T09:00:00.000Z",
            },
            "isRead": False,
            "indexedAt": "2026-11-01T09:00:01.000Z",
        },
    ],
    "cursor": "2026-11-01T09:00:01.000Z",
}


CHAT_PROXY = "did:web:api.bsky.chat#bsky_chat"
CONVO_ID = "3l6convotroll"
CONVO_ID_2 = "3l6convoneigh"
TROLL = {"did": "did:plc:troll", "handle": "troll.bsky.social", "displayName": "Not A Troll"}
NEIGHBOUR = {"did": "did:plc:neighbour", "handle": "neighbour.bsky.social", "displayName": ""}
OFFICE = {"did": BLUESKY_DID, "handle": BLUESKY_HANDLE, "displayName": "Alice Adams MP"}
CONVOS = {CONVO_ID: [OFFICE, TROLL], CONVO_ID_2: [OFFICE, NEIGHBOUR]}


def chat_rev(number: int) -> str:
    """A chat log rev (TID-shaped; later events sort after earlier ones)."""
    return f"3l6{number:010d}"


def chat_message(
    number: int,
    sender: dict[str, Any],
    text: str,
    *,
    convo_id: str = CONVO_ID,
    deleted: bool = False,
    profiles: bool = True,
) -> dict[str, Any]:
    """A ``chat.bsky.convo.defs#logCreateMessage`` event, shaped as the lexicon documents it."""
    message: dict[str, Any] = {
        "$type": "chat.bsky.convo.defs#messageView",
        "id": f"msg{number:04d}",
        "rev": chat_rev(number),
        "text": text,
        "sender": {"did": sender["did"]},
        "sentAt": f"2026-11-02T09:{number:02d}:00.000Z",
    }
    if deleted:
        message = {k: v for k, v in message.items() if k != "text"}
        message["$type"] = "chat.bsky.convo.defs#deletedMessageView"
    event: dict[str, Any] = {
        "$type": "chat.bsky.convo.defs#logCreateMessage",
        "rev": chat_rev(number),
        "convoId": convo_id,
        "message": message,
    }
    if profiles:
        event["relatedProfiles"] = list(CONVOS[convo_id])
    return event


def chat_event(number: int, kind: str, **fields: Any) -> dict[str, Any]:
    """Any other log event (``logBeginConvo``, ``logReadMessage``, ``logDeleteMessage``...)."""
    return {"$type": f"chat.bsky.convo.defs#{kind}", "rev": chat_rev(number), **fields}


# What the account's chat log held before CivicShield first read it.
CHAT_LOG_BEFORE: list[dict[str, Any]] = [
    chat_event(1, "logBeginConvo", convoId=CONVO_ID),
    chat_message(2, TROLL, "an old message from before the account was connected"),
]


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _form(self, body: bytes) -> dict[str, Any]:
        kind = self.headers.get("Content-Type", "")
        if kind.startswith("application/json"):
            return dict(json.loads(body or b"{}"))
        if kind.startswith("application/x-www-form-urlencoded"):
            return {k: v[-1] for k, v in urllib.parse.parse_qs(body.decode()).items()}
        return {}

    def _authorised(self) -> bool:
        auth = self.headers.get("Authorization", "")
        return auth in (
            f"Bearer {MASTODON_TOKEN}",
            f"Bearer {ACCESS_JWT}",
            f"Bearer {ACCESS_JWT_NO_DMS}",
        )

    def _handle(self, method: str) -> None:
        rec = self.server.recorder
        url = urllib.parse.urlsplit(self.path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        body = self._body()
        rec.requests.append((method, url.path, dict(self.headers)))
        path = url.path.rstrip("/") or "/"
        # --- Mastodon server information (Mastodon.py reads the version before some calls)
        if path in ("/api/v1/instance", "/api/v2/instance"):
            return self._json(
                200,
                {
                    "uri": "mastodon.test",
                    "domain": "mastodon.test",
                    "title": "Mastodon test",
                    "version": "4.3.0",
                    "api_versions": {"mastodon": 2},
                    "configuration": {"statuses": {"max_characters": 500}},
                },
            )
        # --- Mastodon OAuth
        if path == "/api/v1/apps" and method == "POST":
            form = self._form(body)
            return self._json(
                200,
                {
                    "id": "3",
                    "name": form.get("client_name", ""),
                    "redirect_uri": form.get("redirect_uris", ""),
                    "client_id": "recorded-client-id",
                    "client_secret": "recorded-client-secret",
                },
            )
        if path == "/oauth/token" and method == "POST":
            form = self._form(body)
            if form.get("code") != "good-code":
                return self._json(400, {"error": "invalid_grant"})
            return self._json(
                200,
                {
                    "access_token": MASTODON_TOKEN,
                    "token_type": "Bearer",
                    "scope": "read write follow",
                    "created_at": 1700000000,
                },
            )
        # --- Bluesky session
        if path == "/xrpc/com.atproto.server.createSession":
            form = self._form(body)
            sessions = {BLUESKY_PASSWORD: ACCESS_JWT, BLUESKY_PASSWORD_NO_DMS: ACCESS_JWT_NO_DMS}
            if form.get("password") not in sessions:
                return self._json(
                    401,
                    {
                        "error": "AuthenticationRequired",
                        "message": "Invalid identifier or password",
                    },
                )
            return self._json(
                200,
                {
                    "accessJwt": sessions[form["password"]],
                    "refreshJwt": REFRESH_JWT,
                    "handle": BLUESKY_HANDLE,
                    "did": BLUESKY_DID,
                    "active": True,
                },
            )
        if path.startswith("/xrpc/"):
            if not self._authorised():
                return self._json(401, {"error": "AuthenticationRequired", "message": "no"})
            return self._bluesky(method, path[len("/xrpc/") :], query, body)
        if not self._authorised():
            return self._json(401, {"error": "The access token is invalid"})
        return self._mastodon(method, path, query, body)

    def _mastodon(self, method: str, path: str, query: dict[str, str], body: bytes) -> None:
        rec = self.server.recorder
        if path == "/api/v1/accounts/verify_credentials":
            return self._json(200, _account())
        if path == "/api/v2/media" and method == "POST":
            media_id = str(next(rec.ids))
            description = ""
            if b'name="description"' in body:
                part = body.split(b'name="description"', 1)[1].split(b"\r\n\r\n", 1)[1]
                description = part.split(b"\r\n", 1)[0].decode()
            item = {
                "id": media_id,
                "type": "image",
                "url": f"https://mastodon.test/media/{media_id}.jpg",
                "preview_url": f"https://mastodon.test/media/{media_id}-small.jpg",
                "description": description,
                "bytes": len(body),
            }
            rec.media.append(item)
            return self._json(200, item)
        if path == "/api/v1/statuses" and method == "POST":
            rec.status_posts += 1
            key = self.headers.get("Idempotency-Key", "")
            if key and key in rec.idempotency:
                return self._json(200, rec.statuses[rec.idempotency[key]])
            form = self._form(body)
            status_id = str(next(rec.ids))
            status = {
                "id": status_id,
                "created_at": _now(),
                "content": f"<p>{form.get('status', '')}</p>",
                "visibility": "public",
                "url": f"https://mastodon.test/@alice/{status_id}",
                "uri": f"https://mastodon.test/users/alice/statuses/{status_id}",
                "account": _account(),
                "media_attachments": [m for m in rec.media if m["id"] in form.get("media_ids", [])],
                "in_reply_to_id": None,
                "mentions": [],
                "tags": [],
                "emojis": [],
                "text": form.get("status", ""),
            }
            rec.statuses[status_id] = status
            if key and not rec.forget_keys:
                rec.idempotency[key] = status_id
            return self._json(200, status)
        if path.startswith("/api/v1/statuses/"):
            status_id = path.rsplit("/", 1)[-1]
            if status_id not in rec.statuses:
                return self._json(404, {"error": "Record not found"})
            if method == "DELETE":
                rec.actions.append(("delete", status_id))
                return self._json(200, rec.statuses.pop(status_id))
            if method == "PUT":
                form = self._form(body)
                rec.statuses[status_id]["content"] = f"<p>{form.get('status', '')}</p>"
                rec.statuses[status_id]["text"] = form.get("status", "")
                rec.actions.append(("edit", status_id))
                return self._json(200, rec.statuses[status_id])
        if path.startswith("/api/v1/accounts/") and path.endswith("/statuses"):
            newest_first = sorted(rec.statuses.values(), key=lambda s: -int(s["id"]))
            return self._json(200, newest_first[: int(query.get("limit", "20"))])
        if path == "/api/v1/notifications":
            since = query.get("since_id")
            items = [n for n in MENTIONS if since is None or int(n["id"]) > int(since)]
            return self._json(200, list(reversed(items)))
        if path == "/api/v1/accounts/lookup":
            return self._json(200, _account(query.get("acct", "x"), "66"))
        for action in ("block", "mute"):
            if path.endswith(f"/{action}") and method == "POST":
                rec.actions.append((action, path.split("/")[-2]))
                return self._json(200, {"id": path.split("/")[-2], action + "ing": True})
        if path == "/api/v1/reports" and method == "POST":
            rec.actions.append(("report", self._form(body)))  # form or JSON
            return self._json(200, {"id": "1", "action_taken": False, "comment": ""})
        return self._json(404, {"error": "Not found"})

    def _bluesky(self, method: str, name: str, query: dict[str, str], body: bytes) -> None:
        rec = self.server.recorder
        if name == "com.atproto.server.getSession":
            return self._json(200, {"handle": BLUESKY_HANDLE, "did": BLUESKY_DID, "active": True})
        if name == "com.atproto.repo.uploadBlob":
            rec.media.append({"bytes": len(body), "mime": self.headers.get("Content-Type")})
            return self._json(
                200,
                {
                    "blob": {
                        "$type": "blob",
                        "ref": {"$link": BLOB_CID},
                        "mimeType": self.headers.get("Content-Type") or "image/jpeg",
                        "size": len(body),
                    }
                },
            )
        if name == "com.atproto.repo.createRecord":
            data = json.loads(body)
            collection, rkey = data["collection"], data.get("rkey") or str(next(rec.ids))
            uri = f"at://{data['repo']}/{collection}/{rkey}"
            if collection != "app.bsky.feed.post":
                rec.actions.append(("create", data))
                return self._json(200, {"uri": uri, "cid": CID})
            if uri in rec.records:
                # What the reference PDS (@atproto/dev-env 0.6.7) answered when tried here.
                return self._json(
                    500, {"error": "InternalServerError", "message": "Internal Server Error"}
                )
            rec.records[uri] = data["record"]
            return self._json(200, {"uri": uri, "cid": CID, "validationStatus": "valid"})
        if name == "com.atproto.repo.getRecord":
            uri = f"at://{query['repo']}/{query['collection']}/{query['rkey']}"
            if uri not in rec.records:
                return self._json(
                    400, {"error": "RecordNotFound", "message": f"Could not locate record: {uri}"}
                )
            return self._json(200, {"uri": uri, "cid": CID, "value": rec.records[uri]})
        if name == "com.atproto.repo.deleteRecord":
            data = json.loads(body)
            uri = f"at://{data['repo']}/{data['collection']}/{data['rkey']}"
            rec.records.pop(uri, None)
            rec.actions.append(("delete", uri))
            return self._json(200, {})
        if name.startswith("chat.bsky."):
            return self._chat(name, query)
        if name == "app.bsky.notification.listNotifications":
            return self._json(200, BSKY_NOTIFICATIONS)
        if name == "app.bsky.actor.getProfile":
            return self._json(
                200,
                {
                    "did": "did:plc:troll",
                    "handle": query.get("actor", "troll.bsky.social"),
                    "displayName": "Not A Troll",
                    "description": "Just asking questions",
                    "avatar": "https://cdn.bsky.app/img/avatar/plain/did:plc:troll/x@jpeg",
                    "createdAt": "2026-10-30T12:00:00.000Z",
                    "followersCount": 2,
                },
            )
        if name == "app.bsky.graph.muteActor":
            rec.actions.append(("mute", json.loads(body)["actor"]))
            return self._json(200, {})
        if name == "com.atproto.moderation.createReport":
            data = json.loads(body)
            rec.actions.append(("report", data))
            return self._json(
                200,
                {
                    "id": 1,
                    "reasonType": data["reasonType"],
                    "reason": data.get("reason"),
                    "subject": data["subject"],
                    "reportedBy": BLUESKY_DID,
                    "createdAt": _now(),
                },
            )
        return self._json(501, {"error": "MethodNotImplemented", "message": name})

    def _chat(self, name: str, query: dict[str, str]) -> None:
        rec = self.server.recorder
        if self.headers.get("atproto-proxy") != CHAT_PROXY:
            return self._json(501, {"error": "MethodNotImplemented", "message": name})
        no_dms = self.headers.get("Authorization") == f"Bearer {ACCESS_JWT_NO_DMS}"
        if no_dms or not rec.chat_allowed:
            return self._json(400, {"error": "InvalidToken", "message": "Bad token scope"})
        if rec.chat_failing:
            return self._json(502, {"error": "UpstreamFailure", "message": "Upstream Failure"})
        if name == "chat.bsky.convo.getLog":
            cursor = query.get("cursor")
            if cursor is None:
                return self._json(200, {"logs": [], "cursor": rec.chat_log[-1]["rev"]})
            after = [
                e
                for e in rec.chat_log
                if e.get("rev", "") > cursor
                or (rec.chat_cursor_inclusive and e.get("rev") == cursor)
            ]
            page = after[: rec.chat_page_size]
            rec.chat_pages_served.append([e["rev"] for e in page])
            return self._json(200, {"logs": page, "cursor": page[-1]["rev"] if page else cursor})
        if name == "chat.bsky.convo.getConvo":
            members = CONVOS[query["convoId"]]
            convo = {
                "id": query["convoId"],
                "rev": rec.chat_log[-1]["rev"],
                "members": members,
                "muted": False,
                "unreadCount": 1,
            }
            return self._json(200, {"convo": convo})
        return self._json(501, {"error": "MethodNotImplemented", "message": name})

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")


class _Server(http.server.ThreadingHTTPServer):
    recorder: Recorder


@dataclass
class FakeSocial:
    url: str
    recorder: Recorder


@contextmanager
def fake_social() -> Iterator[FakeSocial]:
    """Start the server on a free port of 127.0.0.1; yields its base URL and recorder."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.recorder = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield FakeSocial(f"http://127.0.0.1:{server.server_address[1]}", server.recorder)
    finally:
        server.shutdown()
        server.server_close()
