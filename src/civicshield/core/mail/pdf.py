"""What an attached PDF shows and where its links go, read with pypdfium2 (Chrome's PDFium).

Lures put their link in a PDF so that filters reading the email's body see none: a "View
document" button (a link annotation), a web address written on the page, or a QR code (the
pages are rendered as pictures for ``qr_codes.py``). Only the first pages are read; a damaged,
locked or oversized PDF gives nothing, never an error.
"""

from __future__ import annotations

import ctypes
import math
import threading
from dataclasses import dataclass

import pypdfium2
import pypdfium2.raw as pdfium_c
from PIL import Image

# Pages are rendered to be read for QR codes: the same size bound as any other picture.
from civicshield.core.mail.qr_codes import MAX_PIXELS

__all__ = ["MAX_PDF_BYTES", "PdfContent", "is_pdf", "read_pdf"]

MAX_PDF_BYTES = 5 * 1024 * 1024
RENDER_PAGES = 2
"""Lures put a QR code where it is seen at once: on the first page or two."""
LINK_PAGES = 5
MAX_LINKS = 50
RENDER_DPI = 150
# PDFium must never be called from two threads at once, even for different documents
# (pypdfium2's documentation); the web app checks mail in worker threads.
_PDFIUM = threading.Lock()
_ERRORS = (pypdfium2.PdfiumError, ValueError, OSError, UnicodeDecodeError)


@dataclass(frozen=True)
class PdfContent:
    pages: tuple[Image.Image, ...]
    """The first ``RENDER_PAGES`` pages as grey pictures."""
    links: tuple[str, ...]
    """Web addresses of link annotations and written on the first ``LINK_PAGES`` pages."""


def is_pdf(content_type: str, filename: str, payload: bytes) -> bool:
    """Whether an attachment is a PDF, by its declared type, its name or its first bytes."""
    return (
        content_type == "application/pdf"
        or filename.lower().endswith(".pdf")
        or payload[:1024].lstrip().startswith(b"%PDF-")
    )


def read_pdf(data: bytes) -> PdfContent | None:
    """The first pages and the links of a PDF, or ``None`` if it cannot be read."""
    if len(data) > MAX_PDF_BYTES:
        return None
    with _PDFIUM:
        try:
            document = pypdfium2.PdfDocument(data)
        except _ERRORS:
            return None
        pages: list[Image.Image] = []
        links: dict[str, None] = {}
        try:
            for number in range(min(len(document), max(RENDER_PAGES, LINK_PAGES))):
                page = document[number]
                try:
                    if number < RENDER_PAGES:
                        pages.append(_render(page))
                    if number < LINK_PAGES and len(links) < MAX_LINKS:
                        links.update(dict.fromkeys(_annotation_links(document, page)))
                        links.update(dict.fromkeys(_written_links(page)))
                finally:
                    page.close()
        except _ERRORS:
            pass
        finally:
            document.close()
    return PdfContent(tuple(pages), tuple(links)[:MAX_LINKS])


def _render(page: pypdfium2.PdfPage) -> Image.Image:
    width, height = page.get_size()
    scale = RENDER_DPI / 72
    if width * height * scale * scale > MAX_PIXELS:
        scale = math.sqrt(MAX_PIXELS / max(width * height, 1.0))
    picture: Image.Image = page.render(scale=scale, grayscale=True).to_pil().convert("L")
    return picture


def _annotation_links(document: pypdfium2.PdfDocument, page: pypdfium2.PdfPage) -> list[str]:
    """Where the page's clickable areas go (URI actions of its link annotations)."""
    found: list[str] = []
    position = ctypes.c_int(0)
    link = pdfium_c.FPDF_LINK()
    while len(found) < MAX_LINKS and pdfium_c.FPDFLink_Enumerate(
        page.raw, ctypes.byref(position), ctypes.byref(link)
    ):
        action = pdfium_c.FPDFLink_GetAction(link)
        if not action or pdfium_c.FPDFAction_GetType(action) != pdfium_c.PDFACTION_URI:
            continue
        size = pdfium_c.FPDFAction_GetURIPath(document.raw, action, None, 0)
        if size <= 1 or size > 8192:
            continue
        buffer = ctypes.create_string_buffer(size)
        pdfium_c.FPDFAction_GetURIPath(document.raw, action, buffer, size)
        uri = buffer.value.decode("utf-8", "replace").strip()
        if uri:
            found.append(uri)
    return found


def _written_links(page: pypdfium2.PdfPage) -> list[str]:
    """Web addresses written as text on the page (PDFium's own address finder)."""
    text_page = page.get_textpage()
    found: list[str] = []
    try:
        web_links = pdfium_c.FPDFLink_LoadWebLinks(text_page.raw)
        if not web_links:
            return found
        try:
            for index in range(min(pdfium_c.FPDFLink_CountWebLinks(web_links), MAX_LINKS)):
                size = pdfium_c.FPDFLink_GetURL(web_links, index, None, 0)
                if size <= 1 or size > 8192:
                    continue
                buffer = (ctypes.c_ushort * size)()
                pdfium_c.FPDFLink_GetURL(web_links, index, buffer, size)
                raw = bytes(memoryview(buffer).cast("B"))
                found.append(raw.decode("utf-16-le", "replace").rstrip("\x00").strip())
        finally:
            pdfium_c.FPDFLink_CloseWebLinks(web_links)
    finally:
        text_page.close()
    return [url for url in found if url]
