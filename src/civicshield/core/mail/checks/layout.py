"""How the email is built: a message that is nearly all pictures hides its words from filters."""

from __future__ import annotations

import re

from civicshield.core.findings import Severity
from civicshield.core.mail.checks.base import Check, CheckContext, Hit
from civicshield.core.mail.parse import ParsedMail

_IMAGE = re.compile(r"<img\b", re.IGNORECASE)
FEW_WORDS = 40
"""Fewer visible words than this, with pictures and a link, is 'nearly all pictures'."""


class LayoutCheck(Check):
    """An HTML email with pictures and a link but hardly any words (a weak signal on its own:
    some genuine newsletters look like this too)."""

    name = "layout"

    def run(self, mail: ParsedMail, context: CheckContext) -> list[Hit]:
        # A plain-text copy of a few words ("Get a capable html e-mailer") changes nothing.
        if not mail.html or len(mail.text.split()) >= FEW_WORDS or not mail.links:
            return []
        if not _IMAGE.search(mail.html) or len(mail.html_text.split()) >= FEW_WORDS:
            return []
        return [
            Hit(
                "layout.mostly_pictures",
                Severity.LOW,
                "This email is almost all pictures with hardly any words, a way to hide what it "
                "says from spam filters.",
            )
        ]
