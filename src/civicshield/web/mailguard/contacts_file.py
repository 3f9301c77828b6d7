"""Read an address book file row by row, so each bad row can be reported and skipped.

The parsing itself is the core's (``TrustedDirectory.from_csv`` / ``from_vcard``), applied to one
row or one card at a time: a row it cannot read gives no contact, and that row is reported.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from civicshield.core.mail import ERROR_CSV_NO_COLUMNS, TrustedDirectory

ERROR_NO_ADDRESS = "no valid email address"
ERROR_NOT_TEXT = "The file is not a text file (CSV or vCard). Export the address book again."
ERROR_EMPTY_FILE = "The file is empty."
ERROR_NO_CARDS = "No contact cards (BEGIN:VCARD) were found in the file."
ERROR_NO_EMAIL_COLUMN = (
    "The CSV file needs a column with email addresses (for example a column headed 'email')."
)

_PHONE_HEADERS = ("phone", "mobile", "tel")
_CARD = re.compile(r"BEGIN:VCARD.*?END:VCARD", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class ContactRow:
    """One contact read from the file."""

    name: str
    """The name as written in the address book (the address when there is none)."""
    email: str
    """One known address, lower case."""
    phone: str
    """The first phone number given, or ``""``."""


@dataclass(frozen=True)
class RowError:
    """A row or card that was skipped."""

    where: str
    """``row 4`` or ``card 2 (Jo Bloggs)``."""
    reason: str
    """Why, in plain words."""


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, as address book exports come."""
    if b"\x00" in data[:4096]:
        # UTF-16 exports (older Outlook) carry NUL bytes; so do binary files.
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ValueError(ERROR_NOT_TEXT) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_csv(text: str) -> Iterator[ContactRow | RowError]:
    """Contacts from a CSV address book with a header row; bad rows come out as RowError.

    Raises ValueError with a plain-words message when the file as a whole cannot be read.
    """
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ValueError(ERROR_EMPTY_FILE)
    header = rows[0]
    phone_columns = [
        i for i, h in enumerate(header) if any(word in h.lower() for word in _PHONE_HEADERS)
    ]
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        one = io.StringIO()
        csv.writer(one).writerows([header, row])
        try:
            directory = TrustedDirectory.from_csv(one.getvalue())
        except ValueError as exc:
            if str(exc) == ERROR_CSV_NO_COLUMNS:
                raise ValueError(ERROR_NO_EMAIL_COLUMN) from exc
            raise
        phone = next((row[i].strip() for i in phone_columns if i < len(row) and row[i].strip()), "")
        found = list(_rows(directory, phone))
        if not found:
            yield RowError(f"row {number}", ERROR_NO_ADDRESS)
        yield from found


def read_vcard(text: str) -> Iterator[ContactRow | RowError]:
    """Contacts from a vCard file (one or many cards); bad cards come out as RowError."""
    cards = _CARD.findall(text)
    if not cards:
        raise ValueError(ERROR_NO_CARDS)
    for number, card in enumerate(cards, start=1):
        directory = TrustedDirectory.from_vcard(card)
        found = list(_rows(directory, _vcard_phone(card)))
        if not found:
            name = _vcard_name(card)
            where = f"card {number}" + (f" ({name})" if name else "")
            yield RowError(where, ERROR_NO_ADDRESS)
        yield from found


def _rows(directory: TrustedDirectory, phone: str) -> Iterator[ContactRow]:
    for name, addresses in directory.contacts.items():
        for address in sorted(addresses):
            yield ContactRow(name=name[:200], email=address, phone=phone[:50])


def _unfolded_lines(card: str) -> list[str]:
    return re.sub(r"\r?\n[ \t]", "", card).splitlines()


def _vcard_phone(card: str) -> str:
    for line in _unfolded_lines(card):
        key, _, value = line.partition(":")
        if key.split(";", 1)[0].split(".")[-1].upper() == "TEL" and value.strip():
            return value.strip().removeprefix("tel:")
    return ""


def _vcard_name(card: str) -> str:
    for line in _unfolded_lines(card):
        key, _, value = line.partition(":")
        if key.split(";", 1)[0].upper() == "FN":
            return value.strip()[:100]
    return ""
