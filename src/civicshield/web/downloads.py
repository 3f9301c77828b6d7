"""File downloads: the one way a view hands the office a document to save.

Every download here is sensitive (evidence, the audit log, personal-data exports, the emergency
plan), so each one says, on its own and not only through middleware:

- ``Content-Disposition: attachment`` with the filename encoded by Django (RFC 6266/5987): a quote
  or newline in a name cannot end the header early or add another, and a non-ASCII name survives;
- ``Cache-Control: no-store``: a shared office computer or a proxy keeps no copy;
- ``X-Content-Type-Options: nosniff``: the browser saves the bytes as the stated type and never
  guesses that they are a page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import overload

from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header


@overload
def attachment_response(data: bytes | str, *, content_type: str, filename: str) -> HttpResponse: ...


@overload
def attachment_response(
    data: Iterator[bytes] | Iterator[str], *, content_type: str, filename: str
) -> StreamingHttpResponse: ...


def attachment_response(
    data: bytes | str | Iterator[bytes] | Iterator[str], *, content_type: str, filename: str
) -> HttpResponseBase:
    """A download of ``data`` saved as ``filename``.

    Bytes or text give an ``HttpResponse``; an iterator (a generator of CSV rows or JSON lines)
    gives a ``StreamingHttpResponse``, so a large export is never held in memory at once.
    """
    response: HttpResponseBase
    if isinstance(data, bytes | str):
        response = HttpResponse(data, content_type=content_type)
    else:
        response = StreamingHttpResponse(data, content_type=content_type)
    # Django returns None only for an inline response without a name; the stubs cannot tell.
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
