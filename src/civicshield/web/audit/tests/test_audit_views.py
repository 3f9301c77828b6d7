from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from civicshield.web.audit import services as audit
from civicshield.web.testing import signed_in_client

pytestmark = pytest.mark.django_db


def test_it_lists_only_the_offices_own_entries(cast):
    audit.record(action="test.office_a_thing", office=cast.office_a, actor=cast.manager.user)
    audit.record(action="test.office_b_secret", office=cast.office_b, actor=cast.other_manager.user)
    page = signed_in_client(cast.manager.user).get(reverse("audit:log")).content.decode()
    assert "test.office_a_thing" in page
    assert "test.office_b_secret" not in page
    other = signed_in_client(cast.other_manager.user).get(reverse("audit:log")).content.decode()
    assert "test.office_a_thing" not in other


def test_it_filters_by_action(cast):
    audit.record(action="test.alpha", office=cast.office_a)
    audit.record(action="other.beta", office=cast.office_a)
    page = signed_in_client(cast.manager.user).get(reverse("audit:log"), {"action": "test."})
    assert "test.alpha" in page.content.decode()
    assert "other.beta" not in page.content.decode()


@pytest.mark.parametrize("role", ["comms", "caseworker", "volunteer"])
def test_weaker_roles_cannot_read_it(cast, role):
    client = signed_in_client(getattr(cast, role).user)
    assert client.get(reverse("audit:log")).status_code == 403
    assert client.get(reverse("audit:export")).status_code == 403


def test_csv_export_neutralises_formulas(cast):
    audit.record(action="test.csv", office=cast.office_a, target_label='=HYPERLINK("http://x")')
    response = signed_in_client(cast.manager.user).get(reverse("audit:export"))
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert rows[0][0] == "seq"
    labels = [row[6] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x")' in labels


def test_user_content_is_escaped(cast):
    audit.record(action="test.xss", office=cast.office_a, target_label="<script>alert(1)</script>")
    page = signed_in_client(cast.manager.user).get(reverse("audit:log")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
