"""A link whose visible text shows one web address while it really goes to another."""

from __future__ import annotations

import re

from civicshield.core.findings import Severity
from civicshield.core.lookalike import normalise_domain, registered_domain
from civicshield.core.mail.checks.base import Check, CheckContext, Hit
from civicshield.core.mail.parse import ParsedMail

_SHOWN_DOMAIN = re.compile(
    r"^\s*(?:https?://)?((?:[a-z0-9\u00a1-\uffff-]+\.)+[a-z\u00a1-\uffff]{2,})(?:[/:?#]\S*)?\s*$",
    re.IGNORECASE,
)


class DeceptiveLinkCheck(Check):
    """Link text that is an address different from the link's destination."""

    name = "deceptive_link"

    def run(self, mail: ParsedMail, context: CheckContext) -> list[Hit]:
        for link in mail.links:
            if not link.text or link.scheme not in ("http", "https") or not link.host:
                continue
            shown = _SHOWN_DOMAIN.match(link.text)
            if not shown or "@" in link.text:
                continue
            shown_domain = normalise_domain(shown.group(1))
            if registered_domain(shown_domain) == registered_domain(link.host):
                continue
            return [
                Hit(
                    "deceptive_link.mismatch",
                    Severity.MEDIUM,
                    f"A link shows {shown_domain} but really goes to {link.host}. Do not click it; "
                    f"if you need {shown_domain}, type the address yourself.",
                )
            ]
        return []
