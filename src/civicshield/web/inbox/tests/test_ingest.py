"""Ingesting messages: classified on arrival, idempotent, bad items reported, critical → alerts."""

from __future__ import annotations

import pytest

from civicshield.core.batch import ItemError
from civicshield.core.imports import IncomingMessage
from civicshield.web.inbox.models import Alert, Author, Message
from civicshield.web.inbox.services import messages_ingest
from civicshield.web.jobs.models import Job

pytestmark = pytest.mark.django_db

THREAT = "I know where you live. I am going to kill you and your kids"


def _item(pid: str, text: str, author: str = "@troll") -> IncomingMessage:
    return IncomingMessage(platform="mastodon", platform_id=pid, author_handle=author, text=text)


def test_messages_are_classified_on_arrival(cast):
    report = messages_ingest(
        office=cast.office_a, items=[_item("1", THREAT), _item("2", "Thanks for the visit")]
    )
    assert report.added == 2
    threat = Message.objects.get(platform_id="1")
    assert threat.severity == "critical" and "threat" in threat.labels and threat.reasons
    assert threat.spans and threat.severity_rank == 4
    calm = Message.objects.get(platform_id="2")
    assert calm.severity == "none" and not calm.abusive


def test_ingest_is_idempotent(cast):
    messages_ingest(office=cast.office_a, items=[_item("1", "You are a disgrace")])
    again = messages_ingest(
        office=cast.office_a, items=[_item("1", "You are a disgrace"), _item("1", "dup")]
    )
    assert again.added == 0 and again.duplicates == 2
    assert Message.objects.count() == 1
    assert Author.objects.get().message_count == 1


def test_the_same_id_in_another_office_is_another_message(cast):
    messages_ingest(office=cast.office_a, items=[_item("1", "hello")])
    messages_ingest(office=cast.office_b, items=[_item("1", "hello")])
    assert Message.objects.count() == 2


def test_bad_items_are_reported_and_the_rest_lands(cast):
    report = messages_ingest(
        office=cast.office_a, items=[ItemError(3, "no message text"), _item("ok", "fine words")]
    )
    assert report.added == 1
    assert report.errors == [{"id": 3, "error": "no message text"}]


def test_author_history_is_counted(cast):
    messages_ingest(
        office=cast.office_a,
        items=[_item(str(n), "shut up you stupid cow", author="@repeat") for n in range(3)],
    )
    author = Author.objects.get(handle="@repeat")
    assert author.message_count == 3 and author.abusive_count == 3
    assert author.is_repeat_offender


def test_a_critical_message_alerts_on_call_people_and_the_representative(cast):
    messages_ingest(office=cast.office_a, items=[_item("t", THREAT)])
    recipients = {a.recipient for a in Alert.objects.all()}
    # Alice is the representative (and on call); Maya the manager is on call; others are not.
    assert recipients == {cast.representative, cast.manager}
    assert Job.objects.filter(name="inbox.send_alert").count() == 2
    # Office B hears nothing.
    assert not Alert.objects.filter(office=cast.office_b).exists()


def test_non_critical_messages_raise_no_alert(cast):
    messages_ingest(office=cast.office_a, items=[_item("h", "shut up you stupid cow")])
    assert not Alert.objects.exists()
