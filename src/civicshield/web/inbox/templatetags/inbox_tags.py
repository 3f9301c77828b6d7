"""Template filters for showing messages from outside: plain-word labels and links that are safe to follow."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from django import template

from civicshield.core.abuse import LABEL_WORDS
from civicshield.web import wording

register = template.Library()


@register.filter
def how_sure(score: float) -> str:
    """``0.97`` -> ``97 out of 100`` (``civicshield.web.wording.how_sure``)."""
    return wording.how_sure(score)


@register.filter
def label_word(label: str) -> str:
    """``spam_scam`` -> ``Spam or scam``: staff read words, not the classifier's codes."""
    return LABEL_WORDS.get(label, label.replace("_", " ").capitalize())


@register.filter
def label_words(labels: Iterable[str] | None) -> str:
    """A message's labels as one line of plain words, or an empty string when it has none."""
    return ", ".join(label_word(label) for label in labels or ())


@register.filter
def http_url(url: str | None) -> str:
    """The address if it is an ordinary web link, else an empty string.

    Message, author and post addresses come from outside (a remote Mastodon server, an
    imported export, the API) and are stored as sent. A ``javascript:`` or ``data:`` address
    in an ``href`` would run when a member of staff clicks "open on the platform"; the
    Content-Security-Policy blocks that in current browsers, and this keeps it from ever
    being a link in the first place.
    """
    if not url:
        return ""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return url.strip()
