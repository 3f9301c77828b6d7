"""Replay recorded JSON responses from a local HTTP server on 127.0.0.1.

For cloud APIs that cannot run here (Microsoft Graph, Exchange Online, Gmail). Routes map a
method and path (query string included when given) to a status and a fixture file; ``{base}`` in
a fixture is replaced by the server's own URL, so recorded ``@odata.nextLink`` pages come back
here. Every request is kept so tests can assert what was sent (the bearer token, the body).
A fixture that is not ``.json`` (an email's MIME source) is sent as it is. ``route_sequence``
answers one request after another differently (a 429 then the page, a 401 then success); its
last answer repeats.
"""

from __future__ import annotations

import contextlib
import json
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@dataclass
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Answer:
    status: int
    fixture: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ReplayServer:
    base_url: str = ""
    routes: dict[tuple[str, str], list[Answer]] = field(default_factory=dict)
    """(method, path) -> answers in turn (HTTP status, fixture relative to tests/fixtures)."""
    requests: list[SeenRequest] = field(default_factory=list)

    def route(
        self,
        method: str,
        path: str,
        fixture: str,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.routes[(method, path)] = [Answer(status, fixture, headers or {})]

    def route_sequence(self, method: str, path: str, answers: list[Answer]) -> None:
        self.routes[(method, path)] = list(answers)

    def answer_for(self, method: str, path: str) -> Answer | None:
        answers = self.routes.get((method, path)) or self.routes.get((method, path.split("?")[0]))
        if not answers:
            return None
        return answers.pop(0) if len(answers) > 1 else answers[0]

    def seen(self, method: str, path_start: str) -> list[SeenRequest]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_start)]


def _handler(replay: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path = urllib.parse.unquote(self.path)
            replay.requests.append(SeenRequest(self.command, path, dict(self.headers), body))
            found = replay.answer_for(self.command, path)
            content_type = "application/json"
            headers: dict[str, str] = {}
            if found is None:
                status = 404
                payload = json.dumps({"error": {"code": "NotFound", "message": path}}).encode()
            elif found.fixture.endswith(".json"):
                status, headers = found.status, found.headers
                text = (FIXTURES / found.fixture).read_text()
                payload = text.replace("{base}", replay.base_url).encode()
            else:
                status, headers = found.status, found.headers
                payload = (FIXTURES / found.fixture).read_bytes()
                content_type = "text/plain"
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = _answer
        do_POST = _answer
        do_PATCH = _answer

        def log_message(self, format: str, *args: object) -> None:  # keep test output clean
            pass

    return Handler


@contextlib.contextmanager
def replay_server() -> Iterator[ReplayServer]:
    """``with replay_server() as server: server.route("GET", "/path", "graph/x.json")``."""
    replay = ReplayServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(replay))
    replay.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield replay
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
