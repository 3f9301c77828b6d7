"""Links that hide outside the email's text: in QR codes, in attached PDFs, in calendar invites.

Filters that read an email's body miss a link put in a QR code, a PDF's "View document" button
or a meeting invitation's description; lures do exactly that. ``with_attachment_links`` adds
them to the email's links, so that every link check reads them too.
"""

from __future__ import annotations

import dataclasses
import re

from civicshield.core.mail.parse import (
    Link,
    ParsedMail,
    followed,
    host_of,
    links_in_text,
    scheme_of,
)
from civicshield.core.mail.pdf import PdfContent, is_pdf, read_pdf
from civicshield.core.mail.qr_codes import qr_links

__all__ = ["MAX_PDFS", "attachment_links", "with_attachment_links"]

MAX_PDFS = 3
MAX_CALENDAR_CHARS = 200_000
_CALENDAR_TYPES = ("text/calendar", "application/ics")
# iCalendar folds long lines: a line break followed by one space or tab continues the line.
_FOLD = re.compile(r"\r?\n[ \t]")
_UNESCAPE = re.compile(r"\\([,;\\nN])")


def _pdfs(mail: ParsedMail) -> list[PdfContent]:
    payloads = [
        a.payload
        for a in mail.attachments
        if a.payload and is_pdf(a.content_type, a.filename, a.payload)
    ]
    return [content for data in payloads[:MAX_PDFS] if (content := read_pdf(data)) is not None]


def _calendar_links(mail: ParsedMail) -> list[Link]:
    found: list[Link] = []
    for attachment in mail.attachments:
        if attachment.content_type in _CALENDAR_TYPES or attachment.filename.lower().endswith(
            ".ics"
        ):
            text = _FOLD.sub("", attachment.payload[:MAX_CALENDAR_CHARS].decode("utf-8", "replace"))
            found += links_in_text(_UNESCAPE.sub(_unescaped, text))
    return found


def _unescaped(escape: re.Match[str]) -> str:
    # iCalendar text escapes commas, semicolons, backslashes and line breaks ("u=office\\, thanks").
    return "\n" if escape.group(1) in "nN" else escape.group(1)


def _pdf_links(pdfs: list[PdfContent]) -> list[Link]:
    return followed(
        [Link(url, host_of(url), "", scheme_of(url)) for pdf in pdfs for url in pdf.links]
    )


def attachment_links(mail: ParsedMail) -> tuple[Link, ...]:
    """The links hidden in the email's pictures and attachments that its body does not have."""
    pdfs = _pdfs(mail)
    known = {link.url for link in mail.links}
    added: list[Link] = []
    in_codes = followed(list(qr_links(mail, [page for pdf in pdfs for page in pdf.pages])))
    for link in in_codes + _pdf_links(pdfs) + _calendar_links(mail):
        if link.url not in known and link.scheme in ("http", "https"):
            known.add(link.url)
            added.append(link)
    return tuple(added)


def with_attachment_links(mail: ParsedMail) -> ParsedMail:
    """``mail`` with the links hidden in its pictures and attachments added (unchanged if none)."""
    added = attachment_links(mail)
    return dataclasses.replace(mail, links=mail.links + added) if added else mail
