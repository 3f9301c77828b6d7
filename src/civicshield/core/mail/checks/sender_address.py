"""A From line with no usable address: genuine mail systems always give one."""

from __future__ import annotations

from civicshield.core.findings import Severity
from civicshield.core.mail.checks.base import Check, CheckContext, Hit
from civicshield.core.mail.parse import ParsedMail


class SenderAddressCheck(Check):
    """Missing, empty or address-less From.

    Only the presence of ``@`` and a domain is required: a domain without a dot is accepted,
    because anonymised corpora rewrite addresses that way and real mail never needs the rule.
    """

    name = "sender_address"

    def run(self, mail: ParsedMail, context: CheckContext) -> list[Hit]:
        address = mail.from_address
        local, _, domain = address.rpartition("@")
        if local and domain:
            return []
        shown = mail.from_name.strip() or address or "nothing"
        return [
            Hit(
                "sender_address.malformed",
                Severity.MEDIUM,
                f"The sender's address is missing or broken (the From line shows {shown}). "
                "Genuine mail always says who sent it. Do not trust this email.",
            )
        ]
