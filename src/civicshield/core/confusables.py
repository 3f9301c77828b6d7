"""Letters from other scripts that look like Latin ones: one table for every engine.

The abuse classifier reads "kіll" (Cyrillic і) as "kill"; the lookalike detector sees
"pаypal.com" (Cyrillic а) posing as paypal.com. A hand-made subset of Unicode's confusables
list (Cyrillic, Greek, Armenian and a few Latin variants); fullwidth forms are left to NFKC.
"""

from __future__ import annotations

import functools
import unicodedata

LATIN_LOOKALIKES: dict[str, str] = {
    "а": "a",
    "в": "b",
    "е": "e",
    "ё": "e",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "і": "i",
    "ї": "i",
    "ј": "j",
    "ѕ": "s",
    "ԁ": "d",
    "ɡ": "g",
    "һ": "h",
    "ӏ": "l",
    "ո": "n",
    "ս": "u",
    "ԛ": "q",
    "ԝ": "w",
    "ь": "b",
    "г": "r",
    "α": "a",
    "β": "b",
    "ε": "e",
    "η": "n",
    "ι": "i",
    "κ": "k",
    "ν": "v",
    "ο": "o",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "χ": "x",
    "ω": "w",
    "ς": "s",
    "σ": "o",
    "μ": "u",
    "γ": "y",
    "λ": "l",
    "ı": "i",
    "ł": "l",
    "ø": "o",
    "đ": "d",
    "ℓ": "l",
    "п": "n",
    "օ": "o",
    "ց": "g",
    "ɑ": "a",
    "ȷ": "j",
}


@functools.lru_cache(maxsize=2048)
def base_letter(char: str) -> str:
    """A letter with a hook, tick, stroke or accent read as the letter under it, if that letter
    is Latin or looks Latin: "ҏ" (Cyrillic er with tick) is "p", "ɗ" (d with hook) is "d".

    The table above cannot list every decorated letter; their Unicode names can: the name of
    "ҏ" is CYRILLIC SMALL LETTER ER WITH TICK, and CYRILLIC SMALL LETTER ER is "р", a "p".
    Returns ``char`` unchanged when there is nothing under it."""
    if char.isascii():
        return char
    name = unicodedata.name(char, "")
    if " WITH " not in name:
        return LATIN_LOOKALIKES.get(char, char)
    try:
        base = unicodedata.lookup(name.split(" WITH ", 1)[0])
    except KeyError:
        return char
    if base.isascii() and base.isalpha():
        return base.lower()
    return LATIN_LOOKALIKES.get(base.lower(), char)
