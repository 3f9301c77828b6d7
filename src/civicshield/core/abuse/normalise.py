"""Undo what abusers do to slip past filters, and remember where every character came from.

``normalise(text)`` lowercases, maps homoglyphs (Cyrillic, Greek, fullwidth and "fancy"
Unicode letters) and emoji to plain letters or words, undoes leetspeak inside words
(``k1ll`` -> ``kill``), joins letters split by dots or spaces (``k.i.l.l`` -> ``kill``) and
shortens long runs of one letter (``diiiie`` -> ``diie``). Every character of the result
keeps the range of the ORIGINAL text it came from, so a match found in the normalised text
can be highlighted in the message exactly as it was written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from civicshield.core.confusables import LATIN_LOOKALIKES

# Letters that look like Latin ones but are not (Cyrillic, Greek, a few symbols).
_HOMOGLYPHS: dict[str, str] = {
    **LATIN_LOOKALIKES,
    # Ligatures, sharp s and curly quotes, which matter for reading words, not domains.
    "ß": "ss",
    "æ": "ae",
    "œ": "oe",
    "þ": "p",
    "№": "no",
    "’": "'",
    "‘": "'",
    "ʼ": "'",
    "`": "'",
    "“": '"',
    "”": '"',
    "«": '"',
    "»": '"',
}

# Emoji that carry meaning for abuse triage become words the rules and the model can read.
_EMOJI_WORDS: dict[str, str] = {
    "🔪": " knife ",
    "🗡": " knife ",
    "🔫": " gun ",
    "💣": " bomb ",
    "⚰": " coffin ",
    "🪦": " grave ",
    "☠": " skull ",
    "💀": " skull ",
    "🪓": " axe ",
    "🩸": " blood ",
    "🔥": " fire ",
    "🪢": " noose ",
    "🖕": " fuck you ",
    "🐒": " monkey ",
    "🦍": " gorilla ",
    "🐷": " pig ",
    "🐀": " rat ",
    "🤡": " clown ",
    "🍆": " penis ",
    "💦": " cum ",
    "🏠": " house ",
    "🏡": " house ",
    "👀": " eyes ",
}

_INVISIBLE = frozenset(
    "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\ufeff\ufe0f\ufe0e\u00ad"
)

# Leetspeak inside a word: only replaced in a token that also has real letters.
_LEET = {
    "0": "o",
    "1": "i",
    "3": "e",
    "4": "a",
    "5": "s",
    "7": "t",
    "8": "b",
    "9": "g",
    "@": "a",
    "$": "s",
    "!": "i",
    "|": "l",
    "€": "e",
    "£": "l",
}
_LEET_TOKEN = re.compile(r"[a-z0-9@$!|€£*]+")
_LEET_CHARS = frozenset(_LEET)
_HAS_LETTER = re.compile(r"[a-z]")

# Letters split by one repeated separator: k.i.l.l, k-i-l-l, k i l l, k*i*l*l.
_SPLIT_WORD = re.compile(r"(?<![a-z0-9])[a-z](?:([ .\-_*,/|+~])[a-z])(?:\1[a-z]){1,}(?![a-z0-9])")
_NUMBER_WITH_UNIT = re.compile(
    r"\d+(?:st|nd|rd|th|am|pm|s|k|m|p|x|ft|mph|km|kg|yo|yrs|mins?|hrs?)$"
)
_RUN = re.compile(r"([a-z])\1{2,}")


@dataclass(frozen=True, slots=True)
class Normalised:
    """A normalised text and the map back to the original."""

    text: str
    """The cleaned-up text: lower case, plain letters."""
    starts: tuple[int, ...]
    """For each character of ``text``, where its source begins in the original."""
    ends: tuple[int, ...]
    """For each character of ``text``, where its source ends in the original."""

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map ``text[start:end]`` back to character offsets in the original message."""
        if end <= start or not self.starts:
            anchor = (
                self.starts[start]
                if start < len(self.starts)
                else (self.ends[-1] if self.ends else 0)
            )
            return anchor, anchor
        return self.starts[start], self.ends[end - 1]


def _fold_char(ch: str) -> str:
    if ch in _INVISIBLE:
        return ""
    mapped = _HOMOGLYPHS.get(ch)
    if mapped is not None:
        return mapped
    word = _EMOJI_WORDS.get(ch)
    if word is not None:
        return word
    folded = unicodedata.normalize("NFKD", ch)
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = folded.lower()
    if len(folded) == 1 and folded in _HOMOGLYPHS:
        return _HOMOGLYPHS[folded]
    return folded


def _apply(
    text: str, starts: list[int], ends: list[int], edits: list[tuple[int, int, str]]
) -> tuple[str, list[int], list[int]]:
    """Replace ``text[s:e]`` by ``r`` for each sorted, non-overlapping edit."""
    if not edits:
        return text, starts, ends
    parts: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    pos = 0
    for s, e, r in edits:
        parts.append(text[pos:s])
        new_starts.extend(starts[pos:s])
        new_ends.extend(ends[pos:s])
        parts.append(r)
        if len(r) == e - s:
            new_starts.extend(starts[s:e])
            new_ends.extend(ends[s:e])
        else:
            new_starts.extend([starts[s]] * len(r))
            new_ends.extend([ends[e - 1]] * len(r))
        pos = e
    parts.append(text[pos:])
    new_starts.extend(starts[pos:])
    new_ends.extend(ends[pos:])
    return "".join(parts), new_starts, new_ends


def normalise(text: str) -> Normalised:
    """Return the normalised form of ``text`` with its map back to the original."""
    if text.isascii():
        out = text.lower().replace("`", "'")
        starts = list(range(len(text)))
        ends = list(range(1, len(text) + 1))
    else:
        pieces: list[str] = []
        starts = []
        ends = []
        for index, ch in enumerate(text):
            folded = ch.lower() if ch.isascii() else _fold_char(ch)
            if folded:
                pieces.append(folded)
                starts.extend([index] * len(folded))
                ends.extend([index + 1] * len(folded))
        out = "".join(pieces)

    # Leetspeak inside words that have at least one real letter (k1ll, b!tch, @ss is left).
    edits: list[tuple[int, int, str]] = []
    for match in _LEET_TOKEN.finditer(out):
        token = match.group()
        if _LEET_CHARS.isdisjoint(token) or token.startswith("@") or not _HAS_LETTER.search(token):
            continue
        digits = sum(c.isdigit() for c in token)
        if digits and (digits >= len(token) - digits or _NUMBER_WITH_UNIT.match(token)):
            continue  # a number with a unit (10pm, 2nd, 5k), not leetspeak
        # Trailing symbols are punctuation ("you!"), not letters.
        body = token.rstrip("!|$@*")
        replaced = "".join(_LEET.get(c, c) for c in body) + token[len(body) :]
        if replaced != token:
            edits.append((match.start(), match.end(), replaced))
    out, starts, ends = _apply(out, starts, ends, edits)

    # Letters split by separators: k.i.l.l -> kill.
    edits = []
    for match in _SPLIT_WORD.finditer(out):
        letters = match.group()[::2]
        if len(letters) >= (4 if match.group(1) == " " else 3):
            edits.append((match.start(), match.end(), letters))
    out, starts, ends = _apply(out, starts, ends, edits)

    # Long runs of one letter: diiiiie -> diie.
    edits = [(m.start(), m.end(), m.group(1) * 2) for m in _RUN.finditer(out)]
    out, starts, ends = _apply(out, starts, ends, edits)
    return Normalised(out, tuple(starts), tuple(ends))
