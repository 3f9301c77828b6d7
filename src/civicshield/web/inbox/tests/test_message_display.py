"""What staff read about a message: plain-word labels, and links from outside only when they are web links."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from civicshield.web.inbox.models import Message
from civicshield.web.inbox.templatetags.inbox_tags import http_url, label_words
from civicshield.web.testing import make_message, signed_in_client

pytestmark = pytest.mark.django_db

SCAM = "Claim your FREE crypto now!!! click here to win"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        " JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/x",
        "https:///no-host",
    ],
)
def test_it_refuses_links_that_are_not_web_addresses(url):
    assert http_url(url) == ""


def test_it_keeps_web_addresses():
    assert http_url("https://social.example/@pest/1") == "https://social.example/@pest/1"
    assert http_url("http://social.example/1") == "http://social.example/1"


def test_the_message_page_never_links_a_script_address(cast):
    # A remote Mastodon server (or an imported file) chooses a post's "url" field.
    message = make_message(cast.office_a, "I know where you live", author="@pest")
    Message.objects.filter(pk=message.pk).update(url="javascript:alert(document.cookie)")
    html = (
        signed_in_client(cast.caseworker.user)
        .get(reverse("inbox:message", args=[message.pk]))
        .content.decode()
    )
    assert "javascript:" not in html
    assert "open on the platform" not in html


def test_the_message_page_links_an_ordinary_address(cast):
    message = make_message(cast.office_a, "I know where you live", author="@pest")
    Message.objects.filter(pk=message.pk).update(url="https://social.example/@pest/1")
    html = (
        signed_in_client(cast.caseworker.user)
        .get(reverse("inbox:message", args=[message.pk]))
        .content.decode()
    )
    assert 'href="https://social.example/@pest/1"' in html


def test_labels_are_shown_in_words_not_codes(cast):
    message = make_message(cast.office_a, SCAM, author="@bot")
    assert "spam_scam" in message.labels
    client = signed_in_client(cast.caseworker.user)
    for url in (
        reverse("inbox:queue"),
        reverse("inbox:message", args=[message.pk]),
        reverse("dashboard"),
    ):
        # Form values may carry the code; what is shown on the page may not.
        html = re.sub(r'value="[^"]*"', "", client.get(url).content.decode())
        assert "spam_scam" not in html and "spam scam" not in html, url
        assert "Spam or scam" in html, url


def test_label_words_joins_in_plain_words():
    assert label_words(["threat", "doxxing"]) == "Threat, Personal details"
    assert label_words([]) == ""
    assert label_words(None) == ""


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["I know where you live. Watch your back."], "1 critical message needs attention"),
        (
            ["I know where you live. Watch your back.", "I know where you live, I will kill you"],
            "2 critical messages need attention",
        ),
    ],
)
def test_the_dashboard_counts_critical_messages_in_plain_english(cast, texts, expected):
    for i, text in enumerate(texts):
        make_message(cast.office_a, text, author=f"@t{i}")
    html = signed_in_client(cast.caseworker.user).get(reverse("dashboard")).content.decode()
    assert expected in html
    assert "item(s)" not in html


def test_the_bulk_action_controls_have_visible_labels(cast):
    make_message(cast.office_a, "I know where you live", author="@pest")
    html = signed_in_client(cast.caseworker.user).get(reverse("inbox:queue")).content.decode()
    assert '<label for="bulk-action">With the ticked messages</label>' in html
    assert '<label for="bulk-assignee">Assign to (only for "Assign to…")</label>' in html
    assert "(for assigning)" not in html
