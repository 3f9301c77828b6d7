"""Publishing through the job system: once, even when the worker dies at the worst moment.

The platforms are the recorded-response server of tests/connectors/fake_social.py on
127.0.0.1 (no real Mastodon server or PDS runs here); the real connectors talk HTTP to it.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from civicshield.web.audit.models import AuditEntry
from civicshield.web.jobs.models import Job
from civicshield.web.jobs.services import requeue_stale, run_job
from civicshield.web.publishing import publish, services
from civicshield.web.publishing.models import (
    ConnectedAccount,
    Draft,
    Platform,
    PublishAttempt,
)
from civicshield.web.publishing.tests.images import geotagged_jpeg
from tests.connectors.fake_social import (
    BLUESKY_HANDLE,
    BLUESKY_PASSWORD,
    MASTODON_TOKEN,
    fake_social,
)

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing in the job runner catches it."""


@pytest.fixture
def server():
    with fake_social() as running:
        yield running


def _account(cast, server, platform):
    if platform == Platform.MASTODON:
        return ConnectedAccount.objects.create(
            office=cast.office_a,
            platform=platform,
            handle="@alice@mastodon.test",
            server_url=server.url,
            access_token=MASTODON_TOKEN,
        )
    return ConnectedAccount.objects.create(
        office=cast.office_a,
        platform=platform,
        handle=BLUESKY_HANDLE,
        server_url=server.url,
        app_password=BLUESKY_PASSWORD,
    )


def _scheduled(cast, account, text="Surgery on Friday at the library.", image=False):
    draft = services.draft_create(member=cast.volunteer, account=account, text=text)
    if image:
        services.draft_image_add(
            member=cast.volunteer,
            draft=draft,
            data=geotagged_jpeg(),
            filename="sign.jpg",
            alt_text="The surgery sign",
        )
    services.draft_submit(member=cast.volunteer, draft=draft)
    services.draft_approve(member=cast.manager, draft=draft)
    return services.draft_schedule(member=cast.comms, draft=draft)


def _job_for(draft):
    return Job.objects.get(name="publishing.publish", payload__draft_id=draft.pk)


@pytest.mark.parametrize("platform", [Platform.MASTODON, Platform.BLUESKY])
def test_it_publishes_once_through_the_job(cast, server, platform):
    draft = _scheduled(cast, _account(cast, server, platform), image=True)
    job = run_job(_job_for(draft).pk)
    assert job.state == Job.State.DONE
    draft.refresh_from_db()
    assert draft.state == Draft.State.PUBLISHED
    assert draft.platform_id and draft.platform_url
    assert server.recorder.posts == 1
    assert len(server.recorder.media) == 1
    published = AuditEntry.objects.get(action="publishing.draft.published")
    assert published.actor == cast.comms.user  # who scheduled it: "who posted"
    assert published.actor_label == f"{cast.comms.user.email} (publishing job)"
    assert AuditEntry.objects.filter(action="publishing.account.used").count() == 1


@pytest.mark.parametrize("platform", [Platform.MASTODON, Platform.BLUESKY])
def test_a_worker_killed_between_the_post_and_the_commit_posts_exactly_once(
    cast, server, platform, monkeypatch
):
    draft = _scheduled(cast, _account(cast, server, platform))
    job = _job_for(draft)

    def die(post):
        raise WorkerKilled

    monkeypatch.setattr(publish, "after_platform_call", die)
    with pytest.raises(WorkerKilled):
        run_job(job.pk)
    # The platform has the post; the database does not know it yet.
    assert server.recorder.posts == 1
    draft.refresh_from_db()
    assert draft.state == Draft.State.PUBLISHING
    assert PublishAttempt.objects.get(draft=draft).state == PublishAttempt.State.PENDING
    assert Job.objects.get(pk=job.pk).state == Job.State.RUNNING

    monkeypatch.setattr(publish, "after_platform_call", lambda post: None)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        assert requeue_stale() == 1  # the worker's lease ran out: the job goes back
        assert run_job(job.pk).state == Job.State.DONE
    draft.refresh_from_db()
    assert draft.state == Draft.State.PUBLISHED
    assert server.recorder.posts == 1, "the retry must not post a second time"
    attempt = PublishAttempt.objects.get(draft=draft)
    assert (attempt.state, attempt.tries, attempt.platform_id) == (
        PublishAttempt.State.CONFIRMED,
        2,
        draft.platform_id,
    )


def _die_after_posting(monkeypatch):
    def die(post):
        raise WorkerKilled

    monkeypatch.setattr(publish, "after_platform_call", die)


def test_a_mastodon_retry_finds_the_post_even_when_the_server_forgot_the_key(
    cast, server, monkeypatch
):
    # A slow Mastodon can make the post before it stores the key (mastodon#21840), and it
    # forgets keys after an hour: the retry finds the post among the account's own.
    server.recorder.forget_keys = True
    draft = _scheduled(cast, _account(cast, server, Platform.MASTODON))
    _die_after_posting(monkeypatch)
    with pytest.raises(WorkerKilled):
        publish.draft_publish(draft_id=draft.pk)
    monkeypatch.setattr(publish, "after_platform_call", lambda post: None)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        publish.draft_publish(draft_id=draft.pk)
    draft.refresh_from_db()
    assert draft.state == Draft.State.PUBLISHED
    assert draft.platform_id in server.recorder.statuses
    assert server.recorder.status_posts == 1


def test_a_mastodon_retry_that_cannot_confirm_gives_up_instead_of_posting_twice(
    cast, server, monkeypatch
):
    draft = _scheduled(cast, _account(cast, server, Platform.MASTODON))
    _die_after_posting(monkeypatch)
    with pytest.raises(WorkerKilled):
        publish.draft_publish(draft_id=draft.pk)
    monkeypatch.setattr(publish, "after_platform_call", lambda post: None)
    # The post cannot be found (someone deleted it meanwhile) and the key has expired.
    server.recorder.statuses.clear()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        publish.draft_publish(draft_id=draft.pk)
    draft.refresh_from_db()
    assert draft.state == Draft.State.FAILED
    assert draft.last_error == publish.ERROR_UNCONFIRMED
    assert server.recorder.status_posts == 1


def test_a_paused_office_publishes_nothing_until_resumed(cast, server):
    draft = _scheduled(cast, _account(cast, server, Platform.MASTODON))
    services.publishing_pause_set(member=cast.manager, paused=True, reason="incident")
    run_job(_job_for(draft).pk)
    draft.refresh_from_db()
    assert draft.state == Draft.State.SCHEDULED
    assert server.recorder.posts == 0
    services.publishing_pause_set(member=cast.manager, paused=False)
    assert publish.publish_due() == 1
    assert server.recorder.posts == 1


def test_a_future_post_waits_for_its_time(cast, server):
    account = _account(cast, server, Platform.BLUESKY)
    draft = services.draft_create(member=cast.volunteer, account=account, text="Later")
    services.draft_submit(member=cast.volunteer, draft=draft)
    services.draft_approve(member=cast.manager, draft=draft)
    when = timezone.now() + dt.timedelta(hours=3)
    services.draft_schedule(member=cast.comms, draft=draft, when=when)
    assert publish.publish_due() == 0
    with time_machine.travel(when + dt.timedelta(seconds=1)):
        assert publish.publish_due() == 1
    assert server.recorder.posts == 1


def test_a_bad_token_fails_the_post_with_a_plain_message(cast, server):
    account = _account(cast, server, Platform.MASTODON)
    account.access_token = "revoked-token"
    account.save()
    draft = _scheduled(cast, account)
    run_job(_job_for(draft).pk)
    draft.refresh_from_db()
    assert draft.state == Draft.State.FAILED
    assert "reconnect" in draft.last_error
    assert "revoked-token" not in draft.last_error


def test_delete_and_edit_a_published_post_are_audited(cast, server):
    draft = _scheduled(cast, _account(cast, server, Platform.MASTODON))
    publish.draft_publish(draft_id=draft.pk)
    draft.refresh_from_db()
    with pytest.raises(ValidationError, match="did not pass the checks"):
        publish.post_edit(member=cast.comms, draft=draft, text="Ring 07700 900123 instead")
    publish.post_edit(member=cast.comms, draft=draft, text="Surgery on Saturday.")
    assert server.recorder.statuses[draft.platform_id]["text"] == "Surgery on Saturday."
    publish.post_delete(member=cast.comms, draft=draft)
    assert server.recorder.posts == 0
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"publishing.draft.post_edited", "publishing.draft.post_deleted"} <= actions


def test_secrets_never_reach_the_audit_log(cast, server):
    draft = _scheduled(cast, _account(cast, server, Platform.BLUESKY))
    publish.draft_publish(draft_id=draft.pk)
    dump = str(list(AuditEntry.objects.values()))
    assert BLUESKY_PASSWORD not in dump and MASTODON_TOKEN not in dump
    raw = ConnectedAccount.objects.filter(pk=draft.account_id).values_list(
        "app_password", flat=True
    )
    # Reading the column without the field's decryption: stored encrypted.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT app_password FROM publishing_connectedaccount")
        stored = cursor.fetchone()[0]
    assert BLUESKY_PASSWORD not in stored and list(raw) == [BLUESKY_PASSWORD]


def test_bluesky_signs_in_once_and_keeps_the_session_encrypted(cast, server):
    account = _account(cast, server, Platform.BLUESKY)
    for text in ("First", "Second"):
        draft = services.draft_create(member=cast.volunteer, account=account, text=text)
        services.draft_submit(member=cast.volunteer, draft=draft)
        services.draft_approve(member=cast.manager, draft=draft)
        services.draft_schedule(member=cast.comms, draft=draft)
        publish.draft_publish(draft_id=draft.pk)
    sign_ins = [p for _, p, _ in server.recorder.requests if p.endswith("createSession")]
    assert len(sign_ins) == 1
    assert server.recorder.posts == 2
    account.refresh_from_db()
    assert account.session
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT session FROM publishing_connectedaccount")
        stored = cursor.fetchone()[0]
    assert "accessJwt" not in stored and stored != account.session


def test_incident_mode_holds_a_scheduled_post_until_it_is_closed(cast, server):
    """The emergency plan's one action pauses publishing across the office (issue 7)."""
    from civicshield.web.emergency import services as emergency

    draft = _scheduled(cast, _account(cast, server, Platform.MASTODON))
    incident = emergency.incident_open(actor=cast.manager, kind="hacked_account", summary="X")
    run_job(_job_for(draft).pk)
    assert publish.publish_due() == 0
    draft.refresh_from_db()
    assert draft.state == Draft.State.SCHEDULED and server.recorder.posts == 0
    emergency.incident_close(
        actor=cast.manager, incident=incident, what_happened="drill over", resume_publishing=True
    )
    assert publish.publish_due() == 1
    assert server.recorder.posts == 1
