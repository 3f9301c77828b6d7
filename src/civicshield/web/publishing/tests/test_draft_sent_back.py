"""A post an approver sends back reads "Sent back" wherever staff see it, never "Rejected"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicshield.web.publishing.models import Draft
from civicshield.web.testing import signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_back(cast, in_review):
    client = signed_in_client(cast.manager.user)
    url = reverse("publishing:draft_action", kwargs={"pk": in_review.pk, "action": "reject"})
    response = client.post(url, {"reason": "Say when the surgery starts."}, follow=True)
    assert "Sent back to the author with your reason." in response.content.decode()
    in_review.refresh_from_db()
    assert in_review.state == Draft.State.REJECTED  # the stored value is unchanged
    return in_review


def test_the_post_page_says_sent_back_in_its_badge_and_panel(cast, sent_back):
    page = (
        signed_in_client(cast.volunteer.user)
        .get(reverse("publishing:draft", kwargs={"pk": sent_back.pk}))
        .content.decode()
    )
    assert '<span class="state state-rejected">Sent back</span>' in page
    assert "Say when the surgery starts." in page
    assert "send it for approval again" in page
    assert "Rejected" not in page and "rejected" not in page.replace("state-rejected", "")


def test_the_list_filter_and_badge_say_sent_back(cast, sent_back):
    client = signed_in_client(cast.volunteer.user)
    page = client.get(reverse("publishing:drafts")).content.decode()
    assert '<a href="?state=rejected">Sent back</a>' in page
    assert '<span class="state state-rejected">Sent back</span>' in page
    assert "Rejected" not in page
    filtered = client.get(reverse("publishing:drafts"), {"state": "rejected"}).content.decode()
    assert "Surgery on Friday." in filtered and "Rejected" not in filtered


def test_acting_on_a_sent_back_post_names_its_state_in_plain_words(cast, sent_back):
    client = signed_in_client(cast.manager.user)
    url = reverse("publishing:draft_action", kwargs={"pk": sent_back.pk, "action": "approve"})
    page = client.post(url, follow=True).content.decode()
    assert "This post is sent back: that cannot be done now." in page
