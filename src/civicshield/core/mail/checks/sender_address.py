"""The sender's address itself: missing, impossible, or made to be thrown away."""

from __future__ import annotations

from civicshield.core.findings import Severity
from civicshield.core.lookalike import has_public_suffix, is_ip_address
from civicshield.core.mail.checks.base import Check, CheckContext, Hit
from civicshield.core.mail.checks.risky_link import abused_tld
from civicshield.core.mail.parse import ParsedMail

# Bulk senders register one cheap domain and send from endless one-letter subdomains of it
# ("a.b.c.d.j.k.l.n.o.b.example.shop"): no organisation names its mail servers like that.
SINGLE_LETTER_LABELS = 3
# Endings that are not on the public-suffix list on purpose: names reserved for examples and
# tests (RFC 2606, RFC 6761) and the usual internal network names, which the office's own
# printers and servers send from ("scanner@office.local").
_SPECIAL_USE = frozenset(
    {"test", "example", "invalid", "localhost", "local", "lan", "internal", "corp", "home.arpa"}
)
# Every Microsoft 365 organisation gets a starter address under onmicrosoft.com; a real
# organisation writes from its own domain. Scammers open free trial organisations and send
# from the starter address, which carries Microsoft's good name past filters.
_STARTER_DOMAINS = ("onmicrosoft.com",)


class SenderAddressCheck(Check):
    """Missing or address-less From; a domain that cannot exist; a throwaway or cheap domain."""

    name = "sender_address"

    def run(self, mail: ParsedMail, context: CheckContext) -> list[Hit]:
        address = mail.from_address
        local, _, domain = address.rpartition("@")
        if not (local and domain) or "@" in local:
            shown = mail.from_name.strip() or address or "nothing"
            return [
                Hit(
                    "sender_address.malformed",
                    Severity.MEDIUM,
                    f"The sender's address is missing or broken (the From line shows {shown}). "
                    "Genuine mail always says who sent it. Do not trust this email.",
                )
            ]
        host = mail.from_domain
        if context.is_trusted_domain(host):
            return []
        special = any(host == end or host.endswith("." + end) for end in _SPECIAL_USE)
        if not has_public_suffix(host) and not is_ip_address(host) and not special:
            # A made-up ending ("correios", "no-reply@bank") cannot send mail across the
            # internet under its own name: whoever wrote this From line made it up.
            return [
                Hit(
                    "sender_address.impossible_domain",
                    Severity.MEDIUM,
                    f"The sender's address ({address}) ends in {host}, which is not a real "
                    "internet domain: no one can receive a reply there. The From line was made "
                    "up. Do not trust this email.",
                )
            ]
        hits: list[Hit] = []
        if mail.from_address_count > 1:
            hits.append(
                Hit(
                    "sender_address.several_senders",
                    Severity.MEDIUM,
                    "The From line holds several addresses, so your mail program may show a "
                    "different sender from the one that really sent it. Genuine mail names one "
                    "sender.",
                )
            )
        labels = host.split(".")
        if sum(1 for label in labels[:-2] if len(label) == 1) >= SINGLE_LETTER_LABELS:
            hits.append(
                Hit(
                    "sender_address.throwaway_domain",
                    Severity.MEDIUM,
                    f"The sender's address ends in {host}, a string of one-letter names that "
                    "bulk scam senders generate so every email comes from a new address.",
                )
            )
        starter = next((d for d in _STARTER_DOMAINS if host.endswith("." + d)), "")
        if starter:
            hits.append(
                Hit(
                    "sender_address.starter_domain",
                    Severity.MEDIUM,
                    f"The sender's address ends in {starter}, the free starter address of a "
                    "Microsoft 365 account. Organisations write from their own domain; scammers "
                    "open trial accounts and send from these.",
                )
            )
        tld = abused_tld(host)
        if tld:
            hits.append(
                Hit(
                    "sender_address.abused_tld",
                    Severity.LOW,
                    f"The sender's address ends in .{tld}; such addresses are cheap to register "
                    "in bulk and often used for scams.",
                )
            )
        return hits
