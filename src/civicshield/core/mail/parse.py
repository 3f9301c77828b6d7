"""Turn the raw bytes of one email into a plain view the checks can read.

Robust on purpose: broken MIME boundaries, unknown or wrong character sets, missing headers and
truncated bodies still give a view (the email package is lenient and we decode with
replacement characters). Only input that is not an email at all, is empty, or is enormous
raises ``MailParseError``. Sizes are capped so a 20 MB message costs the same as a 1 MB one.
"""

from __future__ import annotations

import dataclasses
import email
import email.header
import email.policy
import email.utils
import html
import re
from dataclasses import dataclass, field
from email.message import Message

from civicshield.core.lookalike import normalise_domain
from civicshield.core.mail.unwrap import embedded_destination, unwrap

__all__ = [
    "ERROR_EMPTY",
    "ERROR_NOT_EMAIL",
    "ERROR_TOO_LARGE",
    "MAX_MESSAGE_BYTES",
    "Attachment",
    "Link",
    "MailParseError",
    "ParsedMail",
    "followed",
    "host_of",
    "links_in_text",
    "parse",
    "scheme_of",
]

MAX_MESSAGE_BYTES = 25 * 1024 * 1024
"""Larger messages are refused (most mail servers refuse above 25 MB too)."""
MAX_BODY_CHARS = 200_000
"""Text and HTML bodies are read up to this many characters each; lures are near the top."""
MAX_LINKS = 200
MAX_ATTACHMENTS = 50
MAX_PARTS = 200

ERROR_EMPTY = "the message is empty"
ERROR_NOT_EMAIL = "this is not an email message (no mail headers found)"
ERROR_TOO_LARGE = (
    f"the message is larger than {MAX_MESSAGE_BYTES // (1024 * 1024)} MB and was not analysed"
)


class MailParseError(ValueError):
    """The bytes cannot be read as an email; the message is the plain-words reason."""


@dataclass(frozen=True, slots=True)
class Link:
    """A link found in the body."""

    url: str
    """Where the link goes (the ``href``, or the address written in plain text)."""
    host: str
    """The host name of ``url``, normalised (lower case, punycode decoded); ``""`` if none."""
    text: str
    """What the reader sees as the link (for HTML links); ``""`` for plain-text links."""
    scheme: str
    """``http``, ``https``, ``data``, ``mailto``..."""
    in_qr_code: bool = False
    """True for a web address read from a QR code in a picture (``qr_codes.py``)."""


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to the message (or an inline non-text part)."""

    filename: str
    """The file name as given by the sender (may be empty or misleading)."""
    content_type: str
    """The declared MIME type, lower case."""
    payload: bytes
    """The decoded content (``b""`` when it could not be decoded)."""


@dataclass(frozen=True)
class ParsedMail:
    """What the checks read. Header values are decoded to text."""

    message_id: str
    subject: str
    from_name: str
    """The display name part of From (may hide invisible characters; checks normalise it)."""
    from_address: str
    """The address part of From, lower case; ``""`` if missing."""
    from_domain: str
    reply_to: tuple[str, ...]
    """Reply-To addresses, lower case."""
    return_path: str
    """The Return-Path (envelope sender) address, lower case; ``""`` if missing or empty."""
    authentication_results: tuple[str, ...]
    """Every Authentication-Results header, topmost first."""
    is_mailing_list: bool
    """True when the message carries List-Id or List-Post headers (list software rewrote it)."""
    text: str
    """All text/plain parts, joined and capped."""
    html: str
    """All text/html parts, joined and capped (raw markup)."""
    html_text: str
    """The visible words of the HTML parts (tags removed)."""
    links: tuple[Link, ...]
    attachments: tuple[Attachment, ...]
    defects: int
    """How many structural defects the parser met (broken boundaries, bad headers...)."""
    header_names: frozenset[str] = field(default_factory=frozenset)
    """Lower-case names of every header present (after X-Spam-* headers were removed)."""
    from_address_count: int = 1
    """How many addresses the From line holds (genuine mail has one)."""

    @property
    def body_text(self) -> str:
        """Plain text if there is some, else the visible text of the HTML."""
        return self.text if self.text.strip() else self.html_text


def _decode_header(value: object) -> str:
    if value is None:
        return ""
    raw = str(value)
    try:
        # A Header object (raw 8-bit bytes in the header) decodes as itself, not as its str().
        parts = email.header.decode_header(value if isinstance(value, email.header.Header) else raw)
    except (email.errors.HeaderParseError, ValueError, LookupError):
        return raw
    out = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            out.append(_decode_bytes(chunk, charset))
        else:
            out.append(chunk)
    text = "".join(out)
    return " ".join(text.split()) if "\n" in text or "\r" in text else text


def _decode_bytes(data: bytes, charset: str | None) -> str:
    charset = (charset or "utf-8").strip().strip('"').lower() or "utf-8"
    if charset in ("unknown-8bit", "x-unknown", "unknown", "us-ascii", "ascii", "default"):
        charset = "utf-8"
    try:
        return data.decode(charset, errors="replace")
    except (LookupError, ValueError):
        return data.decode("utf-8", errors="replace")


_ANGLE_ADDRESS = re.compile(r"<([^<>\s]*@[^<>\s]*)>\s*$")
_ANY_ANGLE_ADDRESS = re.compile(r"<[^<>\s]*@[^<>\s]*>")


def _address(value: str) -> tuple[str, str]:
    """(display name, address) as a mail program shows them, even when the name has bare commas."""
    match = _ANGLE_ADDRESS.search(value)
    if match:
        name = value[: match.start()].strip().strip('"').strip()
        return name, match.group(1).strip().lower()
    name, address = email.utils.parseaddr(value)
    return name.strip(), address.strip().lower()


# Headers that list software adds (older lists, e.g. Yahoo Groups, lack List-Id).
_LIST_HEADERS = ("List-Id", "List-Post", "Mailing-List", "X-Mailing-List", "X-Mailman-Version")
_X_SPAM = re.compile(r"^x-spam", re.IGNORECASE)
_URL_TEXT = re.compile(r"""\b((?:https?://|www\.)[^\s<>"'()\[\]{}]+)""", re.IGNORECASE)
# Every pattern below is bounded ([^<>] stops at the next tag, {0,N} caps a lazy scan) so that
# hostile markup (thousands of unclosed "<a" or "<!--") costs linear, not quadratic, time.
_ANCHOR = re.compile(r"<a\b([^<>]{0,4000})>(.{0,4000}?)</a\s*>", re.IGNORECASE | re.DOTALL)
_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_FORM_ACTION = re.compile(
    r"""<form\b[^<>]{0,4000}\baction\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE
)
_TAG = re.compile(r"<[^<>]*>")
_HOST = re.compile(r"^[a-z][a-z0-9+.-]*://(?:[^@/?#]*@)?(\[[^\]]*\]|[^/:?#]*)", re.IGNORECASE)


def _drop_blocks(markup: str) -> str:
    """Remove comments, scripts and styles in one linear pass (an unclosed one ends the text)."""
    lowered = markup.lower()
    out: list[str] = []
    position = 0
    while True:
        starts = [
            (lowered.find(opener, position), closer)
            for opener, closer in (("<!--", "-->"), ("<script", "</script"), ("<style", "</style"))
        ]
        found = [(start, closer) for start, closer in starts if start >= 0]
        if not found:
            out.append(markup[position:])
            return " ".join(out)
        start, closer = min(found)
        out.append(markup[position:start])
        end = lowered.find(closer, start + 4)
        if end < 0:
            return " ".join(out)
        position = end + len(closer)


def html_to_text(markup: str) -> str:
    """The words a reader sees in an HTML body (good enough for phrase checks, not for layout)."""
    text = html.unescape(_TAG.sub(" ", _drop_blocks(markup)))
    return " ".join(text.split())


def host_of(url: str) -> str:
    """The normalised host of a URL (``www.example.com`` links count as http)."""
    url = url.strip()
    if url.lower().startswith("www."):
        url = "http://" + url
    match = _HOST.match(url)
    if not match:
        return ""
    host = match.group(1).strip().rstrip(".")
    return normalise_domain(host) if host else ""


def scheme_of(url: str) -> str:
    """The lower-case scheme of a URL (``www.`` addresses count as http); ``""`` if none."""
    if url.lower().startswith("www."):
        return "http"
    head, sep, _ = url.partition(":")
    return head.strip().lower() if sep and head.isascii() and head.isalpha() else ""


def _links(text: str, markup: str, visible: str) -> list[Link]:
    links: list[Link] = []
    seen: set[tuple[str, str]] = set()
    for attributes, inner in _ANCHOR.findall(markup):
        href_match = _HREF.search(attributes)
        if not href_match:
            continue
        url = html.unescape(next(g for g in href_match.groups() if g is not None)).strip()
        shown = " ".join(html.unescape(_TAG.sub(" ", inner)).split())
        key = (url, shown)
        if key in seen:
            continue
        seen.add(key)
        links.append(Link(url, host_of(url), shown[:300], scheme_of(url)))
        if len(links) >= MAX_LINKS:
            return links
    # Where forms send what is typed into them.
    for match in _FORM_ACTION.finditer(markup):
        url = html.unescape(next(g for g in match.groups() if g is not None)).strip()
        if url and (url, "form") not in seen:
            seen.add((url, "form"))
            links.append(Link(url, host_of(url), "", scheme_of(url)))
    # Addresses written out as text (images' src are not links: only visible text counts).
    for source in (text, visible):
        for match in _URL_TEXT.finditer(source):
            url = html.unescape(match.group(1)).rstrip(".,;:!?")
            key = (url, "")
            if key in seen or any(link.url == url for link in links):
                continue
            seen.add(key)
            links.append(Link(url, host_of(url), "", scheme_of(url)))
            if len(links) >= MAX_LINKS:
                return links
    return links


def followed(links: list[Link]) -> list[Link]:
    """Links rewritten by a mail gateway or a well-known redirector replaced by where they go;
    the web address carried inside any other link added beside it (``unwrap.py``). Used for the
    body's links and for those found in QR codes and attachments alike."""
    out: list[Link] = []
    urls = {link.url for link in links}
    for link in links:
        destination = unwrap(link.url)
        if destination:
            out.append(
                dataclasses.replace(
                    link, url=destination, host=host_of(destination), scheme=scheme_of(destination)
                )
            )
            continue
        out.append(link)
        carried = embedded_destination(link.url)
        if carried and carried not in urls and len(links) + len(out) < 2 * MAX_LINKS:
            urls.add(carried)
            out.append(
                Link(carried, host_of(carried), "", scheme_of(carried), in_qr_code=link.in_qr_code)
            )
    return out


def links_in_text(text: str) -> list[Link]:
    """The web addresses written in plain text, followed as the body's links are."""
    return followed(_links(text, "", ""))


_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")


def _looks_like_email(raw: bytes) -> bool:
    head = raw[:4096]
    if head.count(b"\x00") > 4:
        return False
    first = head.lstrip(b"\r\n\t ").split(b"\n", 1)[0]
    if first.startswith(b"From "):
        return True
    return _HEADER_LINE.match(first) is not None


def parse(raw: bytes) -> ParsedMail:
    """Read one message. Raises ``MailParseError`` only for empty, non-email or enormous input."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise MailParseError(ERROR_TOO_LARGE)
    if not raw.strip():
        raise MailParseError(ERROR_EMPTY)
    if not _looks_like_email(raw):
        raise MailParseError(ERROR_NOT_EMAIL)
    # compat32 is the lenient, fast parser; we decode headers ourselves.
    message = email.message_from_bytes(raw.lstrip(b"\r\n\t "), policy=email.policy.compat32)
    if not message.keys():
        raise MailParseError(ERROR_NOT_EMAIL)
    # Earlier spam filters' verdicts must never reach a check: they leak the answer.
    for name in {key for key in message.keys() if _X_SPAM.match(key)}:
        del message[name]

    from_line = _decode_header(message.get("From", ""))
    from_name, from_address = _address(from_line)
    reply_to = tuple(
        address.lower()
        for _, address in email.utils.getaddresses(
            [_decode_header(v) for v in message.get_all("Reply-To", [])]
        )
        if address
    )
    return_path = _address(str(message.get("Return-Path", "")))[1]

    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[Attachment] = []
    defects = len(message.defects)
    text_size = html_size = 0
    for count, part in enumerate(message.walk()):
        if count >= MAX_PARTS:
            break
        defects += len(part.defects)
        if part.is_multipart():
            continue
        content_type = part.get_content_type().lower()
        if content_type.startswith("multipart/"):
            # A multipart whose boundary is never found: read its whole body as text, as mail
            # programs do, so the words and links inside are still checked.
            content_type = "text/plain"
        filename = _decode_header(part.get_filename() or "") if _has_filename(part) else ""
        disposition = str(part.get("Content-Disposition", "")).lower()
        if (
            content_type in ("text/plain", "text/html")
            and not filename
            and ("attachment" not in disposition)
        ):
            body = _part_text(part)
            if content_type == "text/plain" and text_size < MAX_BODY_CHARS:
                texts.append(body[: MAX_BODY_CHARS - text_size])
                text_size += len(texts[-1])
            elif content_type == "text/html" and html_size < MAX_BODY_CHARS:
                htmls.append(body[: MAX_BODY_CHARS - html_size])
                html_size += len(htmls[-1])
            continue
        if len(attachments) < MAX_ATTACHMENTS:
            payload = _payload(part)
            attachments.append(Attachment(filename, content_type, payload))

    text = "\n".join(texts)
    markup = "\n".join(htmls)
    html_text = html_to_text(markup) if markup else ""
    return ParsedMail(
        message_id=_decode_header(message.get("Message-ID", "")).strip(),
        subject=_decode_header(message.get("Subject", "")),
        from_name=from_name,
        from_address=from_address,
        from_domain=normalise_domain(from_address.rsplit("@", 1)[1]) if "@" in from_address else "",
        reply_to=reply_to,
        return_path=return_path,
        authentication_results=tuple(
            _decode_header(v) for v in message.get_all("Authentication-Results", [])
        ),
        is_mailing_list=any(name in message for name in _LIST_HEADERS)
        or str(message.get("Precedence", "")).strip().lower() == "list",
        text=text,
        html=markup,
        html_text=html_text,
        links=tuple(followed(_links(text, markup, html_text))),
        attachments=tuple(attachments),
        defects=defects,
        header_names=frozenset(key.lower() for key in message.keys()),
        from_address_count=max(1, len(_ANY_ANGLE_ADDRESS.findall(from_line))),
    )


def _has_filename(part: Message) -> bool:
    try:
        return bool(part.get_filename())
    except (ValueError, LookupError, TypeError):
        return False


def _payload(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except (ValueError, LookupError, TypeError, AssertionError):
        return b""
    if isinstance(payload, bytes):
        return payload
    inner = part.get_payload()
    if isinstance(inner, list) and inner and isinstance(inner[0], Message):
        return inner[0].as_bytes()
    return b""


def _part_text(part: Message) -> str:
    payload = _payload(part)
    if not payload:
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    charset = None
    try:
        charset = part.get_content_charset()
    except (ValueError, LookupError, TypeError):
        charset = None
    return _decode_bytes(payload[: MAX_BODY_CHARS * 4], charset)
