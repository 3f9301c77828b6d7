"""Text helpers shared by the checks that read words."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["INVISIBLE_IN_WORD", "fold"]

# Zero-width and direction characters; letters from other alphabets that look Latin.
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u180e\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
_ZERO_WIDTH_TABLE = {ord(char): None for char in _ZERO_WIDTH} | {0xAD: None}
_LOOKALIKE_LETTERS = str.maketrans(
    "аеорсухіјѕԁһκνοτχαιυΑΒΕΗΙΚΜΝΟΡΤΧΥΖ",
    "aeopcyxijsdhkvotxaiuABEHIKMNOPTXYZ",
)
_DISGUISE = re.compile("[" + _ZERO_WIDTH + "\u00ad\u0370-\u03ff\u0400-\u04ff\uff01-\uff5e]")
_SPACES = re.compile(r"\s+")
INVISIBLE_IN_WORD = re.compile(r"\w[" + _ZERO_WIDTH + r"]+\w")


def fold(text: str) -> str:
    """Lower-case text with invisible characters removed and lookalike letters made Latin.

    Lures hide words from filters with zero-width characters ("pass\u200cword") and Greek or
    Cyrillic letters ("pаssword"); phrase checks read the folded text. Digits stay digits.
    """
    if not text.isascii() and _DISGUISE.search(text):
        text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH_TABLE)
        text = text.translate(_LOOKALIKE_LETTERS)
    return _SPACES.sub(" ", text).lower().replace("\u2019", "'")
