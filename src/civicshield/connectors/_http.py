"""A small JSON-over-HTTPS client with an OAuth bearer token (standard library only).

The cloud connectors need authenticated GET, POST and PATCH of JSON, and one raw download (an
email's MIME source), so urllib is enough and adds no dependency. HTTP failures become the
shared ConnectorError types, carrying the HTTP ``status``: 401/403 mean the office must
reconnect the account (not retryable); 429 and 5xx mean "try again later" (with the server's
``Retry-After`` when it sent one); anything else is ``HttpFailed``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
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


class AccessRefused(AuthenticationFailed):
    """HTTP 401 (the token ran out or was revoked) or 403 (the sign-in lacks a permission)."""

    def __init__(self, message: str, *, status: int, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        """The service's own error message (Exchange names a missing role there)."""


class ServiceBusy(ConnectorError):
    """HTTP 429 (too many requests) or 5xx. Retryable; ``retry_after`` is the server's wish in
    seconds (Graph and Gmail send ``Retry-After`` when they throttle), or None."""

    retryable = True

    def __init__(self, message: str, *, status: int, retry_after: float | None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class HttpFailed(ProtocolFailed):
    """Any other HTTP error (404 not found, 410 gone...), with its ``status``."""

    def __init__(self, message: str, *, status: int, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


def _retry_after(value: str | None) -> float | None:
    # Graph and Gmail send seconds; an HTTP date (also allowed by RFC 9110) is left to the
    # job system's own back-off.
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _error_text(body: bytes) -> str:
    try:
        document = json.loads(body)
    except ValueError:
        return body[:200].decode("utf-8", "replace")
    error = document.get("error") if isinstance(document, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or error.get("code") or error)
    return str(error or document)[:200]


def request_bytes(
    url: str,
    token: str,
    *,
    service: str,
    timeout: float,
    method: str = "GET",
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    accept: str = "application/json",
) -> bytes:
    """Send one request with ``Authorization: Bearer token``; the response body as bytes."""
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        # Plain HTTP is for the loopback test server only: a token must never cross a network
        # in the clear.
        raise ProtocolFailed(PROTOCOL_FAILED.format(host=url, reason="only https URLs are used"))
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        url,
        data=data,
        method=method,
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": accept,
            **({"Content-Type": "application/json"} if body is not None else {}),
            **(headers or {}),
        },
    )
    host = urllib.parse.urlparse(url).hostname or url
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            payload: bytes = response.read()
    except urllib.error.HTTPError as exc:
        reason = _error_text(exc.read())
        if exc.code in (401, 403):
            raise AccessRefused(
                ACCESS_REFUSED.format(service=service, reason=reason),
                status=exc.code,
                reason=reason,
            ) from exc
        if exc.code == 429 or exc.code >= 500:
            raise ServiceBusy(
                SERVICE_BUSY.format(service=service, status=exc.code),
                status=exc.code,
                retry_after=_retry_after(exc.headers.get("Retry-After")),
            ) from exc
        raise HttpFailed(
            PROTOCOL_FAILED.format(host=host, reason=f"HTTP {exc.code}: {reason}"),
            status=exc.code,
            reason=reason,
        ) from exc
    except urllib.error.URLError as exc:
        raise ServerUnreachable(
            UNREACHABLE.format(
                host=host, port=urllib.parse.urlparse(url).port or 443, reason=exc.reason
            )
        ) from exc
    except OSError as exc:
        raise ServerUnreachable(UNREACHABLE.format(host=host, port=443, reason=exc)) from exc
    return payload


def _json_object(payload: bytes, url: str) -> dict[str, Any]:
    host = urllib.parse.urlparse(url).hostname or url
    if not payload:
        return {}  # 204 No Content (a PATCH or a move may answer so)
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


def request_json(
    url: str,
    token: str,
    *,
    service: str,
    timeout: float,
    body: dict[str, Any] | None = None,
    method: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """GET (or POST ``body`` to) ``url`` with ``Authorization: Bearer token``; the JSON object."""
    payload = request_bytes(
        url,
        token,
        service=service,
        timeout=timeout,
        method=method or ("POST" if body is not None else "GET"),
        body=body,
        headers=headers,
    )
    return _json_object(payload, url)


class BearerSession:
    """Requests with one access token, renewed once if the service says it ran out.

    ``refresh`` (from the web app: refresh the OAuth token and save it) is called on the first
    HTTP 401 only; a second 401 with the new token is the office's to fix (reconnect), and
    asking again would loop. The token is never put into an error message.
    """

    def __init__(
        self,
        token: str,
        *,
        service: str,
        timeout: float = 30.0,
        refresh: Callable[[], str] | None = None,
    ) -> None:
        self._token = token
        self.service = service
        self.timeout = timeout
        self._refresh = refresh

    def request(
        self,
        url: str,
        *,
        method: str = "GET",
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        accept: str = "application/json",
    ) -> bytes:
        def send() -> bytes:
            return request_bytes(
                url,
                self._token,
                service=self.service,
                timeout=self.timeout,
                method=method,
                body=body,
                headers=headers,
                accept=accept,
            )

        try:
            return send()
        except AccessRefused as exc:
            if exc.status != 401 or self._refresh is None:
                raise
            refresh, self._refresh = self._refresh, None
            self._token = refresh()
        return send()

    def json(
        self,
        url: str,
        *,
        method: str = "GET",
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        return _json_object(self.request(url, method=method, body=body, headers=headers), url)
