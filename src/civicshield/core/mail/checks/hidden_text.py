"""Text disguised from filters: invisible characters inside words, letters from other alphabets."""

from __future__ import annotations

import re

from civicshield.core.findings import Severity
from civicshield.core.mail.checks.base import Check, CheckContext, Hit
from civicshield.core.mail.checks.display_name import BRANDS
from civicshield.core.mail.parse import ParsedMail
from civicshield.core.mail.text import INVISIBLE_IN_WORD

MAX_CHARS = 20_000
# A word mixing Latin with Cyrillic or Greek letters ("pаypal" with a Cyrillic a). Genuine
# Russian or Greek text uses whole words in its own alphabet; mixing inside a word is a disguise.
_MIXED_WORD = re.compile(
    r"\b(?=\w*[a-zA-Z])(?=\w*[\u0370-\u03ff\u0400-\u04ff])[a-zA-Z\u0370-\u03ff\u0400-\u04ff]{3,}\b"
)
_DIRECTION_OVERRIDE = re.compile("[\u202e\u202d]")
# Bold, italic or script letters from the Unicode maths block ("𝐅𝐑𝐄𝐄 𝐆𝐈𝐅𝐓"): they look like
# styled text but are different characters, so word filters do not recognise them. Mathematics
# is the only genuine use, and it does not appear in subject lines or sender names.
_STYLED_LETTER = re.compile("[\U0001d400-\U0001d7ff]")
STYLED_IN_BODY = 5
# Plain keyboard characters that pass for letters: a capital I or a 1 for an l (and the other
# way round), a zero for an o ("lRS", "PayPaI", "Micr0soft"). Compared in this "as seen" form,
# a brand written with one of them is a disguise; the brand written normally is not.
_AS_SEEN = str.maketrans({"I": "l", "i": "l", "1": "l", "|": "l", "0": "o"})
_WORD = re.compile(r"[A-Za-z0-9|]{3,}")
_BRANDS_AS_SEEN = {
    brand.lower().translate(_AS_SEEN): brand
    for brand in BRANDS
    if brand.isalnum() and len(brand) >= 3
}


def disguised_brand(text: str) -> str:
    """The first brand name in ``text`` written with look-alike characters, or ``""``."""
    words: list[str] = _WORD.findall(text)
    for word in words:
        brand = _BRANDS_AS_SEEN.get(word.translate(_AS_SEEN).lower())
        if brand and word.lower() != brand and not word.isdigit():
            return word
    return ""


class HiddenTextCheck(Check):
    """Invisible characters or mixed alphabets inside words of the subject, sender name or body."""

    name = "hidden_text"

    def run(self, mail: ParsedMail, context: CheckContext) -> list[Hit]:
        hits: list[Hit] = []
        disguised = disguised_brand(mail.subject + "\n" + mail.from_name)
        if disguised:
            hits.append(
                Hit(
                    "hidden_text.disguised_brand",
                    Severity.MEDIUM,
                    f"The subject or sender name writes \u201c{disguised}\u201d: an "
                    "organisation's name spelt with look-alike characters (a capital I or a 1 for "
                    "an l, a zero for an o), so that filters miss it. The real organisation never "
                    "does this.",
                )
            )
        text = mail.subject + "\n" + mail.from_name + "\n" + mail.body_text[:MAX_CHARS]
        if text.isascii():
            return hits
        invisible = len(INVISIBLE_IN_WORD.findall(text)) + len(_DIRECTION_OVERRIDE.findall(text))
        if invisible >= 3:
            hits.append(
                Hit(
                    "hidden_text.invisible",
                    Severity.MEDIUM,
                    "Words in this email are broken up by invisible characters, a trick to slip "
                    "past spam filters. Genuine senders have no reason to do this.",
                )
            )
        header = mail.subject + mail.from_name
        if (
            _STYLED_LETTER.search(header)
            or len(_STYLED_LETTER.findall(mail.body_text[:MAX_CHARS])) >= STYLED_IN_BODY
        ):
            hits.append(
                Hit(
                    "hidden_text.styled_letters",
                    Severity.MEDIUM,
                    "This email writes words in look-alike \u201cbold\u201d or \u201cfancy\u201d "
                    "letters that are really mathematical symbols, a trick to slip past spam "
                    "filters. Genuine senders have no reason to do this.",
                )
            )
        mixed = _MIXED_WORD.findall(text)
        if len(mixed) >= 2:
            hits.append(
                Hit(
                    "hidden_text.mixed_script",
                    Severity.MEDIUM,
                    f"Words in this email mix letters from different alphabets (for example "
                    f"\u201c{mixed[0]}\u201d) so that they look normal but fool filters.",
                )
            )
        return hits
