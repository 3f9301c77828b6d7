"""Lookalike domains and display names: does this name imitate one the office trusts?

Used by the mail checks (sender addresses, links in emails) and by the publishing checks
(links in posts). Everything here is offline: the public-suffix list is the snapshot bundled
with tldextract, and the confusable-character table is a small hand-made one below.

Two questions are answered:

* ``lookalike_of(domain, known_domains)`` -- is ``domain`` made to look like one of the known
  domains without being it? (homoglyphs and mixed scripts, punycode, swapped, missing or
  extra characters, another ending such as ``.co`` for ``.uk``, the known name flattened
  into one label such as ``parliament-uk.co``, the known name with extra words such as
  ``paypal-security.com``, or the known name put in front of someone else's domain such as
  ``parliament.uk.secure-login.com``).
* ``display_name_match(name, contacts)`` -- does a display name, once invisible characters
  and lookalike letters are removed, name one of the trusted contacts?
"""

from __future__ import annotations

import enum
import functools
import ipaddress
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import tldextract

from civicshield.core.confusables import LATIN_LOOKALIKES, base_letter

__all__ = [
    "WELL_KNOWN_BRANDS",
    "WELL_KNOWN_DOMAINS",
    "LookalikeKind",
    "LookalikeMatch",
    "display_name_match",
    "domain_of_address",
    "has_public_suffix",
    "is_ip_address",
    "lookalike_of",
    "normalise_domain",
    "normalise_name",
    "registered_domain",
    "skeleton",
    "strip_invisible",
]

# The bundled public-suffix snapshot only: an empty URL list means tldextract never goes to
# the network (a scan must give the same answer offline, and fast).
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

# Domains criminals most often imitate in UK public-sector mail, with the organisation's name
# as people see it. Each entry's alternates are its other genuine domains (not lookalikes).
WELL_KNOWN_BRANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "gov.uk": ("GOV.UK", ()),
    "parliament.uk": ("UK Parliament", ()),
    "hmrc.gov.uk": ("HMRC", ()),
    "nhs.uk": ("NHS", ("nhs.net",)),
    "police.uk": ("the police", ()),
    "ncsc.gov.uk": ("the NCSC", ()),
    "microsoft.com": (
        "Microsoft",
        (
            "office.com",
            "office365.com",
            "outlook.com",
            "live.com",
            "microsoftonline.com",
            "sharepoint.com",
            "onmicrosoft.com",
            "hotmail.com",
            "microsoft.co.uk",
            "msn.com",
        ),
    ),
    "google.com": (
        "Google",
        (
            "gmail.com",
            "google.co.uk",
            "googlemail.com",
            "youtube.com",
            "googleusercontent.com",
            "goo.gl",
        ),
    ),
    "apple.com": ("Apple", ("icloud.com", "me.com", "apple.co.uk")),
    "amazon.com": (
        "Amazon",
        ("amazon.co.uk", "amazon.de", "amazon.fr", "amazonaws.com", "amazonses.com"),
    ),
    "paypal.com": ("PayPal", ("paypal.co.uk", "paypal.me")),
    "docusign.com": ("DocuSign", ("docusign.net",)),
    "dropbox.com": ("Dropbox", ()),
    "facebook.com": ("Facebook", ("fb.com", "meta.com", "facebookmail.com")),
    "instagram.com": ("Instagram", ()),
    "linkedin.com": ("LinkedIn", ()),
    "netflix.com": ("Netflix", ()),
    "dhl.com": ("DHL", ("dhl.co.uk", "dhl.de")),
    "royalmail.com": ("Royal Mail", ("royalmail.co.uk",)),
    "dvla.gov.uk": ("DVLA", ()),
    "barclays.co.uk": ("Barclays", ("barclays.com",)),
    "hsbc.co.uk": ("HSBC", ("hsbc.com",)),
    "lloydsbank.co.uk": ("Lloyds Bank", ("lloydsbank.com", "lloydsbankinggroup.com")),
    "natwest.com": ("NatWest", ()),
    "santander.co.uk": ("Santander", ("santander.com",)),
    "nationwide.co.uk": ("Nationwide", ()),
    "halifax.co.uk": ("Halifax", ()),
    "monzo.com": ("Monzo", ()),
    "wellsfargo.com": ("Wells Fargo", ()),
    "chase.com": ("Chase", ()),
    "bankofamerica.com": ("Bank of America", ("bofa.com",)),
    "ebay.com": ("eBay", ("ebay.co.uk",)),
    "adobe.com": ("Adobe", ()),
    "office.com": ("Microsoft Office", ()),
    "outlook.com": ("Outlook", ()),
}
WELL_KNOWN_DOMAINS: frozenset[str] = frozenset(WELL_KNOWN_BRANDS)

# Characters that look like Latin letters (Cyrillic, Greek, Armenian, fullwidth handled by NFKC)
# and digit/letter swaps used in typosquats. A hand-made subset of Unicode's confusables list.
_CONFUSABLES: dict[str, str] = {
    **LATIN_LOOKALIKES,
    # Digit and symbol swaps used in typosquatted names.
    "0": "o",
    "1": "l",
    "|": "l",
    "!": "i",
    "$": "s",
    "@": "a",
}
# Letter pairs that read as one letter at a glance.
_MULTI_CONFUSABLES: tuple[tuple[str, str], ...] = (("rn", "m"), ("vv", "w"), ("cl", "d"))
# Upper-case letters that look like lower-case ones (``I`` for ``l`` in a display name).
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Co", "Cn", "Mn", "Me", "Zl", "Zp"})
_EXTRA_INVISIBLE = frozenset({"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800", "\u180e"})


def strip_invisible(text: str) -> str:
    """Remove zero-width, control, format and combining characters; turn odd spaces into spaces.

    Criminals hide characters such as U+200B (zero-width space) inside a display name so that
    "Sarah\u200bJones" does not equal "Sarah Jones" to a simple comparison but looks identical.
    """
    if text.isascii() and text.isprintable():
        return text
    out = []
    for char in unicodedata.normalize("NFKD", text):
        category = unicodedata.category(char)
        if char in _EXTRA_INVISIBLE or category in _INVISIBLE_CATEGORIES:
            if char in "\t\n\r":
                out.append(" ")
            continue
        out.append(" " if category == "Zs" else char)
    return unicodedata.normalize("NFC", "".join(out))


@functools.lru_cache(maxsize=4096)
def skeleton(text: str) -> str:
    """What a text looks like to the eye: lower case, no accents, lookalike letters made Latin.

    ``skeleton("pаypal")`` (with a Cyrillic ``а``) is ``"paypal"``; so is ``skeleton("paypa1")``.
    """
    text = strip_invisible(unicodedata.normalize("NFKC", text)).lower()
    chars = [_CONFUSABLES.get(char) or base_letter(char) for char in text]
    result = "".join(chars)
    for pair, single in _MULTI_CONFUSABLES:
        result = result.replace(pair, single)
    return result


_NAME_PUNCTUATION = re.compile(r"[\"'`«»“”‘’()\[\]<>,;:]")


def normalise_name(name: str) -> str:
    """A display name ready to compare: no invisible characters or quotes, case-folded."""
    name = strip_invisible(unicodedata.normalize("NFKC", name))
    name = _NAME_PUNCTUATION.sub(" ", name)
    return " ".join(name.casefold().split())


def _name_tokens(name: str) -> tuple[str, ...]:
    return tuple(skeleton(token) for token in normalise_name(name).split() if token)


def display_name_match(name: str, contacts: Iterable[str]) -> str | None:
    """The trusted contact a display name names, or ``None``.

    Matches after invisible characters, case, accents and lookalike letters are removed, in either
    order ("Jones, Sarah"), and also when the display name adds words around the full name
    ("Sarah Jones MP", "Sarah Jones via Office"). A single-word contact name must match exactly.
    """
    tokens = _name_tokens(name)
    if not tokens:
        return None
    token_set = set(tokens)
    for contact in contacts:
        wanted = _name_tokens(contact)
        if not wanted:
            continue
        if (
            tokens == wanted
            or (len(wanted) >= 2 and set(wanted) <= token_set)
            # "Sarah\u200bJones" loses its hidden space: compare the letters alone too.
            or (len(wanted) >= 2 and "".join(tokens) == "".join(wanted))
        ):
            return contact
    return None


def normalise_domain(domain: str) -> str:
    """Lower case, no trailing dot or port, punycode (``xn--``) labels decoded to Unicode."""
    domain = domain.strip().strip(".").lower()
    domain = domain.rsplit("@", 1)[-1]
    if domain.startswith("[") and domain.endswith("]"):
        return domain[1:-1]
    if ":" in domain and not _looks_like_ipv6(domain):
        domain = domain.split(":", 1)[0]
    labels = []
    for label in domain.split("."):
        if label.startswith("xn--"):
            try:
                label = label.encode("ascii").decode("idna")
            except (UnicodeError, ValueError):
                pass
        labels.append(label)
    return ".".join(labels)


def _looks_like_ipv6(text: str) -> bool:
    return text.count(":") >= 2


_IP_CHARS = re.compile(r"[0-9a-fA-FxX.:]+")
_NUMERIC_IP = re.compile(r"0x[0-9a-f]+|\d{8,10}")


def is_ip_address(host: str) -> bool:
    """True for a raw IPv4 or IPv6 address (also dotted-decimal written with a trailing dot)."""
    host = host.strip("[]").rstrip(".")
    if not _IP_CHARS.fullmatch(host):
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_NUMERIC_IP.fullmatch(host))  # hex or decimal IPv4
    return True


def domain_of_address(address: str) -> str:
    """The normalised domain of an email address, or ``""`` when it has none."""
    if "@" not in address:
        return ""
    return normalise_domain(address.rsplit("@", 1)[1])


@functools.lru_cache(maxsize=16384)
def _split(host: str) -> tuple[str, str, str]:
    """(subdomain, label, suffix) of a normalised host name."""
    result = _EXTRACT(host)
    return result.subdomain, result.domain, result.suffix


def has_public_suffix(host: str) -> bool:
    """True when ``host`` ends in a suffix on the public-suffix list (``.com``, ``.co.uk``...):
    every domain mail can really come from does; ``correios`` or ``mailer.local`` do not."""
    host = normalise_domain(host)
    return bool(host) and not is_ip_address(host) and bool(_split(host)[2])


def registered_domain(host: str) -> str:
    """The part of a host name that someone registered: ``secure-login.com`` for
    ``parliament.uk.secure-login.com``; the host itself when it is a bare public suffix or an IP."""
    host = normalise_domain(host)
    if not host or is_ip_address(host):
        return host
    _, label, suffix = _split(host)
    if not label:
        return host
    if not suffix:
        # An ending not on the public-suffix list (.example, .internal): the last two labels.
        return ".".join(host.split(".")[-2:])
    return f"{label}.{suffix}"


class LookalikeKind(enum.StrEnum):
    """How a domain imitates a known one."""

    HOMOGLYPH = "homoglyph"
    """Letters from another alphabet or lookalike digits (``pаypal.com``, ``paypa1.com``)."""
    MIXED_SCRIPT = "mixed_script"
    """A name mixing alphabets (Latin and Cyrillic), a trick with no honest use in a domain."""
    TYPO = "typo"
    """One or two letters swapped, missing or added (``parliment.uk``, ``paypall.com``)."""
    TLD_SWAP = "tld_swap"
    """The same name with another ending (``parliament.co`` for ``parliament.uk``)."""
    FLATTENED = "flattened"
    """The whole known domain squeezed into one name (``parliament-uk.co``, ``govuk.com``)."""
    EXTRA_WORDS = "extra_words"
    """The known name with words added (``paypal-security.com``, ``hmrc-refunds.net``)."""
    SUBDOMAIN = "subdomain"
    """The known name put in front of another domain (``parliament.uk.secure-login.com``)."""


@dataclass(frozen=True, slots=True)
class LookalikeMatch:
    """A domain that imitates a known one."""

    domain: str
    """The domain as seen (punycode decoded)."""
    looks_like: str
    """The known domain it imitates."""
    kind: LookalikeKind
    """Which trick is used."""

    @property
    def explanation(self) -> str:
        """One plain sentence on the trick."""
        return _EXPLANATIONS[self.kind].format(domain=self.domain, known=self.looks_like)


_EXPLANATIONS: dict[LookalikeKind, str] = {
    LookalikeKind.HOMOGLYPH: "{domain} uses lookalike characters to pass for {known}",
    LookalikeKind.MIXED_SCRIPT: (
        "{domain} mixes letters from different alphabets to pass for {known}"
    ),
    LookalikeKind.TYPO: "{domain} differs from {known} by a letter or two",
    LookalikeKind.TLD_SWAP: "{domain} has the same name as {known} with a different ending",
    LookalikeKind.FLATTENED: "{domain} squeezes {known} into a different domain",
    LookalikeKind.EXTRA_WORDS: "{domain} adds words to the name {known} but does not belong to it",
    LookalikeKind.SUBDOMAIN: "{domain} puts {known} in front of a different domain",
}


def _scripts(text: str) -> set[str]:
    scripts = set()
    for char in text:
        if char.isalpha():
            name = unicodedata.name(char, "")
            scripts.add(name.split(" ", 1)[0] if name else "UNKNOWN")
    return scripts


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, stopping early above ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _owns(host: str, known: str) -> bool:
    return host == known or host.endswith("." + known)


@dataclass(frozen=True, slots=True)
class _Known:
    domain: str
    label: str
    """The distinctive name: ``parliament`` for parliament.uk, ``hmrc`` for hmrc.gov.uk,
    ``gov`` for gov.uk (a bare public suffix)."""
    flat: str
    """The domain without dots: ``parliamentuk``."""


@functools.lru_cache(maxsize=256)
def _prepare(known_domains: frozenset[str]) -> tuple[_Known, ...]:
    prepared = []
    for domain in sorted(known_domains):
        domain = normalise_domain(domain)
        if not domain or is_ip_address(domain):
            continue
        _, label, _ = _split(domain)
        label = label or domain.split(".", 1)[0]
        prepared.append(_Known(domain, label, domain.replace(".", "")))
    return tuple(prepared)


# Known names that are also everyday words: as a subdomain label alone (outlook.example.biz)
# they prove nothing; the whole domain (outlook.com.example.biz) still counts.
_GENERIC_LABELS = frozenset(
    {"outlook", "office", "apple", "chase", "police", "halifax", "nationwide"}
)


def _typo_limit(length: int) -> int:
    if length >= 9:
        return 2
    if length >= 5:
        return 1
    return 0


def lookalike_of(domain: str, known_domains: Iterable[str]) -> LookalikeMatch | None:
    """The known domain that ``domain`` imitates, or ``None``.

    ``None`` also when ``domain`` is one of the known domains or a subdomain of one
    (``mail.parliament.uk`` belongs to parliament.uk). Known domains are registered domains
    (``parliament.uk``, ``hmrc.gov.uk``) or bare public suffixes (``gov.uk``, ``nhs.uk``).
    A domain whose name mixes alphabets is reported even when it imitates nothing known.
    """
    if not isinstance(known_domains, frozenset):
        known_domains = frozenset(known_domains)
    return _lookalike_of(normalise_domain(domain), known_domains)


@functools.lru_cache(maxsize=8192)
def _lookalike_of(host: str, known_domains: frozenset[str]) -> LookalikeMatch | None:
    if not host or is_ip_address(host):
        return None
    known = _prepare(known_domains)
    if any(_owns(host, entry.domain) for entry in known):
        return None
    # The known brand's own alternates are genuine too (microsoft.com also sends from office.com).
    for entry in known:
        alternates = WELL_KNOWN_BRANDS.get(entry.domain, ("", ()))[1]
        if any(_owns(host, alternate) for alternate in alternates):
            return None
    subdomain, label, suffix = _split(host)
    if not label:
        return None
    host_skeleton = skeleton(host)
    label_skeleton = skeleton(label)
    flat_label = label_skeleton.replace("-", "")
    mixed = len(_scripts(label)) > 1
    sub_labels = subdomain.split(".") if subdomain else []
    best: LookalikeMatch | None = None
    for entry in known:
        kind = _compare(
            host,
            host_skeleton,
            label,
            label_skeleton,
            flat_label,
            suffix,
            sub_labels,
            subdomain,
            entry,
        )
        if kind is None:
            continue
        if mixed and kind in (LookalikeKind.HOMOGLYPH, LookalikeKind.TYPO):
            kind = LookalikeKind.MIXED_SCRIPT
        match = LookalikeMatch(host, entry.domain, kind)
        if best is None or _KIND_RANK[kind] > _KIND_RANK[best.kind]:
            best = match
    if best is None and mixed:
        return LookalikeMatch(
            host, label_skeleton + ("." + suffix if suffix else ""), LookalikeKind.MIXED_SCRIPT
        )
    return best


_KIND_RANK = {
    LookalikeKind.HOMOGLYPH: 7,
    LookalikeKind.MIXED_SCRIPT: 6,
    LookalikeKind.SUBDOMAIN: 5,
    LookalikeKind.FLATTENED: 4,
    LookalikeKind.TYPO: 3,
    LookalikeKind.TLD_SWAP: 2,
    LookalikeKind.EXTRA_WORDS: 1,
}


def _compare(
    host: str,
    host_skeleton: str,
    label: str,
    label_skeleton: str,
    flat_label: str,
    suffix: str,
    sub_labels: list[str],
    subdomain: str,
    entry: _Known,
) -> LookalikeKind | None:
    # Exactly the known domain once lookalike characters are read as Latin.
    if host_skeleton == entry.domain or host_skeleton.endswith("." + entry.domain):
        return LookalikeKind.HOMOGLYPH
    # The known domain in front of somebody else's: parliament.uk.secure-login.com.
    if subdomain and (
        ("." + subdomain + ".").find("." + entry.domain + ".") >= 0
        or (
            len(entry.label) >= 5
            and entry.label not in _GENERIC_LABELS
            and entry.label in sub_labels
        )
    ):
        return LookalikeKind.SUBDOMAIN
    if len(entry.flat) >= 5 and flat_label == entry.flat:
        return LookalikeKind.FLATTENED
    if label == entry.label:
        # Same name, other ending: parliament.co for parliament.uk, gov.co for gov.uk.
        return LookalikeKind.TLD_SWAP
    if label_skeleton == entry.label:
        return LookalikeKind.HOMOGLYPH
    limit = _typo_limit(len(entry.label))
    if limit and _edit_distance(label_skeleton, entry.label, limit) <= limit:
        return LookalikeKind.TYPO
    if len(entry.label) >= 4:
        words = label_skeleton.split("-")
        if len(words) > 1 and (entry.label in words or entry.flat in words):
            return LookalikeKind.EXTRA_WORDS
        if (
            len(words) > 1
            and entry.flat.startswith(entry.label)
            and "".join(words[:2]) == entry.flat
        ):
            return LookalikeKind.FLATTENED
    return None
