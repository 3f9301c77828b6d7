"""The office's trusted contacts (name -> addresses) and its own domains.

Loaded from the office's address book: a CSV export (Outlook, Google Contacts or a plain
``name,email`` sheet) or a vCard file (.vcf). In the web app each office keeps its own.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from civicshield.core.lookalike import domain_of_address, normalise_domain, normalise_name

__all__ = ["ERROR_CSV_NO_COLUMNS", "TrustedDirectory"]

ERROR_CSV_NO_COLUMNS = "the contacts CSV needs a column with email addresses (for example 'email')"

_EMAIL = re.compile(r"[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"']+")
_NAME_COLUMNS = ("name", "full name", "display name", "display_name", "fn", "contact")
_FIRST_COLUMNS = ("first name", "first", "given name", "given_name", "firstname")
_LAST_COLUMNS = ("last name", "last", "surname", "family name", "family_name", "lastname")


@dataclass(frozen=True)
class TrustedDirectory:
    """Who the office knows and which domains are its own."""

    contacts: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Contact name as written in the address book -> that person's known addresses (lower case)."""
    own_domains: frozenset[str] = frozenset()
    """The office's own domains (``parliament.uk``); mail from them is still checked."""
    trusted_domains: frozenset[str] = frozenset()
    """Other domains the office trusts (partners, the council)."""

    @functools.cached_property
    def addresses(self) -> frozenset[str]:
        """Every trusted address."""
        return frozenset(a for addresses in self.contacts.values() for a in addresses)

    @functools.cached_property
    def domains(self) -> frozenset[str]:
        """Own and trusted domains, plus the domains of contacts' addresses outside free mail."""
        from_contacts = {
            domain_of_address(address)
            for address in self.addresses
            if domain_of_address(address) not in FREE_MAIL_DOMAINS
        }
        return self.own_domains | self.trusted_domains | frozenset(d for d in from_contacts if d)

    def contact_for_address(self, address: str) -> str | None:
        """The contact whose known address this is, or ``None``."""
        address = address.lower()
        for name, addresses in self.contacts.items():
            if address in addresses:
                return name
        return None

    def is_colleague(self, name: str) -> bool:
        """True when a contact writes from one of the office's own domains (a colleague)."""
        return any(
            (domain := domain_of_address(address))
            and any(domain == d or domain.endswith("." + d) for d in self.own_domains)
            for address in self.contacts.get(name, ())
        )

    def is_trusted_address(self, address: str) -> bool:
        """True for a known contact address or any address at an own or trusted domain."""
        address = address.lower()
        if address in self.addresses:
            return True
        domain = domain_of_address(address)
        return bool(domain) and any(
            domain == d or domain.endswith("." + d) for d in self.own_domains | self.trusted_domains
        )

    def with_domains(
        self, own: Iterable[str] = (), trusted: Iterable[str] = ()
    ) -> TrustedDirectory:
        """A copy with more own or trusted domains."""
        return TrustedDirectory(
            dict(self.contacts),
            self.own_domains | {normalise_domain(d) for d in own if d.strip()},
            self.trusted_domains | {normalise_domain(d) for d in trusted if d.strip()},
        )

    def merged(self, other: TrustedDirectory) -> TrustedDirectory:
        """Both directories in one."""
        contacts: dict[str, frozenset[str]] = dict(self.contacts)
        for name, addresses in other.contacts.items():
            contacts[name] = contacts.get(name, frozenset()) | addresses
        return TrustedDirectory(
            contacts,
            self.own_domains | other.own_domains,
            self.trusted_domains | other.trusted_domains,
        )

    @classmethod
    def from_pairs(
        cls, pairs: Iterable[tuple[str, str]], *, own_domains: Iterable[str] = ()
    ) -> TrustedDirectory:
        """From (name, address) pairs; a name may appear more than once."""
        contacts: dict[str, set[str]] = {}
        for name, address in pairs:
            name = " ".join(name.split())
            address = address.strip().lower()
            if not _EMAIL.fullmatch(address):
                continue
            key = name or address
            contacts.setdefault(key, set()).add(address)
        return cls(
            {name: frozenset(addresses) for name, addresses in contacts.items()},
            frozenset(normalise_domain(d) for d in own_domains if d.strip()),
        )

    @classmethod
    def from_csv(cls, text: str, *, own_domains: Iterable[str] = ()) -> TrustedDirectory:
        """From a CSV address book with a header row.

        The name is read from a ``name``/``full name``/``display name`` column, or from first and
        last name columns; addresses from every column whose header mentions e-mail. Raises
        ``ValueError(ERROR_CSV_NO_COLUMNS)`` when no such column exists.
        """
        reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
        header = next(reader, None)
        if not header:
            raise ValueError(ERROR_CSV_NO_COLUMNS)
        lowered = [h.strip().lower() for h in header]
        email_columns = [
            i for i, h in enumerate(lowered) if "mail" in h and "type" not in h and "label" not in h
        ]
        if not email_columns:
            raise ValueError(ERROR_CSV_NO_COLUMNS)
        name_column = next((i for i, h in enumerate(lowered) if h in _NAME_COLUMNS), None)
        first_column = next((i for i, h in enumerate(lowered) if h in _FIRST_COLUMNS), None)
        last_column = next((i for i, h in enumerate(lowered) if h in _LAST_COLUMNS), None)
        pairs: list[tuple[str, str]] = []
        for row in reader:
            name = _cell(row, name_column) or " ".join(
                part for part in (_cell(row, first_column), _cell(row, last_column)) if part
            )
            for column in email_columns:
                for address in _EMAIL.findall(_cell(row, column)):
                    pairs.append((name, address))
        return cls.from_pairs(pairs, own_domains=own_domains)

    @classmethod
    def from_vcard(cls, text: str, *, own_domains: Iterable[str] = ()) -> TrustedDirectory:
        """From a vCard (.vcf) file with one or many cards (versions 2.1, 3.0, 4.0)."""
        # Unfold continuation lines (RFC 6350 section 3.2).
        unfolded = re.sub(r"\r?\n[ \t]", "", text.lstrip("\ufeff"))
        pairs: list[tuple[str, str]] = []
        name = ""
        structured = ""
        addresses: list[str] = []
        for line in unfolded.splitlines():
            key, _, value = line.partition(":")
            prop = key.split(";", 1)[0].split(".")[-1].upper()
            if prop == "BEGIN":
                name, structured, addresses = "", "", []
            elif prop == "FN":
                name = _vcard_unescape(value)
            elif prop == "N":
                parts = [_vcard_unescape(p) for p in value.split(";")]
                structured = " ".join(p for p in (parts[1:2] + parts[:1]) if p)
            elif prop == "EMAIL":
                addresses.extend(_EMAIL.findall(value))
            elif prop == "END":
                for address in addresses:
                    pairs.append((name or structured, address))
        return cls.from_pairs(pairs, own_domains=own_domains)

    @classmethod
    def from_file_text(cls, text: str, *, own_domains: Iterable[str] = ()) -> TrustedDirectory:
        """vCard when the text has ``BEGIN:VCARD``, CSV otherwise."""
        if "BEGIN:VCARD" in text.upper():
            return cls.from_vcard(text, own_domains=own_domains)
        return cls.from_csv(text, own_domains=own_domains)

    def names_for_matching(self) -> dict[str, str]:
        """Normalised name -> contact name (for quick exact look-ups)."""
        return {normalise_name(name): name for name in self.contacts}


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def _vcard_unescape(value: str) -> str:
    return value.replace("\\,", ",").replace("\\;", ";").replace("\\n", " ").strip()


# Free mail providers: a contact's gmail address does not make gmail.com a trusted domain.
FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "live.com",
        "live.co.uk",
        "msn.com",
        "yahoo.com",
        "yahoo.co.uk",
        "ymail.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "protonmail.com",
        "proton.me",
        "gmx.com",
        "gmx.co.uk",
        "mail.com",
        "btinternet.com",
        "sky.com",
        "talktalk.net",
        "virginmedia.com",
        "zoho.com",
        "yandex.com",
        "yandex.ru",
        "mail.ru",
        "qq.com",
        "163.com",
        "126.com",
        "tutanota.com",
        "fastmail.com",
    }
)
