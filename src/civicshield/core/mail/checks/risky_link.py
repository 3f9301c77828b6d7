"""Links to raw IP addresses, link shorteners, free hosting, lookalike or never-seen domains."""

from __future__ import annotations

import ipaddress
import re

from civicshield.core.findings import Severity
from civicshield.core.lookalike import (
    WELL_KNOWN_DOMAINS,
    LookalikeKind,
    is_ip_address,
    lookalike_of,
    registered_domain,
)
from civicshield.core.mail.checks.base import Check, CheckContext, Hit
from civicshield.core.mail.checks.display_name import BRANDS
from civicshield.core.mail.parse import ParsedMail

SHORTENERS = frozenset(
    {
        "bit.ly",
        "tinyurl.com",
        "goo.gl",
        "ow.ly",
        "is.gd",
        "buff.ly",
        "rebrand.ly",
        "cutt.ly",
        "shorturl.at",
        "rb.gy",
        "t.ly",
        "tiny.cc",
        "s.id",
        "v.gd",
        "bl.ink",
        "qrco.de",
        "t.co",
        "shorte.st",
        "adf.ly",
        "bitly.com",
        "tiny.one",
        "urlz.fr",
        "short.io",
        "soo.gd",
        "x.co",
        "lnkd.in",
        "clck.ru",
        "u.to",
        "tr.im",
        "cli.re",
        "surl.li",
        "gg.gg",
        "2no.co",
        "t2m.io",
    }
)
# Places anyone can publish a page for free, much used for fake sign-in pages.
FREE_HOSTING = frozenset(
    {
        "storage.googleapis.com",
        "firebasestorage.googleapis.com",
        "web.app",
        "firebaseapp.com",
        "appspot.com",
        "r2.dev",
        "pages.dev",
        "workers.dev",
        "blob.core.windows.net",
        "azurewebsites.net",
        "glitch.me",
        "netlify.app",
        "vercel.app",
        "github.io",
        "weebly.com",
        "wixsite.com",
        "000webhostapp.com",
        "ipfs.io",
        "dweb.link",
        "herokuapp.com",
        "square.site",
        "godaddysites.com",
        "webflow.io",
        "blogspot.com",
        "sites.google.com",
        "forms.gle",
        "typeform.com",
        "jotform.com",
        "ngrok.io",
        "ngrok-free.app",
        "repl.co",
        "s3.amazonaws.com",
        "mybluehost.me",
        "backblazeb2.com",
        "framer.website",
        # Cloud functions and storage that anyone can sign up for and publish on at once.
        "run.app",
        "cloudfunctions.net",
        "translate.goog",
        "arweave.net",
        "ipfs.w3s.link",
        "fc2web.com",
        # Free dynamic-DNS names: a free subdomain that points wherever its owner likes.
        "duckdns.org",
        "ddns.net",
        "hopto.org",
        "zapto.org",
        "sytes.net",
        "no-ip.org",
        "chickenkiller.com",
        "mooo.com",
        "dynu.net",
        "freeddns.org",
    }
)
# Amazon S3 buckets are addressed per region ("bucket.s3.eu-west-2.amazonaws.com"), and
# gateways to IPFS put "ipfs" into the host name; both host pages anyone can upload.
_HOSTED_PATTERN = re.compile(r"(?:^|\.)s3[.-][a-z0-9-]*\.?amazonaws\.com$|(?:^|[.-])ipfs[.-]")


# Endings most abused for phishing and malware relative to their size (Spamhaus and
# Interisle yearly reports); cheap to register in bulk. Hand-weighted, never fitted: none of
# them existed in 2002, when much of the development corpus's legitimate mail was written.
ABUSED_TLDS = frozenset(
    {
        "top",
        "xyz",
        "shop",
        "click",
        "buzz",
        "icu",
        "cyou",
        "cfd",
        "sbs",
        "rest",
        "bond",
        "monster",
        "quest",
        "lol",
        "live",
        "online",
        "site",
        "store",
        "fun",
        "space",
        "website",
        "info",
        "tk",
        "ml",
        "ga",
        "cf",
        "gq",
        "work",
        "support",
        "zip",
        "mov",
        "country",
        "loan",
        "win",
        "bid",
        "date",
        "racing",
        "review",
        "stream",
        "download",
        "men",
        "party",
        "kim",
    }
)


def abused_tld(host: str) -> str | None:
    """The host's ending when it is one of the much-abused ones."""
    last = host.rsplit(".", 1)[-1]
    return last if last in ABUSED_TLDS else None


# Domains of organisations whose names criminals borrow: their mail never links to a bare
# internet address.
_BRAND_DOMAINS: frozenset[str] = frozenset(
    {domain for domains in BRANDS.values() for domain in domains} | WELL_KNOWN_DOMAINS
)


def _private_address(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host.strip("[]").rstrip("."))
    except ValueError:
        return False  # hex or decimal forms: only ever written to disguise a public address
    return not address.is_global


def _hosted_on(host: str, services: frozenset[str]) -> str | None:
    for service in services:
        if host == service or host.endswith("." + service):
            return service
    return None


def _free_hosting(host: str) -> str | None:
    """The free publishing service a link's host belongs to, if any."""
    service = _hosted_on(host, FREE_HOSTING)
    if service is None and _HOSTED_PATTERN.search(host):
        service = "amazonaws.com" if host.endswith("amazonaws.com") else "IPFS"
    return service


class RiskyLinkCheck(Check):
    """One finding per kind of risky link (the first example is named)."""

    name = "risky_link"

    def run(self, mail: ParsedMail, context: CheckContext) -> list[Hit]:
        found: dict[str, Hit] = {}
        known = context.known_domains
        trusted_domains = context.trusted.domains
        checked: set[str] = set()
        for link in mail.links:
            host = link.host
            if link.scheme not in ("http", "https") or not host or host in checked:
                continue
            checked.add(host)
            if is_ip_address(host):
                if _private_address(host):
                    # A printer's or router's address in a technical email: not a web page
                    # anyone outside that network could be sent to.
                    continue
                if registered_domain(mail.from_domain) in _BRAND_DOMAINS:
                    found.setdefault(
                        "risky_link.ip_from_brand",
                        Hit(
                            "risky_link.ip_from_brand",
                            Severity.HIGH,
                            f"This email says it comes from {mail.from_domain}, but a link goes "
                            f"to a bare internet address ({host}). Large organisations always "
                            "link to their own named website; this is how forged emails lead to "
                            "fake sign-in pages. Do not click it.",
                        ),
                    )
                found.setdefault(
                    "risky_link.ip_address",
                    Hit(
                        "risky_link.ip_address",
                        Severity.MEDIUM,
                        f"A link goes to a bare internet address ({host}) instead of a named "
                        "website. Genuine organisations rarely do this. Do not click it.",
                    ),
                )
                continue
            if _hosted_on(host, SHORTENERS):
                found.setdefault(
                    "risky_link.shortener",
                    Hit(
                        "risky_link.shortener",
                        Severity.LOW,
                        f"A link uses a link shortener ({host}), which hides where it really goes.",
                    ),
                )
            service = _free_hosting(host)
            if service and not context.is_trusted_domain(mail.from_domain):
                found.setdefault(
                    "risky_link.free_hosting",
                    Hit(
                        "risky_link.free_hosting",
                        Severity.MEDIUM,
                        f"A link goes to a page on {service}, where anyone can publish a page for "
                        "free; fake sign-in pages are often put there. Do not enter any password "
                        "on a page you reached from this email.",
                    ),
                )
            tld = abused_tld(host)
            if tld and not context.is_trusted_domain(host):
                found.setdefault(
                    "risky_link.abused_tld",
                    Hit(
                        "risky_link.abused_tld",
                        Severity.LOW,
                        f"A link goes to {host}; addresses ending in .{tld} are cheap to register "
                        "in bulk and often used for scams.",
                    ),
                )
            match = lookalike_of(host, known)
            if match is not None:
                is_trusted = match.looks_like in trusted_domains
                feature = "risky_link.lookalike_trusted" if is_trusted else "risky_link.lookalike"
                if (
                    match.kind is LookalikeKind.TLD_SWAP
                    and match.looks_like not in context.trusted.own_domains
                ):
                    # Same reasoning as lookalike_sender: other endings are often genuine.
                    feature = "risky_link.lookalike"
                found.setdefault(
                    feature,
                    Hit(
                        feature,
                        Severity.HIGH,
                        f"A link goes to {match.domain}, which is made to look like "
                        f"{match.looks_like} ({match.explanation}). Do not click it.",
                    ),
                )
            elif context.seen_domains is not None:
                registered = registered_domain(host)
                if registered not in context.seen_domains and not context.is_trusted_domain(host):
                    found.setdefault(
                        "risky_link.new_domain",
                        Hit(
                            "risky_link.new_domain",
                            Severity.LOW,
                            f"A link goes to {registered}, a website never seen in this office's "
                            "mail before.",
                        ),
                    )
        return list(found.values())
