"""In a real browser: a volunteer drafts a post with a phone number and a geotagged photo, sees
the findings and fixes them, and cannot approve; the comms officer cannot approve a draft they
edited; the representative approves; the post is scheduled and published exactly once.

The platform is the recorded-response Mastodon server of tests/connectors/fake_social.py on
127.0.0.1 (no real Mastodon server can run here); the worker is run by the test.
"""

from __future__ import annotations

import re

import pytest
from django_otp.oath import totp

from civicshield.web.jobs.models import Job
from civicshield.web.jobs.services import run_job
from civicshield.web.publishing import connections
from civicshield.web.publishing.models import ApprovalPolicy, ConnectedAccount, Draft
from civicshield.web.publishing.publish import publish_due
from civicshield.web.publishing.tests.images import geotagged_jpeg
from civicshield.web.testing import PASSWORD, confirmed_totp
from tests.connectors.fake_social import MASTODON_TOKEN, fake_social

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _signed_in(chromium, live_server, user):
    context = chromium.new_context(viewport={"width": 1024, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    device = confirmed_totp(user)
    page.goto(f"{live_server.url}/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/two-factor/verify/"))
    page.get_by_label(re.compile("Code from your authenticator")).fill(
        f"{totp(device.bin_key):06d}"
    )
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/")
    return page


@pytest.fixture
def server():
    with fake_social() as running:
        yield running


def test_draft_fix_approve_schedule_publish_once(chromium, live_server, cast, server):
    account = ConnectedAccount.objects.create(
        office=cast.office_a,
        platform="mastodon",
        handle="@alice@mastodon.test",
        server_url=server.url,
        access_token=MASTODON_TOKEN,
    )
    connections.policy_update(
        member=cast.manager,
        account=account,
        approvals_required=1,
        approver_roles=["representative", "office_manager", "comms_officer"],
        representative_sign_off=ApprovalPolicy.SignOff.ALWAYS,
        sign_off_topics=[],
    )

    # The volunteer drafts a post with a phone number and a geotagged photo.
    volunteer = _signed_in(chromium, live_server, cast.volunteer.user)
    volunteer.get_by_role("link", name="Posts").click()
    volunteer.get_by_role("link", name="Write a post").click()
    volunteer.get_by_label("Post", exact=True).fill(
        "Advice surgery this Friday at the library. Call me on 07700 900123."
    )
    volunteer.get_by_role("button", name="Save draft").click()
    volunteer.wait_for_url(re.compile(r"/publishing/drafts/\d+/$"))
    assert volunteer.get_by_text(re.compile("looks like a mobile phone number")).is_visible()
    volunteer.get_by_label("Photo", exact=True).set_input_files(
        files=[{"name": "library.jpg", "mimeType": "image/jpeg", "buffer": geotagged_jpeg()}]
    )
    volunteer.get_by_role("button", name="Upload photo").click()
    volunteer.get_by_text("Hidden details were found in it and removed").wait_for()
    assert volunteer.get_by_text(re.compile("records where it was taken")).first.is_visible()
    assert volunteer.get_by_text(re.compile("Photo 1 has no description")).is_visible()

    # ...and fixes them: the number goes, the photo gets a description.
    volunteer.get_by_label("Post", exact=True).fill("Advice surgery this Friday at the library.")
    volunteer.get_by_role("button", name="Save", exact=True).click()
    volunteer.get_by_text("Saved.").wait_for()
    volunteer.get_by_label("Description (alt text)").fill("The library entrance")
    volunteer.get_by_role("button", name="Save description").click()
    volunteer.get_by_text("Description saved.").wait_for()
    content = volunteer.content()
    assert "looks like a mobile phone number" not in content
    assert "has no description" not in content
    volunteer.get_by_role("button", name="Send for approval").click()
    volunteer.get_by_text("Sent for approval.").wait_for()
    # The volunteer cannot approve.
    assert volunteer.get_by_role("button", name="Approve", exact=True).count() == 0
    assert volunteer.get_by_text("You are not one of the approvers").is_visible()
    draft_url = volunteer.url

    # The comms officer edits it, so cannot approve it.
    comms = _signed_in(chromium, live_server, cast.comms.user)
    comms.goto(draft_url)
    comms.get_by_label("Post", exact=True).fill("Advice surgery this Friday, 10am, at the library.")
    comms.get_by_role("button", name="Save", exact=True).click()
    comms.get_by_text("Saved.").wait_for()
    assert comms.get_by_text("You wrote or edited this post, so you cannot approve it").is_visible()
    assert comms.get_by_role("button", name="Approve", exact=True).count() == 0

    # The representative approves it from the review queue.
    representative = _signed_in(chromium, live_server, cast.representative.user)
    representative.goto(f"{live_server.url}/publishing/review/")
    representative.get_by_role("link", name=re.compile("Advice surgery this Friday")).click()
    representative.get_by_role("button", name="Approve", exact=True).click()
    representative.get_by_text("Approved: the post can now be scheduled.").wait_for()

    # The comms officer schedules it for now; the worker publishes it once.
    comms.goto(draft_url)
    comms.get_by_role("button", name="Schedule", exact=True).click()
    comms.get_by_text("Publishing now.").wait_for()
    for job in Job.objects.filter(name="publishing.publish", state=Job.State.QUEUED):
        run_job(job.pk)
    assert publish_due() == 0  # nothing left to publish: a second pass posts nothing
    comms.goto(draft_url)
    assert comms.get_by_role("heading", name=re.compile("Published")).first.is_visible()
    assert server.recorder.posts == 1
    (status,) = server.recorder.statuses.values()
    assert status["text"] == "Advice surgery this Friday, 10am, at the library."
    assert server.recorder.media[0]["description"] == "The library entrance"
    assert Draft.objects.get().state == Draft.State.PUBLISHED
