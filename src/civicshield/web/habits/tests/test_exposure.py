from __future__ import annotations

import json

import pytest

from civicshield.web.habits import exposure


def test_it_reads_the_x_archive_and_builds_delete_links():
    archive = "window.YTD.tweets.part0 = " + json.dumps(
        [{"tweet": {"id_str": "123", "full_text": "Out canvassing on Acacia Avenue, SW1A 1AA"}}]
    )
    report = exposure.exposure_audit(archive.encode(), "tweets.js")
    assert report.posts_read == 1
    assert report.exposed[0].post.url == "https://x.com/i/web/status/123"
    kinds = {kind for kind, _, _ in report.exposed[0].excerpts()}
    assert "postcode" in kinds


def test_it_reads_a_mastodon_outbox_and_skips_boosts():
    outbox = {
        "orderedItems": [
            {
                "object": {
                    "id": "https://m.example/1",
                    "url": "https://m.example/@mp/1",
                    "content": "<p>Email me: jane@example.org</p>",
                }
            },
            {"object": "https://other.example/boosted"},
        ]
    }
    report = exposure.exposure_audit(json.dumps(outbox).encode(), "outbox.json")
    assert report.posts_read == 1
    assert report.exposed[0].post.text == "Email me: jane@example.org"


def test_a_bad_line_is_reported_and_the_rest_go_on():
    data = b'{"text": "fine"}\nnot json\n{"text": "Ring 07700 900123"}\n'
    report = exposure.exposure_audit(data, "posts.jsonl")
    assert report.posts_read == 2
    assert len(report.exposed) == 1
    assert report.errors == ("line 2: " + exposure.ERROR_POST,)


def test_csv_needs_a_text_column_and_only_web_links_are_kept():
    with pytest.raises(ValueError, match="could not be read"):
        exposure.read_posts(b"body\nhello\n")
    posts, _ = exposure.read_posts(b"text,url\nhello,javascript:alert(1)\n")
    assert posts[0].url == ""


def test_an_outbox_address_that_is_not_a_web_link_is_dropped():
    # The page turns the address into "Open the post to delete it"; only web links may be links.
    outbox = {
        "orderedItems": [
            {
                "object": {
                    "id": "javascript:alert(1)",
                    "content": "<p>Ring me on 07700 900123</p>",
                }
            }
        ]
    }
    report = exposure.exposure_audit(json.dumps(outbox).encode(), "outbox.json")
    assert report.exposed[0].post.url == ""
