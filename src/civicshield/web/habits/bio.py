"""Check-in hours in words, and a bio line for each platform within its length limit.

Plain Python (no Django), so it can be tested and reused on its own. Limits are the
platforms' own: X 160 characters; Mastodon 500 (its account model validates the note at
500); Bluesky 256 graphemes (the app.bsky.actor.profile lexicon); Instagram 150;
Facebook's profile intro 101.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence

BIO_LIMITS: dict[str, int] = {
    "x": 160,
    "mastodon": 500,
    "bluesky": 256,
    "instagram": 150,
    "facebook": 101,
}
PLATFORM_NAMES: dict[str, str] = {
    "x": "X",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "instagram": "Instagram",
    "facebook": "Facebook (intro)",
}
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ERROR_NO_DAYS = "Choose at least one day."
ERROR_END_BEFORE_START = "The end of the check-in hours must be after the start."


def visible_length(text: str) -> int:
    """Characters as a reader sees them: combining marks do not count on their own."""
    return sum(1 for ch in text if not unicodedata.combining(ch))


def format_time(value: dt.time) -> str:
    """UK style: 9am, 5.30pm, 12pm."""
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    minutes = f".{value.minute:02d}" if value.minute else ""
    return f"{hour}{minutes}{suffix}"


def format_days(days: Sequence[int]) -> str:
    """Mon–Fri, every day, Sat–Sun, or a list for scattered days."""
    chosen = sorted(set(days))
    if not chosen:
        return ""
    if chosen == list(range(7)):
        return "every day"
    runs: list[list[int]] = []
    for day in chosen:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_NAMES[run[0]]}–{DAY_NAMES[run[-1]]}")
        else:
            parts.extend(DAY_NAMES[d] for d in run)
    return ", ".join(parts)


def hours_text(start: dt.time, end: dt.time, days: Sequence[int]) -> str:
    return f"{format_days(days)} {format_time(start)}–{format_time(end)}"


def bio_line(
    *, start: dt.time, end: dt.time, days: Sequence[int], contact: str = "", limit: int
) -> str:
    """The fullest wording of the office's check-in hours that fits in ``limit`` characters.

    Tries a full sentence first, then shorter ones; the shortest always names the hours.
    Returns "" only when even that does not fit (a limit under about 25 characters).
    """
    hours = hours_text(start, end, days)
    contact = contact.strip()
    candidates = []
    if contact:
        candidates += [
            f"Messages are read {hours}. Casework and support requests: {contact}. "
            "Not monitored outside these hours; in an emergency call 999.",
            f"Messages read {hours}. Casework: {contact}. Not monitored at other times.",
            f"Read {hours}. Casework: {contact}.",
        ]
    candidates += [
        f"Messages are read {hours}. Not monitored outside these hours; in an emergency call 999.",
        f"Messages read {hours}. Not monitored at other times.",
        f"Read {hours}.",
    ]
    for text in candidates:
        if visible_length(text) <= limit:
            return text
    return ""


def bio_lines(
    *, start: dt.time, end: dt.time, days: Sequence[int], contact: str = ""
) -> dict[str, str]:
    """A bio line for every platform in ``BIO_LIMITS``."""
    return {
        platform: bio_line(start=start, end=end, days=days, contact=contact, limit=limit)
        for platform, limit in BIO_LIMITS.items()
    }


def out_of_hours_notice(*, start: dt.time, end: dt.time, days: Sequence[int], office: str) -> str:
    return (
        f"{office} is not reading messages now. We read them {hours_text(start, end, days)}. "
        "If someone is in immediate danger, call 999; for other police matters, call 101."
    )
