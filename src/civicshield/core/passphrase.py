"""Passphrases made of three random words (NCSC advice), and a plain-words strength check.

``generate`` picks words with ``secrets`` (the operating system's cryptographic random source)
from the EFF's large word list: 7,700-odd common, easy-to-type English words, so three words give
about 38 bits and each extra word about 13 more. ``strength`` runs zxcvbn and turns its result
into words an office worker can act on, always pointing towards three random words.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "DEFAULT_SEPARATOR",
    "DEFAULT_WORDS",
    "ERROR_SEPARATOR",
    "ERROR_WORD_COUNT",
    "MAX_WORDS",
    "MIN_WORDS",
    "StrengthReport",
    "entropy_bits",
    "generate",
    "strength",
    "wordlist",
]

MIN_WORDS = 3
MAX_WORDS = 12
DEFAULT_WORDS = 3
DEFAULT_SEPARATOR = "-"

# zxcvbn refuses longer input (its work grows faster than the length); the rest of a longer
# password is not looked at, and a password this long is not weak for want of length.
MAX_CHECKED_CHARS = 72
# zxcvbn scores 3 and 4 mean "safely unguessable" for an online account.
GOOD_SCORE = 3

ERROR_WORD_COUNT = f"the number of words must be between {MIN_WORDS} and {MAX_WORDS}"
ERROR_SEPARATOR = "the separator must be at most 3 characters and contain no letters"

WORDLIST_RESOURCE = "eff_large_wordlist.txt"

# Words of the EFF list left out: insults, crimes, violence and drugs read badly in an
# elected representative's password (and worse on a sticky note or read over the phone).
EXCLUDED_WORDS = frozenset(
    {
        "arson",
        "bribe",
        "bullfight",
        "bullwhip",
        "bully",
        "crook",
        "curse",
        "dwarf",
        "evict",
        "gallows",
        "graves",
        "graveyard",
        "grope",
        "hangover",
        "hate",
        "hatred",
        "jailbird",
        "jailbreak",
        "jailer",
        "jailhouse",
        "junkie",
        "lustfully",
        "lustily",
        "lustiness",
        "lusty",
        "opium",
        "poison",
        "prison",
        "racism",
        "riot",
        "scam",
        "shank",
        "smuggler",
        "strangle",
        "threaten",
        "traitor",
        "wound",
    }
)

VERDICTS: tuple[str, ...] = (
    "Very weak: this password would be guessed almost at once.",
    "Weak: a determined attacker would guess this password quickly.",
    "Fair: this password would slow an attacker down, but not for long.",
    "Good: this password would be hard to guess.",
    "Strong: this password would be very hard to guess.",
)
VERDICT_EMPTY = "No password was given."

SUGGEST_THREE_WORDS = (
    "Use three random words joined together, such as '{example}'. They are long enough to be "
    "hard to guess and easy to remember. Run 'civicshield passphrase' for more."
)
SUGGEST_NO_PERSONAL = (
    "Leave out your name, your constituency, your party and anything else people know about you."
)
SUGGEST_UNIQUE = "Use this password for one account only, and keep it in a password manager."


@dataclass(frozen=True, slots=True)
class StrengthReport:
    """How hard a password would be to guess, in plain words."""

    score: int
    """0 (very weak) to 4 (strong), zxcvbn's scale. 3 or more is good enough for an account."""
    verdict: str
    """One sentence saying how strong the password is."""
    crack_time: str
    """How long guessing would take, e.g. 'Guessing online: about 2 hours. ...'"""
    warning: str
    """What makes it weak (e.g. 'This is a very common password.'), or empty."""
    suggestions: tuple[str, ...]
    """What to do instead; always ends with the three-random-words advice when the score is low."""
    guesses_log10: float
    """About how many guesses it would take, as a power of ten (zxcvbn's estimate)."""

    @property
    def acceptable(self) -> bool:
        """True when the score is good enough for an account (3 or more)."""
        return self.score >= GOOD_SCORE

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output; never contains the password."""
        return {
            "score": self.score,
            "acceptable": self.acceptable,
            "verdict": self.verdict,
            "crack_time": self.crack_time,
            "warning": self.warning,
            "suggestions": list(self.suggestions),
            "guesses_log10": round(self.guesses_log10, 2),
        }


@cache
def wordlist() -> tuple[str, ...]:
    """The words ``generate`` picks from: the EFF large list without hyphens or excluded words."""
    text = (
        resources.files("civicshield.core.wordlists")
        .joinpath(WORDLIST_RESOURCE)
        .read_text(encoding="utf-8")
    )
    words = (line.strip() for line in text.splitlines())
    return tuple(word for word in words if word and word.isalpha() and word not in EXCLUDED_WORDS)


def entropy_bits(words: int = DEFAULT_WORDS) -> float:
    """How many bits of randomness a passphrase of ``words`` words has."""
    return words * math.log2(len(wordlist()))


def generate(words: int = DEFAULT_WORDS, *, separator: str = DEFAULT_SEPARATOR) -> str:
    """Return ``words`` random words from the word list joined by ``separator``.

    Each word is chosen independently with ``secrets.choice``, so the same word may appear
    twice (that is what makes the count of possible passphrases exact). Raises ``ValueError``
    with ``ERROR_WORD_COUNT`` or ``ERROR_SEPARATOR``.
    """
    if isinstance(words, bool) or not isinstance(words, int) or not MIN_WORDS <= words <= MAX_WORDS:
        raise ValueError(ERROR_WORD_COUNT)
    if len(separator) > 3 or any(ch.isalpha() for ch in separator):
        raise ValueError(ERROR_SEPARATOR)
    pool = wordlist()
    return separator.join(secrets.choice(pool) for _ in range(words))


def _crack_time(times: dict[str, Any]) -> str:
    online = str(times.get("online_no_throttling_10_per_second", "unknown"))
    offline = str(times.get("offline_slow_hashing_1e4_per_second", "unknown"))
    return f"Guessing online: {_wording(online)}. From a stolen password file: {_wording(offline)}."


def _wording(display: str) -> str:
    if display == "less than a second":
        return "instantly"
    if display == "centuries":
        return "centuries"
    return f"about {display}"


def strength(password: str, user_inputs: Sequence[str] = ()) -> StrengthReport:
    """Say how strong ``password`` is, and what to do if it is weak.

    ``user_inputs`` are words an attacker would try first for this person: their name, their
    constituency, their party, the office's name. Only the first ``MAX_CHECKED_CHARS``
    characters are checked. The password is never part of the report.
    """
    from zxcvbn import zxcvbn

    if not password:
        return StrengthReport(
            score=0,
            verdict=VERDICT_EMPTY,
            crack_time=_crack_time(
                {
                    "online_no_throttling_10_per_second": "less than a second",
                    "offline_slow_hashing_1e4_per_second": "less than a second",
                }
            ),
            warning="",
            suggestions=(SUGGEST_THREE_WORDS.format(example=generate()),),
            guesses_log10=0.0,
        )
    checked = password[:MAX_CHECKED_CHARS]
    inputs = [item.strip() for item in user_inputs if item and item.strip()]
    result = zxcvbn(checked, user_inputs=inputs)
    score = int(result["score"])
    feedback = result.get("feedback") or {}
    suggestions: list[str] = []
    lowered = checked.lower()
    if any(len(item) >= 3 and item.lower() in lowered for item in inputs):
        suggestions.append(SUGGEST_NO_PERSONAL)
    if score < GOOD_SCORE:
        suggestions.extend(str(s) for s in feedback.get("suggestions") or ())
        suggestions.append(SUGGEST_THREE_WORDS.format(example=generate()))
    else:
        suggestions.append(SUGGEST_UNIQUE)
    return StrengthReport(
        score=score,
        verdict=VERDICTS[score],
        crack_time=_crack_time(result.get("crack_times_display") or {}),
        warning=str(feedback.get("warning") or ""),
        suggestions=tuple(dict.fromkeys(suggestions)),
        guesses_log10=float(result["guesses_log10"]),
    )
