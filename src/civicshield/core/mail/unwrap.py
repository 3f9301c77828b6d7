"""Where a rewritten or redirected link really goes.

Two kinds of links hide their destination inside themselves:

* **Mail security gateways** rewrite every link so that it is checked when clicked: Microsoft
  Defender Safe Links (``….safelinks.protection.outlook.com/?url=…``), Proofpoint URL Defense
  (``urldefense.proofpoint.com/v2/url?u=…`` and ``urldefense.com/v3/__…__;…``), Symantec
  ClickTime, Barracuda Link Protection. In an office behind one of these, every link points at
  the gateway, so the link checks would see nothing but the gateway.
* **Redirectors of well-known sites**, which scammers borrow so that a link seems to go to
  google.com or facebook.com: Google's ``/url?q=`` and ``/amp/s/…``, Facebook's ``l.php?u=``,
  Bing's ``/ck/a?…&u=a1<base64>``.

``unwrap`` returns the destination of both kinds (following up to ``MAX_DEPTH`` layers, for a
gateway wrapping a redirector); the link can then be replaced by where it goes, since the
gateway or the well-known site adds nothing to check. ``embedded_destination`` finds a web
address carried in the query of any other link (``tracker.example/go?u=https://…``): that link
is kept, and its destination is checked too.
"""

from __future__ import annotations

import base64
import binascii
import re
import urllib.parse

__all__ = ["MAX_DEPTH", "embedded_destination", "unwrap"]

MAX_DEPTH = 4
_WEB = re.compile(r"^https?://", re.IGNORECASE)
_GOOGLE_HOST = re.compile(r"^(?:www\.)?google\.[a-z]{2,3}(?:\.[a-z]{2})?$")
_PROOFPOINT_V2_ESCAPE = re.compile(r"-([0-9A-Fa-f]{2})")
_PROOFPOINT_V3 = re.compile(r"^https://urldefense\.com/v3/__(?P<url>.+?)__;(?P<bytes>[^!]*)!!")
# Proofpoint v3 puts "*" where it removed a character, or "**" plus a letter for a run of them.
_RUN_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_PLACEHOLDER = re.compile(r"\*\*(.)|\*")
_QUERY_KEYS = (
    "url",
    "u",
    "q",
    "redirect",
    "redirect_uri",
    "target",
    "dest",
    "destination",
    "goto",
    "link",
    "r",
)


def _query(url: str) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query, keep_blank_values=False)


def _first(query: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        for value in query.get(key, []):
            if _WEB.match(value.strip()):
                return value.strip()
    return None


def _proofpoint_v2(url: str) -> str | None:
    encoded = _query(url).get("u", [""])[0]
    if not encoded:
        return None
    decoded = _PROOFPOINT_V2_ESCAPE.sub(
        lambda m: chr(int(m.group(1), 16)), encoded.replace("_", "/")
    )
    return decoded if _WEB.match(decoded) else None


def _proofpoint_v3(url: str) -> str | None:
    match = _PROOFPOINT_V3.match(url)
    if not match:
        return None
    try:
        padded = match.group("bytes") + "=" * (-len(match.group("bytes")) % 4)
        removed = iter(base64.urlsafe_b64decode(padded).decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None

    def put_back(placeholder: re.Match[str]) -> str:
        run = placeholder.group(1)
        count = _RUN_LETTERS.find(run) + 2 if run else 1
        return "".join(next(removed, "") for _ in range(max(count, 1)))

    decoded = _PLACEHOLDER.sub(put_back, urllib.parse.unquote(match.group("url")))
    return decoded if _WEB.match(decoded) else None


def _google(parts: urllib.parse.SplitResult, url: str) -> str | None:
    if parts.path == "/url":
        return _first(_query(url), "q", "url")
    for prefix, scheme in (("/amp/s/", "https://"), ("/amp/", "http://")):
        if parts.path.startswith(prefix) and len(parts.path) > len(prefix):
            rest = url[url.find(prefix) + len(prefix) :]
            return rest if _WEB.match(rest) else scheme + rest
    return None


def _bing(url: str) -> str | None:
    # Bing's click-tracking links carry the destination as "a1" + URL-safe base64.
    value = _query(url).get("u", [""])[0]
    if not value.startswith("a1"):
        return None
    try:
        padded = value[2:] + "=" * (-len(value[2:]) % 4)
        decoded = base64.urlsafe_b64decode(padded).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return decoded if _WEB.match(decoded) else None


def _one_layer(url: str) -> str | None:
    try:
        parts = urllib.parse.urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if host.endswith(".safelinks.protection.outlook.com"):
        return _first(_query(url), "url")
    if host == "urldefense.proofpoint.com" and parts.path.startswith("/v2/url"):
        return _proofpoint_v2(url)
    if host == "urldefense.com" and parts.path.startswith("/v3/"):
        return _proofpoint_v3(url)
    if host == "clicktime.symantec.com":
        return _first(_query(url), "u")
    if host == "linkprotect.cudasvc.com":
        return _first(_query(url), "a")
    if _GOOGLE_HOST.match(host):
        return _google(parts, url)
    if host in ("l.facebook.com", "lm.facebook.com") and parts.path == "/l.php":
        return _first(_query(url), "u")
    if host == "www.bing.com" and parts.path == "/ck/a":
        return _bing(url)
    return None


def unwrap(url: str) -> str | None:
    """Where a gateway-rewritten or well-known-redirector link goes; ``None`` if it is neither."""
    destination = None
    for _ in range(MAX_DEPTH):
        inner = _one_layer(destination or url)
        if not inner:
            break
        destination = inner
    return destination


def embedded_destination(url: str) -> str | None:
    """A web address carried in the query of any link (``/go?u=https://…``), or ``None``."""
    try:
        return _first(_query(url), *_QUERY_KEYS)
    except ValueError:
        return None
