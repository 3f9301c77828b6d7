"""Where a Cancel link goes: back to the page the person came from, if it is a page of this site."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

BACK_FIELD = "back"
"""The form field (and query parameter) that carries the page to go back to across a POST."""


def back_url(request: HttpRequest, *, fallback: str, avoid: Iterable[str] = ()) -> str:
    """The page the person came from, as a path on this site; otherwise ``fallback``.

    Candidates, in order: a ``back`` form field, a ``back`` query parameter, the Referer
    header. One counts only if Django's ``url_has_allowed_host_and_scheme`` accepts it for this
    host, and only its path and query are kept, so the link can never lead to another site.
    The current page and the paths in ``avoid`` are skipped: Cancel must not lead straight back
    into what it cancels.
    """
    avoided = {request.path, *avoid}
    candidates = (
        request.POST.get(BACK_FIELD),
        request.GET.get(BACK_FIELD),
        request.headers.get("Referer"),
    )
    for candidate in candidates:
        if not candidate or not url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            continue
        parts = urlsplit(candidate)
        # "//host" or a backslash would make the path itself point at another site.
        if not parts.path.startswith("/") or parts.path.startswith("//") or "\\" in parts.path:
            continue
        if parts.path in avoided:
            continue
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return fallback
