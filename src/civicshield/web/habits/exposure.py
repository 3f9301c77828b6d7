"""Exposure audit: read an account's own past posts and find what gives away personal details.

Plain Python (no Django). Reads X's data archive (``tweets.js``), a Mastodon export
(``outbox.json``), JSON lines or CSV with a ``text`` column (``id`` and ``url`` optional).
A post that cannot be read is reported and the rest go on.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from dataclasses import dataclass
from typing import Any

from civicshield.core.privacy import PrivacyFinding, scan_text

MAX_POSTS = 50_000
ERROR_UNREADABLE = "This file could not be read as posts: use X's tweets.js, a Mastodon outbox.json, JSON lines or CSV with a 'text' column."
ERROR_POST = "this post could not be read"
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Post:
    id: str
    """The platform's id, or the line number."""
    text: str
    url: str
    """Where to open (and delete) the post; "" when the import does not say."""


@dataclass(frozen=True)
class ExposedPost:
    post: Post
    findings: tuple[PrivacyFinding, ...]

    def excerpts(self) -> list[tuple[str, str, str]]:
        """(what was found, its text, the advice) for each finding."""
        return [(f.kind, self.post.text[f.span[0] : f.span[1]], f.detail) for f in self.findings]


@dataclass(frozen=True)
class ExposureReport:
    posts_read: int
    exposed: tuple[ExposedPost, ...]
    errors: tuple[str, ...]


def _x_archive(text: str) -> list[Post]:
    start = text.index("[")
    posts = []
    for entry in json.loads(text[start:]):
        tweet = entry.get("tweet", entry)
        tweet_id = str(tweet.get("id_str") or tweet.get("id") or "")
        posts.append(
            Post(
                id=tweet_id,
                text=str(tweet.get("full_text") or tweet.get("text") or ""),
                url=f"https://x.com/i/web/status/{tweet_id}" if tweet_id.isdigit() else "",
            )
        )
    return posts


def _plain(value: str) -> str:
    return html.unescape(_TAG.sub(" ", value.replace("<br>", "\n").replace("</p>", "\n"))).strip()


def _mastodon_outbox(data: dict[str, Any]) -> list[Post]:
    posts = []
    for item in data.get("orderedItems", []):
        obj = item.get("object") if isinstance(item, dict) else None
        if not isinstance(obj, dict) or "content" not in obj:
            continue  # boosts point at other people's posts
        url = _web_url(obj.get("url") or obj.get("id"))
        posts.append(Post(id=str(obj.get("id", "")), text=_plain(str(obj["content"])), url=url))
    return posts


def _row(index: int, row: dict[str, Any]) -> Post:
    text = row.get("text")
    if not isinstance(text, str):
        raise ValueError(ERROR_POST)
    return Post(id=str(row.get("id") or index), text=text, url=_web_url(row.get("url")))


def _web_url(value: Any) -> str:
    """An ordinary web address, or ``""``: the page links to it ("Open the post to delete it")."""
    url = str(value or "")
    return url if url.startswith(("https://", "http://")) else ""


def read_posts(data: bytes, filename: str = "") -> tuple[list[Post], list[str]]:
    """Posts and the errors of posts that could not be read. Raises ``ValueError`` for a bad file."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(ERROR_UNREADABLE) from exc
    stripped = text.lstrip()
    errors: list[str] = []
    try:
        if stripped.startswith("window.YTD") or filename.endswith(".js"):
            return _x_archive(text)[:MAX_POSTS], errors
        if stripped.startswith("{") and '"orderedItems"' in text[:5000]:
            return _mastodon_outbox(json.loads(text))[:MAX_POSTS], errors
    except (ValueError, AttributeError, TypeError) as exc:
        raise ValueError(ERROR_UNREADABLE) from exc
    posts: list[Post] = []
    if stripped.startswith("{"):
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if not isinstance(row, dict):
                    raise ValueError(ERROR_POST)
                posts.append(_row(number, row))
            except ValueError:
                errors.append(f"line {number}: {ERROR_POST}")
    else:
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "text" not in reader.fieldnames:
            raise ValueError(ERROR_UNREADABLE)
        for number, row in enumerate(reader, start=2):
            try:
                posts.append(_row(number, row))
            except ValueError:
                errors.append(f"row {number}: {ERROR_POST}")
    return posts[:MAX_POSTS], errors


def exposure_audit(data: bytes, filename: str = "") -> ExposureReport:
    posts, errors = read_posts(data, filename)
    exposed = []
    for post in posts:
        try:
            findings = scan_text(post.text)
        except Exception:  # noqa: BLE001 - one odd post must not stop the audit
            errors.append(f"post {post.id}: {ERROR_POST}")
            continue
        if findings:
            exposed.append(ExposedPost(post=post, findings=findings))
    return ExposureReport(posts_read=len(posts), exposed=tuple(exposed), errors=tuple(errors))
