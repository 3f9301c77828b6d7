"""File imports: our CSV/JSONL, X archive direct messages, Facebook/Instagram exports."""

from __future__ import annotations

import json

from civicshield.core.batch import ItemError
from civicshield.core.imports import (
    ERROR_BAD_DATE,
    ERROR_FACEBOOK,
    ERROR_NO_TEXT,
    ERROR_NOT_JSON,
    ERROR_X_ARCHIVE,
    IncomingMessage,
    read_facebook,
    read_table,
    read_x_archive,
)


def test_csv_rows_become_messages_and_bad_rows_errors():
    data = b"id,author,text,posted_at\n1,@a,hello,2026-11-01T10:00:00Z\n2,@b,,\n3,@c,hi,yesterday\n"
    items = list(read_table(data, default_platform="facebook"))
    assert isinstance(items[0], IncomingMessage)
    assert (
        items[0].platform == "facebook"
        and items[0].posted_at.isoformat() == "2026-11-01T10:00:00+00:00"
    )
    assert items[1] == ItemError("2", ERROR_NO_TEXT)
    assert items[2] == ItemError("3", ERROR_BAD_DATE)


def test_rows_without_ids_get_stable_ids():
    data = b"author,text\n@a,same words\n"
    first = next(read_table(data))
    second = next(read_table(data))
    assert first.platform_id == second.platform_id and first.platform_id.startswith("h:")


def test_jsonl_with_a_broken_line():
    data = b'{"id": "x", "author": "@a", "text": "fine"}\nnot json\n'
    items = list(read_table(data))
    assert items[0].platform_id == "x"
    assert items[1] == ItemError(2, ERROR_NOT_JSON)


def test_x_archive_direct_messages_skip_the_offices_own():
    conversations = [
        {
            "dmConversation": {
                "conversationId": "111-999",
                "messages": [
                    {
                        "messageCreate": {
                            "id": "m1",
                            "senderId": "111",
                            "recipientId": "999",
                            "text": "you will pay",
                            "createdAt": "2025-01-02T03:04:05.000Z",
                        }
                    },
                    {
                        "messageCreate": {
                            "id": "m2",
                            "senderId": "999",
                            "recipientId": "111",
                            "text": "please stop",
                            "createdAt": "2025-01-02T03:05:05.000Z",
                        }
                    },
                ],
            }
        },
        {
            "dmConversation": {
                "conversationId": "222-999",
                "messages": [
                    {
                        "messageCreate": {
                            "id": "m3",
                            "senderId": "222",
                            "recipientId": "999",
                            "text": "hello",
                            "createdAt": "2025-01-03T00:00:00.000Z",
                        }
                    },
                ],
            }
        },
    ]
    data = ("window.YTD.direct_messages.part0 = " + json.dumps(conversations)).encode()
    items = list(read_x_archive(data))
    assert [i.platform_id for i in items] == ["dm:m1", "dm:m3"]
    assert items[0].author_handle == "x:111" and items[0].is_direct


def test_x_archive_rejects_other_files():
    assert list(read_x_archive(b"just text")) == [ItemError(0, ERROR_X_ARCHIVE)]


def test_facebook_messages_fix_the_export_encoding():
    doc = {
        "participants": [{"name": "Office"}, {"name": "Zoë"}],
        "messages": [
            {"sender_name": "ZoÃ«", "timestamp_ms": 1730000000000, "content": "cafÃ© threat"},
            {"sender_name": "Office", "timestamp_ms": 1730000001000, "content": "reply"},
        ],
    }
    items = list(read_facebook(json.dumps(doc).encode(), own_name="Office"))
    assert len(items) == 1
    assert items[0].author_handle == "Zoë" and items[0].text == "café threat"


def test_facebook_comments():
    doc = {
        "comments_v2": [
            {
                "timestamp": 1,
                "title": "x",
                "data": [
                    {"comment": {"timestamp": 1730000000, "comment": "nasty", "author": "Troll"}}
                ],
            }
        ]
    }
    items = list(read_facebook(json.dumps(doc).encode()))
    assert items[0].text == "nasty" and items[0].author_handle == "Troll"


def test_facebook_rejects_garbage():
    assert list(read_facebook(b"\xff\xfe")) == [ItemError(0, ERROR_FACEBOOK)]


def test_a_csv_with_old_mac_line_endings_is_read_row_by_row():
    # Found by hypothesis: a bare carriage return used to crash the whole import.
    items = list(read_table(b"text,author\rhello,bob\rhi there,ann\r"))
    assert [(i.text, i.author_handle) for i in items] == [("hello", "bob"), ("hi there", "ann")]
