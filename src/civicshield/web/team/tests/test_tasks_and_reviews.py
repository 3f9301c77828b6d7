from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from civicshield.web.accounts.services import NotAllowed
from civicshield.web.audit.models import AuditEntry
from civicshield.web.jobs import services as jobs
from civicshield.web.team import offboarding, services
from civicshield.web.team.models import AccessReview, Task
from civicshield.web.testing import signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def rotation(cast):
    services.account_create(
        actor=cast.manager, platform="facebook", name="Constituency page", access=[cast.caseworker]
    )
    offboarding.member_offboard(actor=cast.manager, membership=cast.caseworker)
    return Task.objects.get(kind=Task.Kind.ROTATION)


def test_a_task_is_overdue_after_its_due_date(rotation):
    assert not rotation.is_overdue()
    assert rotation.is_overdue(rotation.due + dt.timedelta(seconds=1))


def test_completing_a_rotation_records_the_password_change(cast, rotation):
    services.task_complete(actor=cast.manager, task=rotation, note="changed")
    rotation.account.refresh_from_db()
    assert rotation.account.password_changed == timezone.localdate()
    assert AuditEntry.objects.get(action="team.task.done").details["note"] == "changed"
    with pytest.raises(ValidationError):
        services.task_complete(actor=cast.manager, task=rotation)


def test_a_caseworker_cannot_complete_someone_elses_task(cast, rotation):
    with pytest.raises(NotAllowed):
        services.task_complete(actor=cast.comms, task=rotation)


def test_overdue_tasks_show_on_the_dashboard(cast, rotation):
    client = signed_in_client(cast.manager.user)
    assert "overdue security task" not in client.get("/").content.decode()
    with time_machine.travel(rotation.due + dt.timedelta(hours=1)):
        client = signed_in_client(cast.manager.user)
        assert "1 overdue security task" in client.get("/").content.decode()


def test_overdue_tasks_are_emailed_to_managers_once_a_day(cast, rotation):
    later = rotation.due + dt.timedelta(hours=1)
    assert services.overdue_tasks_remind(office=cast.office_a, now=later) == 1
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {cast.manager.user.email, cast.representative.user.email}
    assert "Change the password of Constituency page" in mail.outbox[0].body
    assert (
        services.overdue_tasks_remind(office=cast.office_a, now=later + dt.timedelta(hours=2)) == 0
    )
    assert (
        services.overdue_tasks_remind(office=cast.office_a, now=later + dt.timedelta(days=1)) == 1
    )


def test_the_periodic_job_sends_reminders(
    cast, rotation, settings, django_capture_on_commit_callbacks
):
    settings.JOBS_RUN_EAGERLY = True
    with time_machine.travel(rotation.due + dt.timedelta(hours=1)):
        with django_capture_on_commit_callbacks(execute=True):
            jobs.enqueue("team.reminders")
    assert any("overdue" in m.subject for m in mail.outbox)


def test_the_task_page_marks_done(cast, rotation):
    client = signed_in_client(cast.manager.user)
    assert "Constituency page" in client.get(reverse("team:tasks")).content.decode()
    client.post(reverse("team:task_done", kwargs={"pk": rotation.pk}), {"note": "done"})
    rotation.refresh_from_db()
    assert rotation.done_at is not None


def test_an_access_review_opens_when_due_and_reminds_until_done(cast):
    start = cast.office_a.created
    assert (
        services.access_reviews_run(office=cast.office_a, now=start + dt.timedelta(days=10)) is None
    )
    due = start + dt.timedelta(days=91)
    review = services.access_reviews_run(office=cast.office_a, now=due)
    assert review is not None
    assert review.items.count() == 5
    assert len(mail.outbox) == 1
    services.access_reviews_run(office=cast.office_a, now=due + dt.timedelta(hours=1))
    assert len(mail.outbox) == 1
    services.access_reviews_run(office=cast.office_a, now=due + dt.timedelta(days=1))
    assert len(mail.outbox) == 2


def test_a_review_completes_only_when_everyone_is_confirmed(cast):
    review = services.access_review_start(office=cast.office_a, actor=cast.manager)
    with pytest.raises(ValidationError):
        services.access_review_complete(actor=cast.manager, review=review)
    for item in review.items.all():
        services.access_review_confirm(actor=cast.manager, item=item)
    services.access_review_complete(actor=cast.manager, review=review)
    review.refresh_from_db()
    assert review.completed_at is not None
    assert AuditEntry.objects.filter(action="team.review.access_confirmed").count() == 5
    next_due = services.review_due_date(cast.office_a)
    assert next_due - review.completed_at == dt.timedelta(days=90)


def test_the_review_interval_is_configurable(cast):
    services.team_settings_update(actor=cast.manager, review_interval_days=30, rotation_due_days=1)
    assert services.review_due_date(cast.office_a) == cast.office_a.created + dt.timedelta(days=30)
    with pytest.raises(NotAllowed):
        services.team_settings_update(
            actor=cast.comms, review_interval_days=30, rotation_due_days=1
        )


def test_the_review_page_flow(cast):
    client = signed_in_client(cast.manager.user)
    client.post(reverse("team:review_start"))
    review = AccessReview.objects.get()
    for item in review.items.all():
        client.post(reverse("team:review_confirm", kwargs={"pk": item.pk}))
    client.post(reverse("team:review_complete", kwargs={"pk": review.pk}))
    review.refresh_from_db()
    assert review.completed_at is not None
    assert signed_in_client(cast.caseworker.user).get(reverse("team:review")).status_code == 403
