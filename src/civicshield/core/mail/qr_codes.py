"""Web addresses hidden in QR codes: the pictures in an email, read like its links.

"Scan to keep your account" phishing ("quishing") puts the link in a QR code, so that filters
that read links see none and the page is opened on a phone, away from the office's
protections. The codes in attached and inline pictures, in pictures written into the HTML as
``data:`` addresses, and on the rendered first pages of attached PDFs (``pdf.py``) are read with
zxing-cpp; each web address found becomes a ``Link`` with ``in_qr_code=True`` and goes through
the same link checks as any other (``attachment_links.py`` adds them to the email).

Bounded on purpose: at most ``MAX_IMAGES`` pictures of at most ``MAX_IMAGE_BYTES`` and
``MAX_PIXELS`` each; a damaged picture is skipped, never an error.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Iterator

import zxingcpp
from PIL import Image

from civicshield.core.mail.parse import Link, ParsedMail, host_of, scheme_of
from civicshield.core.privacy.images import ImageError, load_pixels, open_image

__all__ = ["MAX_IMAGES", "qr_links"]

MAX_IMAGES = 10
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 16_000_000
"""A 4000 x 4000 picture; a QR code meant to be scanned from a screen needs far fewer."""
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


def qr_links(mail: ParsedMail, pdf_pages: Iterable[Image.Image] = ()) -> tuple[Link, ...]:
    """The web addresses in the QR codes of the email's pictures (and of ``pdf_pages``, its
    PDFs' rendered pages), first seen first."""
    links: dict[str, Link] = {}
    for number, data in enumerate(_pictures(mail)):
        if number >= MAX_IMAGES:
            break
        picture = _grey_picture(data)
        if picture is not None:
            _add_links(links, _codes(picture))
    for page in pdf_pages:
        _add_links(links, _codes(page))
    return tuple(links.values())


def _add_links(links: dict[str, Link], texts: list[str]) -> None:
    for text in texts:
        match = _WEB_ADDRESS.match(text.strip())
        if match and match.group(0) not in links:
            url = match.group(0)
            links[url] = Link(url, host_of(url), "", scheme_of(url), in_qr_code=True)
