from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from civicshield.web.accounts.services import NotAllowed
from civicshield.web.audit.models import AuditEntry
from civicshield.web.emergency import services
from civicshield.web.emergency.models import ContactNotice, IncidentStep
from civicshield.web.team import services as team
from civicshield.web.testing import signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager(settings):
    settings.JOBS_RUN_EAGERLY = True


def test_incident_mode_pauses_posts_emails_contacts_and_opens_a_timeline(
    cast, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = services.incident_open(
            actor=cast.manager, kind="damaging_post", summary="A post went out by mistake"
        )
    cast.office_a.refresh_from_db()
    assert cast.office_a.publishing_paused
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [cast.representative.user.email, cast.manager.user.email]
    )
    assert "URGENT" in mail.outbox[0].subject
    assert ContactNotice.objects.filter(sent_at__isnull=True).count() == 0
    texts = [e.text for e in incident.timeline.all()]
    assert texts[0].startswith("Incident mode started")
    assert "Every scheduled post was paused." in texts
    assert any(t.startswith("Emailed") for t in texts)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "emergency.incident.opened",
        "emergency.publishing.paused",
        "emergency.contact.notified",
    } <= actions
    assert incident.steps.count() == 7


def test_a_drill_pauses_nothing_and_tells_nobody(cast, eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = services.incident_open(actor=cast.manager, kind="threat_to_safety", drill=True)
    cast.office_a.refresh_from_db()
    assert not cast.office_a.publishing_paused
    assert mail.outbox == []
    assert not incident.notices.exists()
    assert incident.steps.exists()


def test_a_hacked_account_gets_the_ncsc_checklist_per_account(cast):
    page = team.account_create(actor=cast.manager, platform="facebook", name="Page")
    mailbox = team.account_create(actor=cast.manager, platform="email", name="Mailbox")
    incident = services.incident_open(
        actor=cast.manager, kind="hacked_account", accounts=[page, mailbox], drill=True
    )
    steps = list(incident.steps.all())
    assert len(steps) == 2 * 11
    assert {s.account for s in steps} == {page, mailbox}
    forwarding = [s for s in steps if s.action == IncidentStep.Action.FORWARDING_AUDIT]
    assert len(forwarding) == 2


def test_the_forwarding_step_runs_the_audit_or_says_to_check_by_hand(cast):
    mailbox = team.account_create(actor=cast.manager, platform="email", name="Mailbox")
    incident = services.incident_open(actor=cast.manager, kind="hacked_account", accounts=[mailbox])
    texts = [e.text for e in incident.timeline.all()]
    assert services.NO_MAILBOX_AUDIT in texts


def test_steps_are_ticked_on_the_timeline(cast):
    incident = services.incident_open(actor=cast.manager, kind="lost_device", drill=True)
    step = incident.steps.all()[0]
    client = signed_in_client(cast.caseworker.user)
    client.post(reverse("emergency:step_mark", kwargs={"pk": step.pk}), {"done": "yes"})
    step.refresh_from_db()
    assert step.done_by == cast.caseworker.user
    assert incident.timeline.filter(text__startswith="Done: ").exists()
    assert AuditEntry.objects.filter(action="emergency.step.done").exists()


def test_closing_needs_a_review_and_can_resume_posts(cast):
    incident = services.incident_open(actor=cast.manager, kind="damaging_post")
    with pytest.raises(ValidationError):
        services.incident_close(actor=cast.manager, incident=incident, what_happened=" ")
    services.incident_close(
        actor=cast.manager, incident=incident, what_happened="Typo", resume_publishing=True
    )
    cast.office_a.refresh_from_db()
    assert not cast.office_a.publishing_paused
    with pytest.raises(ValidationError):
        services.incident_note_add(actor=cast.manager, incident=incident, text="late")


def test_posts_stay_paused_while_another_incident_is_open(cast):
    first = services.incident_open(actor=cast.manager, kind="damaging_post")
    services.incident_open(actor=cast.manager, kind="hacked_account")
    services.incident_close(
        actor=cast.manager, incident=first, what_happened="x", resume_publishing=True
    )
    cast.office_a.refresh_from_db()
    assert cast.office_a.publishing_paused


def test_only_emergency_managers_start_incident_mode(cast):
    with pytest.raises(NotAllowed):
        services.incident_open(actor=cast.comms, kind="damaging_post")
    other = team.account_create(actor=cast.other_manager, platform="x", name="B's X")
    with pytest.raises(NotAllowed):
        services.incident_open(actor=cast.manager, kind="hacked_account", accounts=[other])


def test_a_failed_email_is_retried_without_emailing_anyone_twice(cast, monkeypatch):
    incident = services.incident_open(actor=cast.manager, kind="damaging_post")
    calls = []
    from civicshield.web.emergency import services as module

    def flaky(*, recipient_list, **kwargs):
        calls.append(recipient_list[0])
        if recipient_list[0] == cast.manager.user.email and calls.count(recipient_list[0]) == 1:
            raise OSError("connection refused")
        return 1

    monkeypatch.setattr(module, "send_mail", flaky)
    with pytest.raises(OSError):
        services.notices_send(incident_id=incident.pk)
    assert services.notices_send(incident_id=incident.pk) == 1
    assert calls.count(cast.representative.user.email) == 1
    assert calls.count(cast.manager.user.email) == 2


def test_the_incident_pages(cast):
    client = signed_in_client(cast.manager.user)
    response = client.post(
        reverse("emergency:incident_open"),
        {"kind": "data_breach", "summary": "A list was shared", "drill": "on"},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "This is a drill" in page
    assert "ICO within 72 hours" in page
    assert "A drill is running" in client.get("/").content.decode()
    assert (
        signed_in_client(cast.comms.user).get(reverse("emergency:incident_open")).status_code == 403
    )


def test_a_hacked_account_starts_the_forwarding_check_of_each_connected_mailbox(cast):
    from civicshield.web.jobs.models import Job
    from civicshield.web.mailguard.models import WatchedMailbox

    mailbox = WatchedMailbox.objects.create(
        office=cast.office_a, name="Office inbox", address="office@parliament.uk"
    )
    WatchedMailbox.objects.create(office=cast.office_b, name="B", address="b@parliament.uk")
    incident = services.incident_open(actor=cast.manager, kind="hacked_account")
    jobs = Job.objects.filter(name="mailguard.forwarding_audit")
    assert [j.payload["mailbox_id"] for j in jobs] == [mailbox.pk]
    assert any("Office inbox" in e.text for e in incident.timeline.all())


def test_a_drill_starts_no_forwarding_check(cast):
    from civicshield.web.jobs.models import Job
    from civicshield.web.mailguard.models import WatchedMailbox

    WatchedMailbox.objects.create(office=cast.office_a, name="Inbox", address="o@parliament.uk")
    services.incident_open(actor=cast.manager, kind="hacked_account", drill=True)
    assert not Job.objects.filter(name="mailguard.forwarding_audit").exists()
