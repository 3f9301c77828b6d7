"""In a real browser: record a message as evidence, read the record, download a pack that verifies."""

from __future__ import annotations

import re

import pytest

from civicshield.core.evidence import verify_pack
from civicshield.web.evidence.models import EvidenceRecord
from civicshield.web.testing import make_message
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, member) -> None:
    sign_in(page, live_server, member.user)


def test_record_as_evidence_and_download_the_pack(page, live_server, cast, settings, tmp_path):
    settings.CIVICSHIELD_SCREENSHOTS = False
    message = make_message(cast.office_a, "I will be waiting outside your surgery", author="@pest")
    _sign_in(page, live_server, cast.caseworker)
    page.goto(f"{live_server.url}/inbox/messages/{message.pk}/")
    page.get_by_label("Note (optional)").fill("Third one this week")
    page.get_by_role("button", name="Record as evidence").click()
    page.wait_for_url(re.compile(r"/evidence/records/\d+/$"))
    record = EvidenceRecord.objects.get()
    assert record.sha256 in page.content()
    assert page.get_by_role("heading", level=1).inner_text() == f"Evidence #{record.pk}"
    with page.expect_download() as download:
        page.get_by_role("link", name="Download evidence pack").click()
    path = tmp_path / "pack.zip"
    download.value.save_as(path)
    report = verify_pack(path.read_bytes())
    assert report.ok, report.problems
