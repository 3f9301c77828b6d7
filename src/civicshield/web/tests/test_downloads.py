"""Downloads: the helper's headers, and every download view sending them itself."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse

from civicshield.web.downloads import attachment_response
from civicshield.web.testing import (
    OFFICE_OBJECT_URLS,
    Cast,
    make_evidence,
    make_message,
    signed_in_client,
)

# --- the helper -------------------------------------------------------------------------------


def _cache_directives(response: Any) -> list[str]:
    return [d.strip() for d in response["Cache-Control"].split(",")]


def test_it_sends_bytes_as_a_private_attachment():
    response = attachment_response(
        b"%PDF-1.7", content_type="application/pdf", filename="emergency-plan.pdf"
    )
    assert isinstance(response, HttpResponse)
    assert response.content == b"%PDF-1.7"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="emergency-plan.pdf"'
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_text_is_encoded_in_the_content_types_charset():
    response = attachment_response(
        "Café,£5\n", content_type="text/csv; charset=utf-8", filename="a.csv"
    )
    assert response.content == "Café,£5\n".encode()


def test_a_generator_is_streamed_with_the_same_headers():
    def rows() -> Iterator[str]:
        yield "a,b\n"
        yield "1,2\n"

    response = attachment_response(
        rows(), content_type="text/csv; charset=utf-8", filename="log.csv"
    )
    assert isinstance(response, StreamingHttpResponse)
    assert b"".join(response.streaming_content) == b"a,b\n1,2\n"  # type: ignore[arg-type]
    assert response["Content-Disposition"] == 'attachment; filename="log.csv"'
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_quote_in_a_filename_is_escaped_not_the_end_of_it():
    response = attachment_response(b"", content_type="text/plain", filename='say "hi".txt')
    assert response["Content-Disposition"] == r'attachment; filename="say \"hi\".txt"'


def test_a_newline_in_a_filename_cannot_add_a_header():
    # Without encoding, this name would end the header and start a Set-Cookie of its own
    # (Django refuses such a header outright, which would be a 500 instead of a download).
    name = 'x.csv"\r\nSet-Cookie: sessionid=stolen'
    response = attachment_response(b"", content_type="text/csv", filename=name)
    header = response["Content-Disposition"]
    assert header == "attachment; filename*=utf-8''" + urllib.parse.quote(name)
    assert "\r" not in header and "\n" not in header and '"' not in header
    lines = response.serialize_headers().split(b"\r\n")
    assert [line.split(b":")[0] for line in lines] == [
        b"Content-Type",
        b"Content-Disposition",
        b"Cache-Control",
        b"X-Content-Type-Options",
    ]
    assert urllib.parse.unquote(header.split("''", 1)[1]) == name


def test_a_non_ascii_filename_survives_as_utf8():
    name = "Prüfung – Bürgerbüro.pdf"
    response = attachment_response(b"", content_type="application/pdf", filename=name)
    header = response["Content-Disposition"]
    assert (
        header == "attachment; filename*=utf-8''Pr%C3%BCfung%20%E2%80%93%20B%C3%BCrgerb%C3%BCro.pdf"
    )
    header.encode("ascii")  # a header value must be plain ASCII on the wire
    assert urllib.parse.unquote(header.split("''", 1)[1]) == name


# --- every download view ----------------------------------------------------------------------

# SecurityMiddleware adds nosniff to every response and ours adds no-store for anyone signed in
# (both only where the view set none). With them in place a view that forgot the headers would
# still pass; taken out, the test sees only what the view itself sends.
_HEADER_MIDDLEWARE = {
    "django.middleware.security.SecurityMiddleware",
    "civicshield.web.accounts.middleware.ContentSecurityPolicyMiddleware",
}


def _recorded_case(cast: Cast) -> dict[str, Any]:
    from civicshield.web.evidence.services import case_open

    record = make_evidence(cast)
    case = case_open(
        member=cast.caseworker,
        author=record.message.author,
        title="Case",
        messages=[record.message],
    )
    return {"pk": case.pk}


def _correction(cast: Cast) -> dict[str, Any]:
    from civicshield.web.inbox.services import message_correct

    message = make_message(cast.office_a, "Your policy is killing the NHS")
    message_correct(member=cast.caseworker, message=message, labels=["harassment"], severity="low")
    return {}


_DAY = r"\d{8}"
_MINUTE = r"\d{8}-\d{4}"  # evidence packs: local time to the minute
# url name, method, who asks, how to make the object (URL kwargs), content type, filename pattern
DOWNLOADS: list[tuple[str, str, str, Callable[[Cast], dict[str, Any]], str, str]] = [
    (
        "emergency:plan_pdf",
        "get",
        "caseworker",
        lambda cast: {},
        "application/pdf",
        r"emergency-plan\.pdf",
    ),
    (
        "audit:export",
        "get",
        "manager",
        lambda cast: {},
        "text/csv; charset=utf-8",
        r"civicshield-audit-log\.csv",
    ),
    (
        "mailguard:report_eml",
        "get",
        "manager",
        OFFICE_OBJECT_URLS["mailguard:report_eml"],
        "message/rfc822",
        r"ncsc-report-{pk}\.eml",
    ),
    (
        "dataprotection:export_author",
        "post",
        "manager",
        OFFICE_OBJECT_URLS["inbox:author"],
        "application/zip",
        r"civicshield-account-{pk}-" + _DAY + r"\.zip",
    ),
    (
        "dataprotection:export_person",
        "post",
        "manager",
        lambda cast: {"pk": cast.caseworker.pk},
        "application/zip",
        r"civicshield-staff-{pk}-" + _DAY + r"\.zip",
    ),
    (
        "inbox:corrections_export",
        "get",
        "caseworker",
        _correction,
        "application/x-ndjson; charset=utf-8",
        r"civicshield-corrections\.jsonl",
    ),
    (
        "evidence:record_original",
        "get",
        "caseworker",
        OFFICE_OBJECT_URLS["evidence:record_original"],
        "application/octet-stream",
        r"evidence-{pk}\.bin",
    ),
    (
        "evidence:message_pack",
        "get",
        "caseworker",
        OFFICE_OBJECT_URLS["evidence:message_pack"],
        "application/zip",
        r"evidence-message-\d+-from-troll-" + _MINUTE + r"\.zip",
    ),
    (
        "evidence:author_pack",
        "get",
        "caseworker",
        OFFICE_OBJECT_URLS["evidence:author_pack"],
        "application/zip",
        r"evidence-troll-on-Mastodon-" + _MINUTE + r"\.zip",
    ),
    (
        "evidence:case_pack",
        "get",
        "caseworker",
        _recorded_case,
        "application/zip",
        r"evidence-Case-" + _MINUTE + r"\.zip",
    ),
    (
        "habits:assessment_export",
        "get",
        "manager",
        OFFICE_OBJECT_URLS["habits:assessment_export"],
        "text/csv; charset=utf-8",
        r"security-assessment-\d{4}-\d{2}-\d{2}\.csv",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "method", "who", "make", "content_type", "filename"),
    DOWNLOADS,
    ids=[row[0] for row in DOWNLOADS],
)
def test_every_download_is_a_private_attachment_on_its_own(
    cast, settings, name, method, who, make, content_type, filename
):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m not in _HEADER_MIDDLEWARE]
    kwargs = make(cast)
    client = signed_in_client(getattr(cast, who).user)
    response = getattr(client, method)(reverse(name, kwargs=kwargs))
    assert response.status_code == 200, response
    assert response["Content-Type"] == content_type
    expected = 'attachment; filename="' + filename.replace("{pk}", str(kwargs.get("pk"))) + '"'
    assert re.fullmatch(expected, response["Content-Disposition"]), response["Content-Disposition"]
    assert "no-store" in _cache_directives(response)
    assert response["X-Content-Type-Options"] == "nosniff"
