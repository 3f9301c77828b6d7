"""The sender's domain imitates the office's own, a contact's or a well-known one."""

from __future__ import annotations

from civicshield.core.findings import Severity
from civicshield.core.lookalike import LookalikeKind, lookalike_of
from civicshield.core.mail.checks.base import Check, CheckContext, Hit
from civicshield.core.mail.parse import ParsedMail


class LookalikeSenderCheck(Check):
    """From or Reply-To at a domain made to look like one the office knows."""

    name = "lookalike_sender"

    def run(self, mail: ParsedMail, context: CheckContext) -> list[Hit]:
        hits: list[Hit] = []
        trusted_domains = context.trusted.domains
        own_domains = context.trusted.own_domains
        checked: set[str] = set()
        for role, address in [("sent from", mail.from_address)] + [
            ("asks for replies to", a) for a in mail.reply_to
        ]:
            domain = address.rsplit("@", 1)[1] if "@" in address else ""
            if not domain or domain in checked:
                continue
            checked.add(domain)
            match = lookalike_of(domain, context.known_domains)
            if match is None:
                continue
            is_trusted = match.looks_like in trusted_domains
            feature = "lookalike_sender.trusted" if is_trusted else "lookalike_sender.well_known"
            whose = "one of your trusted domains" if is_trusted else "a well-known domain"
            severity = Severity.HIGH
            if match.kind is LookalikeKind.TLD_SWAP and match.looks_like not in own_domains:
                # Big organisations own several endings (bbc.co.uk and bbc.com): another ending
                # is a reason to check, not proof, except for the office's own domains.
                feature, severity = "lookalike_sender.tld_swap", Severity.MEDIUM
            hits.append(
                Hit(
                    feature,
                    severity,
                    f"This email was {role} {address}. The domain {match.domain} is made to look "
                    f"like {match.looks_like} ({whose}) but is not it: {match.explanation}. "
                    "Do not reply or click; contact the real organisation another way.",
                )
            )
        return hits
