from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from civicshield.web.inbox.api import ERROR_TOKEN
from civicshield.web.inbox.models import Message
from civicshield.web.inbox.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


def _push(token: str, body: object) -> Any:
    return Client().post(
        reverse("api:api_push_messages"),
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_it_pushes_messages_into_the_tokens_office(cast):
    _, token = api_token_create(member=cast.manager, name="helpdesk")
    response = _push(
        token,
        {
            "messages": [
                {"id": "a1", "author": "@x", "text": "I know where you live"},
                {"id": "a2", "author": "@x"},
            ]
        },
    )
    assert response.status_code == 200
    data = response.json()
    assert data["added"] == 1 and data["critical"] == 1
    assert data["errors"] == [{"id": "a2", "error": "missing 'text'"}]
    assert Message.objects.get().office == cast.office_a
    assert (
        _push(token, {"messages": [{"id": "a1", "author": "@x", "text": "again"}]}).json()[
            "duplicates"
        ]
        == 1
    )


def test_it_refuses_missing_wrong_and_revoked_tokens(cast):
    row, token = api_token_create(member=cast.manager, name="helpdesk")
    assert _push("cs_wrong", {"messages": []}).status_code == 401
    assert (
        Client()
        .post(reverse("api:api_push_messages"), data="{}", content_type="application/json")
        .json()["error"]
        == ERROR_TOKEN
    )
    api_token_revoke(member=cast.manager, token=row)
    assert _push(token, {"messages": []}).status_code == 401


def test_it_refuses_malformed_bodies(cast):
    _, token = api_token_create(member=cast.manager, name="t")
    assert _push(token, ["not", "an", "object"]).status_code == 400
    assert (
        _push(
            token, {"messages": [{"id": str(n), "author": "a", "text": "b"} for n in range(1001)]}
        ).status_code
        == 400
    )


def test_only_the_token_hash_is_stored(cast):
    row, token = api_token_create(member=cast.manager, name="t")
    assert token not in (row.token_hash, row.prefix) and row.token_hash != token


def test_the_openapi_document_describes_the_endpoint():
    doc = Client().get(reverse("api:api_openapi")).json()
    assert "/api/v1/messages" in doc["paths"]
