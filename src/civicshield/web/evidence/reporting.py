"""What to paste into each platform's report form, and where that form is.

Platforms cannot join repeated replies from one account into one report (saferpolitics.org
toolkit), so the text lists every post of the case with its link and time: staff paste it
into the report, or into each of several reports where the form takes one post at a time.

Integration point for the Mastodon and Bluesky connectors (branch ``publishing``): a connector
that blocks, mutes or reports through the platform's API records the result with
``services.platform_report_add(..., via=PlatformReport.Via.API, reference=<the API's report id>)``
and can use ``report_text(case, platform)`` as the report's comment.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

from civicshield.web.inbox.models import Author, Message, Platform


@dataclass(frozen=True)
class ReportRoute:
    """Where and how to report on one platform."""

    platform: str
    name: str
    how: str
    """Plain-words steps."""
    link: str = ""
    """The platform's own help page; empty where we know of none to trust."""
    link_label: str = "Help page on reporting"
    api: bool = False
    """CivicShield can report, block and mute through the platform's API (connectors)."""


# Links kept to the platforms' own help pages; check them before relying on them in training.
ROUTES: dict[str, ReportRoute] = {
    Platform.MASTODON: ReportRoute(
        Platform.MASTODON,
        "Mastodon",
        "Open the post, choose the three-dot menu, then Report. Reports go to the moderators of "
        "your server, and can be forwarded to the author's server. Tick every post from this "
        "account in the report form.",
        api=True,
    ),
    Platform.BLUESKY: ReportRoute(
        Platform.BLUESKY,
        "Bluesky",
        "Open the post, choose the three-dot menu, then Report post; for the account, open the "
        "profile, choose the three-dot menu, then Report account. Each post is a separate report.",
        link="https://bsky.social/about/support/community-guidelines",
        link_label="Bluesky's community guidelines (reports are made in the app)",
        api=True,
    ),
    Platform.X: ReportRoute(
        Platform.X,
        "X (Twitter)",
        "Open the post, choose the more icon, then Report. X may ask you to add more posts from "
        "the same account: add them. X gives no reference number, so take a screenshot of the "
        "confirmation screen.",
        link="https://help.twitter.com/en/safety-and-security/report-abusive-behavior",
    ),
    Platform.FACEBOOK: ReportRoute(
        Platform.FACEBOOK,
        "Facebook",
        "Open the comment or post, choose the three-dot menu, then Report. Your Page can also ban "
        "the person.",
    ),
    Platform.INSTAGRAM: ReportRoute(
        Platform.INSTAGRAM,
        "Instagram",
        "Press and hold the comment (or open the three-dot menu on the post), then Report.",
    ),
    Platform.EMAIL: ReportRoute(
        Platform.EMAIL,
        "Email",
        "Threats or harassment by email go to the police (101, or 999 in an emergency). "
        "Suspicious or phishing email can be forwarded to report@phishing.gov.uk.",
    ),
    Platform.OTHER: ReportRoute(
        Platform.OTHER, "Other", "Use the site's own report option on each item."
    ),
}

# From the UK guidance (research/guidance.md §1.4): where to go beyond the platform.
ELSEWHERE = [
    ("Immediate danger", "Call 999."),
    ("Threats or harassment (not an emergency)", "Call the police on 101."),
    (
        "The platform will not act on harmful content",
        "Report Harmful Content: https://reportharmfulcontent.com",
    ),
    (
        "Fraud or cyber crime (England, Wales, Northern Ireland)",
        "Report Fraud: https://www.reportfraud.police.uk or 0300 123 2040 (Scotland: 101).",
    ),
]


def route_for(platform: str) -> ReportRoute:
    return ROUTES.get(platform, ROUTES[Platform.OTHER])


def profile_url_for(author: Author) -> str:
    """The author's public profile page: the stored one, else built from the handle."""
    if author.profile_url:
        return author.profile_url
    handle = author.handle.strip().lstrip("@")
    if not handle or " " in handle or "/" in handle:
        return ""
    if author.platform == Platform.MASTODON and "@" in handle:
        user, _, server = handle.partition("@")
        return f"https://{server}/@{user}"
    if author.platform == Platform.BLUESKY and "." in handle:
        return f"https://bsky.app/profile/{handle}"
    if author.platform == Platform.X:
        return f"https://x.com/{handle}"
    if author.platform == Platform.INSTAGRAM:
        return f"https://www.instagram.com/{handle}/"
    return ""


def _when(moment: dt.datetime | None, tz: str) -> str:
    if moment is None:
        return "time not known"
    local = moment.astimezone(zoneinfo.ZoneInfo(tz))
    return local.strftime("%d %b %Y %H:%M %Z")


def report_text(
    *, author: Author, messages: Iterable[Message], platform: str, office_name: str, tz: str
) -> str:
    """Plain text for the platform's report form: what happened, each post with link and time."""
    items = sorted(
        (m for m in messages if m.platform == platform),
        key=lambda m: (m.posted_at or m.received_at, m.pk),
    )
    if not items:
        return ""
    first, last = items[0], items[-1]
    lines = [
        f"I am reporting repeated abusive posts from the account {author.handle} directed at "
        f"{office_name}.",
        f"This account sent {len(items)} abusive message(s) between "
        f"{_when(first.posted_at or first.received_at, tz)} and "
        f"{_when(last.posted_at or last.received_at, tz)}. Please review them together: "
        "they are one pattern of behaviour, not separate incidents.",
        "",
        "The posts:",
    ]
    for number, message in enumerate(items, start=1):
        where = message.url or f"{message.get_platform_display()} id {message.platform_id}"
        lines.append(f"{number}. {_when(message.posted_at or message.received_at, tz)}: {where}")
        excerpt = " ".join(message.text.split())
        lines.append(f'   "{excerpt[:280]}{"…" if len(excerpt) > 280 else ""}"')
    profile = profile_url_for(author)
    lines += [
        "",
        f"Account: {author.handle}" + (f" ({profile})" if profile else ""),
        "We have kept a copy of each post and of the account's profile page as evidence.",
    ]
    return "\n".join(lines)
