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


def test_an_old_code_prefix_link_still_filters_and_can_be_removed(cast):
    audit.record(action="test.alpha", office=cast.office_a)
    audit.record(action="other.beta", office=cast.office_a)
    page = signed_in_client(cast.manager.user).get(reverse("audit:log"), {"action": "test."})
    body = page.content.decode()
    assert "test.alpha" in body
    assert "other.beta" not in body
    assert "Showing only entries whose code starts with <code>test.</code>" in body
    assert '<input type="hidden" name="action" value="test."' in body


def test_an_old_link_naming_a_whole_area_goes_to_the_area_filter(cast):
    client = signed_in_client(cast.manager.user)
    response = client.get(reverse("audit:log"), {"action": "dataprotection", "actor": "ann"})
    assert response.status_code == 302
    assert response["Location"] == reverse("audit:log") + "?actor=ann&area=data-protection"


def test_it_shows_plain_words_and_keeps_the_stored_code(cast):
    audit.record(
        action="emergency.contact.notified",
        office=cast.office_a,
        details={"text": "Emailed Sam.", "drill": False, "accounts": [2, 5], "done": True},
    )
    body = signed_in_client(cast.manager.user).get(reverse("audit:log")).content.decode()
    assert "Emergency contact notified" in body
    assert '<code class="kv" title="Code stored in the log (Emergency)">' in body
    assert "emergency.contact.notified</code>" in body
    assert "Practice drill: No" in body
    assert "Done: Yes" in body
    assert "Accounts: #2, #5" in body
    assert "drill: False" not in body
    assert "[2, 5]" not in body


def test_an_unknown_code_still_reads_sensibly(cast):
    audit.record(action="publishing.draft.teleported", office=cast.office_a, details=None)
    body = signed_in_client(cast.manager.user).get(reverse("audit:log")).content.decode()
    assert "Draft teleported" in body
    assert "publishing.draft.teleported</code>" in body


def test_it_filters_by_area(cast):
    audit.record(action="emergency.contact.notified", office=cast.office_a)
    audit.record(action="emergency.something_new", office=cast.office_a)
    audit.record(action="publishing.draft.published", office=cast.office_a)
    audit.record(action="accounts.membership.added", office=cast.office_a)
    audit.record(action="accounts.signin", office=cast.office_a)
    client = signed_in_client(cast.manager.user)
    body = client.get(reverse("audit:log"), {"area": "emergency"}).content.decode()
    assert "emergency.contact.notified<" in body
    assert "emergency.something_new<" in body
    assert "publishing.draft.published<" not in body
    # One code's first part can belong to two areas: the table decides.
    team = client.get(reverse("audit:log"), {"area": "team"}).content.decode()
    assert "accounts.membership.added<" in team
    assert "accounts.signin<" not in team
    assert '<option value="team" selected>Team</option>' in team


def test_the_area_filter_replaces_the_code_box(cast):
    body = signed_in_client(cast.manager.user).get(reverse("audit:log")).content.decode()
    assert "Action starts with" not in body
    assert '<select name="area"' in body
    assert '<option value="" selected>All areas</option>' in body
    assert '<option value="mail">Mail security</option>' in body


def test_an_unknown_area_shows_the_problem(cast):
    body = (
        signed_in_client(cast.manager.user)
        .get(reverse("audit:log"), {"area": "nowhere"})
        .content.decode()
    )
    assert "Select a valid choice." in body


@pytest.mark.parametrize("role", ["comms", "caseworker", "volunteer"])
def test_weaker_roles_cannot_read_it(cast, role):
    client = signed_in_client(getattr(cast, role).user)
    assert client.get(reverse("audit:log")).status_code == 403
    assert client.get(reverse("audit:export")).status_code == 403


def test_csv_export_neutralises_formulas(cast):
    audit.record(action="test.csv", office=cast.office_a, target_label='=HYPERLINK("http://x")')
    response = signed_in_client(cast.manager.user).get(reverse("audit:export"))
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert '\'=HYPERLINK("http://x")' in [row["target"] for row in rows]


def test_csv_export_says_what_happened_next_to_the_code(cast):
    audit.record(action="emergency.contact.notified", office=cast.office_a, details={"n": 1})
    audit.record(action="=cmd|' /C calc'!A0", office=cast.office_a)
    response = signed_in_client(cast.manager.user).get(reverse("audit:export"))
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    header, *all_rows = list(csv.reader(io.StringIO(body.decode())))
    # The cast's set-up and the sign-in are logged too: only this test's two entries.
    rows = [
        row for row in all_rows if row[3] in ("emergency.contact.notified", "'=cmd|' /C calc'!A0")
    ]
    assert header == [
        "seq",
        "created",
        "actor",
        "action",
        "what_happened",
        "target_type",
        "target_id",
        "target",
        "details",
        "prev_hash",
        "entry_hash",
    ]
    assert rows[0][3:5] == ["emergency.contact.notified", "Emergency contact notified"]
    assert rows[0][8] == '{"n": 1}'
    # An odd code, and the words made from it, are neutralised for spreadsheets too.
    assert rows[1][3].startswith("'=") and rows[1][4].startswith("'=")


def test_user_content_is_escaped(cast):
    audit.record(
        action="test.<b>xss</b>",
        office=cast.office_a,
        target_label="<script>alert(1)</script>",
        details={"<i>key</i>": "<img src=x onerror=alert(2)>", "list": ["<u>x</u>"]},
    )
    page = signed_in_client(cast.manager.user).get(reverse("audit:log")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "<i>key</i>" not in page and "&lt;i&gt;key&lt;/i&gt;" in page
    assert "<u>x</u>" not in page
    assert "<b>xss</b>" not in page and "&lt;b&gt;xss&lt;/b&gt;" in page
