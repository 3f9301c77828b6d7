"""A small JSON API for other tools to push messages in (token per office; OpenAPI document)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from civicshield.core.batch import ItemError
from civicshield.core.imports import IncomingMessage, parse_datetime
from civicshield.web.audit import services as audit
from civicshield.web.inbox import services

MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_MESSAGES = 1000
ERROR_TOKEN = "Send a valid API token: 'Authorization: Bearer cs_...'."  # noqa: S105 - a message
ERROR_JSON = 'The body must be JSON: {"messages": [{"id", "author", "text", ...}]}.'
ERROR_TOO_MANY = f"Send at most {MAX_MESSAGES} messages per request."
ERROR_TOO_BIG = f"The request body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB."

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "CivicShield inbox API", "version": "1"},
    "components": {
        "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Message": {
                "type": "object",
                "required": ["id", "author", "text"],
                "properties": {
                    "id": {
                        "type": "string",
                        "description": "The platform's id (makes pushes idempotent)",
                    },
                    "platform": {"type": "string", "default": "other"},
                    "author": {"type": "string", "description": "The sender's handle or address"},
                    "display_name": {"type": "string"},
                    "text": {"type": "string", "maxLength": 100000},
                    "url": {"type": "string"},
                    "posted_at": {"type": "string", "format": "date-time"},
                    "is_direct": {"type": "boolean"},
                },
            },
            "Result": {
                "type": "object",
                "properties": {
                    "added": {"type": "integer"},
                    "duplicates": {"type": "integer"},
                    "critical": {"type": "integer"},
                    "errors": {"type": "array", "items": {"type": "object"}},
                },
            },
        },
    },
    "paths": {
        "/api/v1/messages": {
            "post": {
                "summary": "Push messages into the office's abuse inbox",
                "security": [{"token": []}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["messages"],
                                "properties": {
                                    "messages": {
                                        "type": "array",
                                        "maxItems": MAX_MESSAGES,
                                        "items": {"$ref": "#/components/schemas/Message"},
                                    }
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "Stored",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Result"}}
                        },
                    },
                    "400": {"description": "Malformed request"},
                    "401": {"description": "Missing or wrong token"},
                    "413": {"description": "Body too large"},
                },
            }
        }
    },
}


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _to_incoming(number: int, row: Any) -> IncomingMessage | ItemError:
    if not isinstance(row, dict):
        return ItemError(number, "each message must be an object")
    ident = str(row.get("id") or "").strip()
    text, author = row.get("text"), str(row.get("author") or "").strip()
    if not ident:
        return ItemError(number, "missing 'id'")
    if not isinstance(text, str) or not text.strip():
        return ItemError(ident, "missing 'text'")
    if len(text) > 100_000:
        return ItemError(ident, "'text' is longer than 100,000 characters")
    if not author:
        return ItemError(ident, "missing 'author'")
    try:
        posted = parse_datetime(row.get("posted_at"))
    except (ValueError, OverflowError, OSError):
        return ItemError(ident, "'posted_at' is not an ISO 8601 date-time")
    return IncomingMessage(
        platform=str(row.get("platform") or "other")[:20].lower(),
        platform_id=ident[:300],
        author_handle=author[:300],
        author_name=str(row.get("display_name") or "")[:300],
        text=text,
        url=str(row.get("url") or "")[:1000],
        posted_at=posted,
        is_direct=bool(row.get("is_direct")),
    )


@csrf_exempt  # token-authenticated machine API: no cookies, so no CSRF exposure
@require_POST
def push_messages(request: HttpRequest) -> JsonResponse:
    header = request.headers.get("Authorization", "")
    token = (
        services.api_token_authenticate(header[7:].strip())
        if header.startswith("Bearer ")
        else None
    )
    if token is None:
        return _error(ERROR_TOKEN, 401)
    if len(request.body) > MAX_BODY_BYTES:
        return _error(ERROR_TOO_BIG, 413)
    try:
        body = json.loads(request.body)
    except ValueError:
        return _error(ERROR_JSON, 400)
    rows = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(rows, list):
        return _error(ERROR_JSON, 400)
    if len(rows) > MAX_MESSAGES:
        return _error(ERROR_TOO_MANY, 400)
    items = [_to_incoming(n, row) for n, row in enumerate(rows, start=1)]
    report = services.messages_ingest(office=token.office, items=items)
    audit.record(
        action="inbox.api.pushed",
        office=token.office,
        actor_label=f"API token {token.prefix}",
        target=token,
        details={
            "added": report.added,
            "duplicates": report.duplicates,
            "errors": len(report.errors),
        },
    )
    return JsonResponse(
        {
            "added": report.added,
            "duplicates": report.duplicates,
            "critical": len(report.critical),
            "errors": report.errors,
        }
    )


@require_GET
def openapi(request: HttpRequest) -> JsonResponse:
    return JsonResponse(OPENAPI)
