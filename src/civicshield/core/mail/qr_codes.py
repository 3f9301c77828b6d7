"""Web addresses hidden in QR codes: the pictures in an email, read like its links.

"Scan to keep your account" phishing ("quishing") puts the link in a QR code, so that filters
that read links see none and the page is opened on a phone, away from the office's
protections. The codes in attached and inline pictures, in pictures written into the HTML as
``data:`` addresses, and on the first pages of attached PDFs (rendered with pypdfium2) are read
with zxing-cpp; each web address found becomes a ``Link`` with ``in_qr_code=True`` and goes
through the same link checks as any other.

Bounded on purpose: at most ``MAX_IMAGES`` pictures of at most ``MAX_IMAGE_BYTES`` and
``MAX_PIXELS`` each, and ``MAX_PDF_PAGES`` pages of at most ``MAX_PDFS`` PDFs; a damaged picture
or PDF is skipped, never an error.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import math
import re
import threading
from collections.abc import Iterator

import pypdfium2
import zxingcpp
from PIL import Image

from civicshield.core.mail.parse import Link, ParsedMail, host_of, scheme_of
from civicshield.core.privacy.images import ImageError, load_pixels, open_image

__all__ = ["MAX_IMAGES", "qr_links", "with_qr_links"]

MAX_IMAGES = 10
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 16_000_000
"""A 4000 x 4000 picture; a QR code meant to be scanned from a screen needs far fewer."""
MAX_PDFS = 3
MAX_PDF_PAGES = 2
"""Lures put the code where it is seen at once: on the first page or two."""
PDF_DPI = 150
# PDFium must never be called from two threads at once, even for different documents
# (pypdfium2's documentation); the web app checks mail in worker threads.
_PDFIUM = threading.Lock()
_DATA_IMAGE = re.compile(
    r"""src\s*=\s*["']?data:image/(?:png|jpe?g|gif|webp);base64,([A-Za-z0-9+/=\s]{40,})""",
    re.IGNORECASE,
)
_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
_WEB_ADDRESS = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


def _pictures(mail: ParsedMail) -> Iterator[bytes]:
    for attachment in mail.attachments:
        if attachment.content_type.startswith("image/") and attachment.payload:
            yield attachment.payload
    for match in _DATA_IMAGE.finditer(mail.html):
        try:
            yield base64.b64decode("".join(match.group(1).split()), validate=True)
        except (binascii.Error, ValueError):
            continue


def _is_pdf(content_type: str, filename: str, payload: bytes) -> bool:
    return (
        content_type == "application/pdf"
        or filename.lower().endswith(".pdf")
        or payload[:1024].lstrip().startswith(b"%PDF-")
    )


def _pdf_pages(data: bytes) -> list[Image.Image]:
    """The first pages of a PDF as grey pictures (none if it cannot be read or is locked)."""
    if len(data) > MAX_IMAGE_BYTES:
        return []
    pages: list[Image.Image] = []
    with _PDFIUM:
        try:
            document = pypdfium2.PdfDocument(data)
        except (pypdfium2.PdfiumError, ValueError, OSError):
            return []
        try:
            for number in range(min(len(document), MAX_PDF_PAGES)):
                page = document[number]
                try:
                    width, height = page.get_size()
                    scale = PDF_DPI / 72
                    if width * height * scale * scale > MAX_PIXELS:
                        scale = math.sqrt(MAX_PIXELS / max(width * height, 1.0))
                    bitmap = page.render(scale=scale, grayscale=True)
                    pages.append(bitmap.to_pil().convert("L"))
                finally:
                    page.close()
        except (pypdfium2.PdfiumError, ValueError, OSError):
            pass
        finally:
            document.close()
    return pages


def _pictures_of_pdfs(mail: ParsedMail) -> Iterator[Image.Image]:
    pdfs = [
        a.payload
        for a in mail.attachments
        if a.payload and _is_pdf(a.content_type, a.filename, a.payload)
    ]
    for data in pdfs[:MAX_PDFS]:
        yield from _pdf_pages(data)


def _grey_picture(data: bytes) -> Image.Image | None:
    """One attached or inline picture, decoded within the limits (None if it cannot be)."""
    if len(data) > MAX_IMAGE_BYTES:
        return None
    try:
        with open_image(data) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                return None
            load_pixels(image)
            grey: Image.Image = image.convert("L")
    except ImageError:
        return None
    return grey


def _codes(picture: Image.Image) -> list[str]:
    """The texts of the QR codes in one picture."""
    found = zxingcpp.read_barcodes(picture, formats=_QR_ONLY)
    return [code.text for code in found if code.valid and code.text]


def qr_links(mail: ParsedMail) -> tuple[Link, ...]:
    """The web addresses in the QR codes of the email's pictures, first seen first."""
    links: dict[str, Link] = {}
    for number, data in enumerate(_pictures(mail)):
        if number >= MAX_IMAGES:
            break
        picture = _grey_picture(data)
        if picture is not None:
            _add_links(links, _codes(picture))
    for page in _pictures_of_pdfs(mail):
        _add_links(links, _codes(page))
    return tuple(links.values())


def _add_links(links: dict[str, Link], texts: list[str]) -> None:
    for text in texts:
        match = _WEB_ADDRESS.match(text.strip())
        if match and match.group(0) not in links:
            url = match.group(0)
            links[url] = Link(url, host_of(url), "", scheme_of(url), in_qr_code=True)


def with_qr_links(mail: ParsedMail) -> ParsedMail:
    """``mail`` with the QR codes' web addresses added to its links (unchanged if none)."""
    found = qr_links(mail)
    return dataclasses.replace(mail, links=mail.links + found) if found else mail
