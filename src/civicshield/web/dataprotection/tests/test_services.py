from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from django.utils import timezone

from civicshield.web.accounts.services import NotAllowed
from civicshield.web.audit.models import AuditEntry
from civicshield.web.audit.services import audit_verify
from civicshield.web.dataprotection import services
from civicshield.web.dataprotection.jobs import purge
from civicshield.web.dataprotection.models import LegalHold
from civicshield.web.dataprotection.retention import KINDS
from civicshield.web.inbox.models import Author, Message, Note
from civicshield.web.testing import make_message

pytestmark = pytest.mark.django_db


def _dismissed(office, text, *, author="@troll", days_ago=200):
    message = make_message(office, text, author=author)
    Message.objects.filter(pk=message.pk).update(
        state=Message.State.DISMISSED,
        state_changed_at=timezone.now() - dt.timedelta(days=days_ago),
    )
    return message


def test_the_defaults_match_the_policy():
    assert KINDS["inbox.dismissed_messages"].default_days == 180
    assert KINDS["mailguard.findings"].default_days == 90
    assert KINDS["audit_log"].default_days == 6 * 365
    assert KINDS["evidence"].default_days is None  # never automatically


def test_the_purge_deletes_only_old_dismissed_messages_and_audits_it(cast):
    old = _dismissed(cast.office_a, "old and dismissed")
    recent = _dismissed(cast.office_a, "recent and dismissed", days_ago=10)
    open_old = make_message(cast.office_a, "old but still open")
    Message.objects.filter(pk=open_old.pk).update(
        received_at=timezone.now() - dt.timedelta(days=400)
    )
    other_office = _dismissed(cast.office_b, "another office's, old")
    counts = services.purge_office(cast.office_a)
    assert counts["inbox.dismissed_messages"] == 1
    assert not Message.objects.filter(pk=old.pk).exists()
    assert Message.objects.filter(pk__in=[recent.pk, open_old.pk, other_office.pk]).count() == 3
    entry = AuditEntry.objects.get(action="dataprotection.purged")
    assert entry.office == cast.office_a and entry.details["deleted"] == 1
    assert audit_verify().ok


def test_the_purge_never_touches_messages_under_a_legal_hold(cast):
    held_author = _dismissed(cast.office_a, "held by author hold", author="@suspect")
    held_message = _dismissed(cast.office_a, "held by message hold", author="@other")
    services.legal_hold_place(
        member=cast.manager, reason="Police case 123", author=held_author.author
    )
    hold = services.legal_hold_place(
        member=cast.manager, reason="Court order", message=held_message
    )
    assert services.purge_office(cast.office_a)["inbox.dismissed_messages"] == 0
    assert Message.objects.filter(pk__in=[held_author.pk, held_message.pk]).count() == 2
    # Once a hold is lifted the retention period applies again.
    services.legal_hold_lift(member=cast.manager, hold=hold)
    assert services.purge_office(cast.office_a)["inbox.dismissed_messages"] == 1
    assert not Message.objects.filter(pk=held_message.pk).exists()


def test_an_office_can_shorten_or_switch_off_a_retention_period(cast):
    message = _dismissed(cast.office_a, "dismissed 40 days ago", days_ago=40)
    services.retention_set(member=cast.manager, kind="inbox.dismissed_messages", days=None)
    assert services.purge_office(cast.office_a).get("inbox.dismissed_messages") is None
    services.retention_set(member=cast.manager, kind="inbox.dismissed_messages", days=30)
    assert services.purge_office(cast.office_a)["inbox.dismissed_messages"] == 1
    assert not Message.objects.filter(pk=message.pk).exists()
    changes = AuditEntry.objects.filter(action="dataprotection.retention.changed")
    assert [e.details["days"] for e in changes.order_by("seq")] == [None, 30]


def test_the_daily_purge_is_a_scheduled_job(cast):
    from civicshield.web.jobs.registry import JOBS

    assert JOBS["dataprotection.purge"].every == dt.timedelta(days=1)
    old = _dismissed(cast.office_b, "old in office B")
    purge()
    assert not Message.objects.filter(pk=old.pk).exists()


@pytest.mark.parametrize("who", ["comms", "caseworker", "volunteer"])
def test_only_the_manager_or_representative_may_export_erase_or_change_retention(cast, who):
    member = getattr(cast, who)
    author = make_message(cast.office_a, "hello").author
    with pytest.raises(NotAllowed):
        services.author_export(member=member, author=author)
    with pytest.raises(NotAllowed):
        services.author_erase(member=member, author=author)
    with pytest.raises(NotAllowed):
        services.retention_set(member=member, kind="inbox.dismissed_messages", days=1)


def test_another_office_cannot_export_or_erase(cast):
    author = make_message(cast.office_a, "hello").author
    with pytest.raises(NotAllowed):
        services.author_export(member=cast.other_manager, author=author)
    with pytest.raises(NotAllowed):
        services.author_erase(member=cast.other_manager, author=author)
    assert Author.objects.filter(pk=author.pk).exists()


def test_an_export_holds_everything_about_the_account_and_is_audited(cast):
    first = make_message(cast.office_a, "You are a disgrace", author="@subject")
    make_message(cast.office_a, "Resign now", author="@subject")
    make_message(cast.office_a, "Unrelated", author="@someone_else")
    Note.objects.create(message=first, member=cast.manager, text="Reported to the platform")
    data = services.author_export(member=cast.manager, author=first.author)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        author = json.loads(archive.read("author.json"))
        messages = json.loads(archive.read("messages.json"))
        notes = json.loads(archive.read("notes.json"))
    assert author["handle"] == "@subject"
    assert sorted(m["text"] for m in messages) == ["Resign now", "You are a disgrace"]
    assert notes[0]["text"] == "Reported to the platform"
    entry = AuditEntry.objects.get(action="dataprotection.author.exported")
    assert entry.actor == cast.manager.user and entry.details["messages"] == 2


def test_a_staff_members_export_has_their_account_and_actions(cast):
    data = services.user_export(member=cast.manager, user=cast.caseworker.user)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        account = json.loads(archive.read("account.json"))
    assert account["email"] == cast.caseworker.user.email
    with pytest.raises(NotAllowed):
        services.user_export(member=cast.manager, user=cast.other_manager.user)
    assert AuditEntry.objects.filter(action="dataprotection.user.exported").count() == 1


def test_erasure_removes_the_account_and_its_messages_and_keeps_the_audit_chain(cast):
    message = make_message(cast.office_a, "You are a disgrace", author="@erase_me")
    Note.objects.create(message=message, member=cast.manager, text="note")
    author = message.author
    assert services.author_erase(member=cast.manager, author=author) == 1
    assert not Author.objects.filter(pk=author.pk).exists()
    assert not Message.objects.filter(pk=message.pk).exists()
    entry = AuditEntry.objects.get(action="dataprotection.author.erased")
    assert "@erase_me" not in json.dumps(entry.details) + entry.target_label
    assert audit_verify().ok


def test_erasure_is_refused_while_anything_is_under_a_legal_hold(cast):
    message = make_message(cast.office_a, "I know where you live", author="@suspect")
    hold = services.legal_hold_place(member=cast.manager, reason="Police", message=message)
    with pytest.raises(NotAllowed, match="legal hold"):
        services.author_erase(member=cast.manager, author=message.author)
    assert Message.objects.filter(pk=message.pk).exists()
    services.legal_hold_lift(member=cast.manager, hold=hold)
    author_hold = services.legal_hold_place(
        member=cast.manager, reason="Court", author=message.author
    )
    with pytest.raises(NotAllowed):
        services.author_erase(member=cast.manager, author=message.author)
    services.legal_hold_lift(member=cast.manager, hold=author_hold)
    assert services.author_erase(member=cast.manager, author=message.author) == 1
    assert not LegalHold.objects.exists()
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert actions.count("dataprotection.hold.placed") == 2
    assert actions.count("dataprotection.hold.lifted") == 2
