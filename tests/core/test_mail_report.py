"""The NCSC report email."""

from __future__ import annotations

import email
import email.policy
import re

import pytest

from civicshield.core.mail import ERROR_BAD_REPORTER, NCSC_REPORT_ADDRESS, build_ncsc_report

from .mail_helpers import make_mail


def test_the_report_attaches_the_original_whole_as_message_rfc822():
    raw = make_mail(subject="Verify your account", address="x@evil.example")
    report = build_ncsc_report(raw, reporter="Tom Patel <tom.patel@parliament.uk>")
    assert report["To"] == NCSC_REPORT_ADDRESS == "report@phishing.gov.uk"
    assert report["From"] == "Tom Patel <tom.patel@parliament.uk>"
    assert "Verify your account" in report["Subject"]
    reparsed = email.message_from_bytes(report.as_bytes(), policy=email.policy.default)
    attachments = list(reparsed.iter_attachments())
    assert [a.get_content_type() for a in attachments] == ["message/rfc822"]
    assert attachments[0]["Content-Transfer-Encoding"] in ("7bit", "8bit")
    inner = attachments[0].get_content()
    assert inner["Subject"] == "Verify your account"
    assert raw.replace(b"\r\n", b"\n").strip() in report.as_bytes().replace(b"\r\n", b"\n")


def test_even_an_unparseable_message_can_be_reported():
    report = build_ncsc_report(b"\x89PNG not an email", reporter="tom@parliament.uk")
    assert report["Subject"] == "Suspicious email"


@pytest.mark.parametrize("reporter", ["", "not an address", "a@b.example\r\nBcc: x@y.example"])
def test_the_reporter_must_be_an_address(reporter):
    with pytest.raises(ValueError, match=re.escape(ERROR_BAD_REPORTER)):
        build_ncsc_report(make_mail(), reporter=reporter)
