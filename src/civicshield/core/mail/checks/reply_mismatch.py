"""Replies or bounces go somewhere other than the sender."""

from __future__ import annotations

from civicshield.core.findings import Severity
from civicshield.core.lookalike import domain_of_address, registered_domain
from civicshield.core.mail.checks.base import Check, CheckContext, Hit
from civicshield.core.mail.parse import ParsedMail
from civicshield.core.mail.trusted import FREE_MAIL_DOMAINS


class ReplyMismatchCheck(Check):
    """Reply-To or Return-Path at another organisation than From.

    Mailing lists rewrite both on purpose, so list mail is skipped. Bulk-mail services use their
    own bounce domains, so a different Return-Path alone is only a weak hint.
    """

    name = "reply_mismatch"

    def run(self, mail: ParsedMail, context: CheckContext) -> list[Hit]:
        if not mail.from_domain or mail.is_mailing_list:
            return []
        hits: list[Hit] = []
        sender = registered_domain(mail.from_domain)
        for address in mail.reply_to:
            domain = domain_of_address(address)
            if not domain or registered_domain(domain) == sender:
                continue
            free = registered_domain(domain) in FREE_MAIL_DOMAINS
            hits.append(
                Hit(
                    "reply_mismatch.free_mail" if free else "reply_mismatch.reply_to",
                    Severity.MEDIUM,
                    f"Replies to this email would go to {address}, not to the sender "
                    f"{mail.from_address}. Criminals do this to receive your answer. Write to the "
                    "person at an address you already know instead of pressing Reply.",
                )
            )
            break
        bounce = domain_of_address(mail.return_path)
        if bounce and registered_domain(bounce) != sender:
            hits.append(
                Hit(
                    "reply_mismatch.return_path",
                    Severity.LOW,
                    f"The email's return address ({mail.return_path}) belongs to a different "
                    f"domain than the sender ({mail.from_domain}). Bulk-mail services do this too, "
                    "so on its own it proves nothing.",
                )
            )
        return hits
