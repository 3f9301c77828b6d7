"""Replay recorded JSON responses from a local HTTP server on 127.0.0.1.

For cloud APIs that cannot run here (Microsoft Graph, Exchange Online, Gmail). Routes map a
method and path (query string included when given) to a status and a fixture file; ``{base}`` in
a fixture is replaced by the server's own URL, so recorded ``@odata.nextLink`` pages come back
here. Every request is kept so tests can assert what was sent (the bearer token, the body).
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


@dataclass
class ReplayServer:
    base_url: str = ""
    routes: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    """(method, path) -> (HTTP status, fixture path relative to tests/fixtures)."""
    requests: list[SeenRequest] = field(default_factory=list)

    def route(self, method: str, path: str, fixture: str, status: int = 200) -> None:
        self.routes[(method, path)] = (status, fixture)


def _handler(replay: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path = urllib.parse.unquote(self.path)
            replay.requests.append(SeenRequest(self.command, path, dict(self.headers), body))
            found = replay.routes.get((self.command, path)) or replay.routes.get(
                (self.command, path.split("?", 1)[0])
            )
            if found is None:
                status, text = 404, json.dumps({"error": {"code": "NotFound", "message": path}})
            else:
                status, fixture = found
                text = (FIXTURES / fixture).read_text().replace("{base}", replay.base_url)
            payload = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = _answer
        do_POST = _answer

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
