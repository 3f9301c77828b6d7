"""Impersonation check: new followers and connection requests that pose as the office.

Plain Python (no Django). Each account is compared with the office's own handles and the
names it protects (the representative, staff, known contacts). Reasons, in plain words:

* the handle looks like one of the office's handles (same letters once lookalike characters,
  dots, dashes and underscores are set aside, or one or two letters different);
* the display name is the same as a protected name while the handle is not the office's own;
* the name claims to be official ("MP", "office", "official", "team") beside a protected name;
* the account was created recently (only ever a supporting reason, never one on its own).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

RECENT_DAYS = 60
ERROR_UNREADABLE = (
    "This file could not be read: use JSON lines or CSV with a 'handle' column "
    "('display_name', 'created' and 'url' are optional)."
)
ERROR_ROW = "this account could not be read"

# Characters people swap in to imitate letters (a small hand-made table, Latin targets).
_CONFUSABLE = str.maketrans(
    {
        "0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
        "i": "l", "|": "l", "!": "l",
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "l",
        "ѕ": "s", "ј": "j", "ԁ": "d", "ɡ": "g", "ν": "v", "ο": "o", "α": "a", "ι": "l",
    }
)  # fmt: skip
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SEPARATORS = re.compile(r"[\s._\-]+")
_OFFICIAL_WORDS = frozenset({"mp", "official", "office", "team", "councillor", "cllr", "hq"})


def skeleton(text: str) -> str:
    """Lower-case, without accents, invisible characters or separators, lookalikes folded."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKD", text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("rn", "m").replace("vv", "w")
    return _SEPARATORS.sub("", text.translate(_CONFUSABLE))


def handle_key(handle: str) -> str:
    """The comparable part of a handle: '@Jane@mastodon.social' and 'jane.bsky.social' → 'jane'."""
    handle = handle.strip().lstrip("@").lower()
    handle = handle.split("@", 1)[0]
    for suffix in (".bsky.social",):
        handle = handle.removesuffix(suffix)
    if "/" in handle:
        handle = handle.rstrip("/").rsplit("/", 1)[-1]
    return handle


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up above ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _name_tokens(name: str) -> frozenset[str]:
    return frozenset(skeleton(part) for part in re.split(r"[\s,]+", name) if skeleton(part))


@dataclass(frozen=True)
class Account:
    handle: str
    display_name: str = ""
    created: dt.date | None = None
    url: str = ""


@dataclass(frozen=True)
class Suspect:
    account: Account
    reasons: tuple[str, ...]
    """Why it looks like impersonation, strongest first."""
    score: int
    """Higher is more suspicious; for ordering only."""


@dataclass(frozen=True)
class Protected:
    """What the office protects: its own handles, and the names of its people and contacts."""

    handles: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    own_keys: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "own_keys", frozenset(handle_key(h) for h in self.handles if h))


def _handle_reason(key: str, protected: Protected) -> str | None:
    key_skeleton = skeleton(key)
    if not key_skeleton:
        return None
    for own in protected.handles:
        own_key = handle_key(own)
        own_skeleton = skeleton(own_key)
        if not own_skeleton or key == own_key:
            continue
        if key_skeleton == own_skeleton:
            return f"The handle looks like the office's {own} (same letters, lookalike characters)."
        limit = 1 if len(own_skeleton) < 8 else 2
        if _distance(key_skeleton, own_skeleton, limit) <= limit:
            return f"The handle is one or two letters away from the office's {own}."
        if own_skeleton in key_skeleton and len(key_skeleton) - len(own_skeleton) <= 8:
            return f"The handle contains the office's {own} with extra letters."
    return None


def check_account(account: Account, protected: Protected, today: dt.date) -> Suspect | None:
    key = handle_key(account.handle)
    if key in protected.own_keys:
        return None
    reasons: list[str] = []
    score = 0
    if (reason := _handle_reason(key, protected)) is not None:
        reasons.append(reason)
        score += 3
    name_tokens = _name_tokens(account.display_name)
    for name in protected.names:
        wanted = _name_tokens(name) - _OFFICIAL_WORDS
        if wanted and len(wanted) >= 2 and wanted <= name_tokens:
            reasons.append(
                f"The display name is the same as {name}'s, on an account that is not the office's."
            )
            score += 3
            if name_tokens & _OFFICIAL_WORDS:
                reasons.append("The name claims to be official.")
                score += 1
            break
    if account.created is not None and reasons:
        age = (today - account.created).days
        if 0 <= age <= RECENT_DAYS:
            reasons.append(f"The account was created {age} day(s) ago.")
            score += 1
    if not reasons:
        return None
    return Suspect(account=account, reasons=tuple(reasons), score=score)


def check_accounts(
    accounts: Iterable[Account], protected: Protected, today: dt.date
) -> list[Suspect]:
    found = [s for a in accounts if (s := check_account(a, protected, today)) is not None]
    return sorted(found, key=lambda s: -s.score)


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _account(row: dict[str, Any]) -> Account:
    handle = row.get("handle") or row.get("username") or row.get("acct")
    if not isinstance(handle, str) or not handle.strip():
        raise ValueError(ERROR_ROW)
    url = str(row.get("url") or "")
    return Account(
        handle=handle.strip(),
        display_name=str(row.get("display_name") or row.get("name") or ""),
        created=_date(row.get("created") or row.get("created_at")),
        url=url if url.startswith(("https://", "http://")) else "",
    )


def read_accounts(data: bytes) -> tuple[list[Account], list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(ERROR_UNREADABLE) from exc
    accounts: list[Account] = []
    errors: list[str] = []
    if text.lstrip().startswith("{"):
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if not isinstance(row, dict):
                    raise ValueError(ERROR_ROW)
                accounts.append(_account(row))
            except ValueError:
                errors.append(f"line {number}: {ERROR_ROW}")
        return accounts, errors
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"handle", "username", "acct"} & set(reader.fieldnames):
        raise ValueError(ERROR_UNREADABLE)
    for number, row in enumerate(reader, start=2):
        try:
            accounts.append(_account(row))
        except ValueError:
            errors.append(f"row {number}: {ERROR_ROW}")
    return accounts, errors


def names_to_protect(people: Sequence[str], extra: str = "") -> tuple[str, ...]:
    names = [p for p in people if p.strip()]
    names += [line.strip() for line in extra.splitlines() if line.strip()]
    return tuple(dict.fromkeys(names))
