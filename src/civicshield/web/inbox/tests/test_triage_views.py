from __future__ import annotations

import json

import pytest
from django.urls import reverse

from civicshield.web.audit.models import AuditEntry
from civicshield.web.inbox.models import LabelCorrection, Message
from civicshield.web.testing import make_message, signed_in_client

pytestmark = pytest.mark.django_db

THREAT = "I know where you live. I am going to kill you"


def test_the_queue_puts_the_worst_first(cast):
    make_message(cast.office_a, "shut up you stupid cow", author="@a")
    make_message(cast.office_a, THREAT, author="@b")
    page = signed_in_client(cast.caseworker.user).get(reverse("inbox:queue"))
    ordered = [m.severity for m in page.context["page"]]
    assert ordered[0] == "critical"


def test_the_queue_hides_unflagged_messages_unless_asked(cast):
    make_message(cast.office_a, "Thank you for coming to the fete")
    client = signed_in_client(cast.caseworker.user)
    assert len(client.get(reverse("inbox:queue")).context["page"]) == 0
    assert len(client.get(reverse("inbox:queue"), {"include_clean": "on"}).context["page"]) == 1


def test_volunteers_never_see_the_inbox(cast):
    message = make_message(cast.office_a, THREAT)
    client = signed_in_client(cast.volunteer.user)
    assert client.get(reverse("inbox:queue")).status_code == 403
    assert client.get(reverse("inbox:message", kwargs={"pk": message.pk})).status_code == 403


def test_message_page_highlights_spans_and_escapes_text(cast):
    message = make_message(cast.office_a, "<b>I know where you live</b>")
    page = signed_in_client(cast.caseworker.user).get(
        reverse("inbox:message", kwargs={"pk": message.pk})
    )
    html = page.content.decode()
    assert "<mark" in html
    assert "<b>I know" not in html and "&lt;b&gt;" in html


def test_state_changes_are_recorded_with_who_and_when(cast):
    message = make_message(cast.office_a, THREAT)
    client = signed_in_client(cast.caseworker.user)
    url = reverse("inbox:message_action", kwargs={"pk": message.pk})
    client.post(url, {"action": "state", "state": "actioned"})
    message.refresh_from_db()
    assert message.state == "actioned" and message.state_changed_by == cast.caseworker
    entry = AuditEntry.objects.get(action="inbox.message.state_changed")
    assert (
        entry.details == {"before": "new", "after": "actioned"}
        and entry.actor == cast.caseworker.user
    )


def test_assign_and_note(cast):
    message = make_message(cast.office_a, THREAT)
    client = signed_in_client(cast.caseworker.user)
    url = reverse("inbox:message_action", kwargs={"pk": message.pk})
    client.post(url, {"action": "assign", "assignee": cast.comms.pk})
    client.post(url, {"action": "note", "text": "Reported to police, ref 123"})
    message.refresh_from_db()
    assert message.assignee == cast.comms and message.state == "in_review"
    assert message.notes.get().text == "Reported to police, ref 123"


def test_assigning_to_someone_in_another_office_is_refused(cast):
    message = make_message(cast.office_a, THREAT)
    client = signed_in_client(cast.caseworker.user)
    url = reverse("inbox:message_action", kwargs={"pk": message.pk})
    assert (
        client.post(url, {"action": "assign", "assignee": cast.other_manager.pk}).status_code == 404
    )


def test_a_correction_is_kept_as_training_data(cast):
    message = make_message(cast.office_a, "Your policy is killing the NHS")
    client = signed_in_client(cast.caseworker.user)
    url = reverse("inbox:message_action", kwargs={"pk": message.pk})
    client.post(url, {"action": "correct", "labels": ["harassment"], "severity": "low"})
    correction = LabelCorrection.objects.get()
    assert correction.labels_after == ["harassment"]
    message.refresh_from_db()
    assert message.abusive and message.severity == "low"
    export = client.get(reverse("inbox:corrections_export"))
    body = b"".join(export.streaming_content)  # type: ignore[attr-defined]
    line = json.loads(body.decode().splitlines()[0])
    assert line["text"] == "Your policy is killing the NHS" and line["labels"] == ["harassment"]


def test_bulk_actions_apply_only_inside_the_office(cast):
    own = make_message(cast.office_a, THREAT, author="@x")
    other = make_message(cast.office_b, THREAT, author="@y")
    client = signed_in_client(cast.caseworker.user)
    client.post(reverse("inbox:bulk"), {"ids": [own.pk, other.pk], "action": "dismissed"})
    assert Message.objects.get(pk=own.pk).state == "dismissed"
    assert Message.objects.get(pk=other.pk).state == "new"


def test_author_page_shows_history_and_linked_accounts(cast):
    first = make_message(
        cast.office_a, "shut up you stupid cow", author="@stalker", platform="mastodon"
    )
    make_message(
        cast.office_a, "shut up you stupid cow", author="stalker.bsky.social", platform="bluesky"
    )
    page = signed_in_client(cast.caseworker.user).get(
        reverse("inbox:author", kwargs={"pk": first.author_id})
    )
    assert page.status_code == 200
    assert [a.handle for a in page.context["linked"]] == ["stalker.bsky.social"]


def test_live_count(cast):
    make_message(cast.office_a, THREAT)
    data = signed_in_client(cast.caseworker.user).get(reverse("inbox:live_count")).json()
    assert data["open_critical"] == 1
    assert (
        signed_in_client(cast.volunteer.user)
        .get(reverse("inbox:live_count"))
        .json()["open_critical"]
        == 0
    )


def test_dashboard_shows_charts_for_triagers_only(cast):
    make_message(cast.office_a, THREAT)
    html = signed_in_client(cast.caseworker.user).get(reverse("dashboard")).content.decode()
    assert "Abuse inbox, last 14 days" in html and "1 critical message needs attention" in html
    assert (
        "Abuse inbox, last 14 days"
        not in signed_in_client(cast.volunteer.user).get(reverse("dashboard")).content.decode()
    )
