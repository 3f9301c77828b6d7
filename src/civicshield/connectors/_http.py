"""A small JSON-over-HTTPS reader with an OAuth bearer token (standard library only).

The cloud connectors need only authenticated GETs (and one POST) of JSON, so urllib is enough
and adds no dependency. HTTP failures become the shared ConnectorError types: 401/403 mean the
office must reconnect the account (not retryable); 429 and 5xx mean "try again later".
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from civicshield.connectors.base import (
    PROTOCOL_FAILED,
    UNREACHABLE,
    AuthenticationFailed,
    ConnectorError,
    ProtocolFailed,
    ServerUnreachable,
)

ACCESS_REFUSED = (
    "{service} refused access ({reason}). Reconnect the account in CivicShield's settings; "
    "the sign-in may have expired or lack permission to read mail settings."
)
SERVICE_BUSY = "{service} is busy or having problems (HTTP {status}); the check will try again."


def _error_text(body: bytes) -> str:
    try:
        document = json.loads(body)
    except ValueError:
        return body[:200].decode("utf-8", "replace")
    error = document.get("error") if isinstance(document, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or error.get("code") or error)
    return str(error or document)[:200]


def request_json(
    url: str,
    token: str,
    *,
    service: str,
    timeout: float,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """GET (or POST ``body`` to) ``url`` with ``Authorization: Bearer token``; the JSON object."""
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        # Plain HTTP is for the loopback test server only: a token must never cross a network
        # in the clear.
        raise ProtocolFailed(PROTOCOL_FAILED.format(host=url, reason="only https URLs are used"))
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        url,
        data=data,
        method="POST" if body is not None else "GET",
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            **({"Content-Type": "application/json"} if body is not None else {}),
        },
    )
    host = urllib.parse.urlparse(url).hostname or url
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            payload = response.read()
    except urllib.error.HTTPError as exc:
        reason = _error_text(exc.read())
        if exc.code in (401, 403):
            raise AuthenticationFailed(
                ACCESS_REFUSED.format(service=service, reason=reason)
            ) from exc
        if exc.code == 429 or exc.code >= 500:
            raise ConnectorError(
                SERVICE_BUSY.format(service=service, status=exc.code), retryable=True
            ) from exc
        raise ProtocolFailed(
            PROTOCOL_FAILED.format(host=host, reason=f"HTTP {exc.code}: {reason}")
        ) from exc
    except urllib.error.URLError as exc:
        raise ServerUnreachable(
            UNREACHABLE.format(
                host=host, port=urllib.parse.urlparse(url).port or 443, reason=exc.reason
            )
        ) from exc
    except OSError as exc:
        raise ServerUnreachable(UNREACHABLE.format(host=host, port=443, reason=exc)) from exc
    try:
        document = json.loads(payload)
    except ValueError as exc:
        raise ProtocolFailed(
            PROTOCOL_FAILED.format(host=host, reason="the reply was not JSON")
        ) from exc
    if not isinstance(document, dict):
        raise ProtocolFailed(
            PROTOCOL_FAILED.format(host=host, reason="the reply was not an object")
        )
    return document
