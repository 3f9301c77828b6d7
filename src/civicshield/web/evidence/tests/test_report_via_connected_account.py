"""Report a case through a connected Mastodon account's API, from the case page.

Mastodon cannot run here: tests/connectors/fake_social.py answers with RECORDED responses of
the documented API shapes on 127.0.0.1 (Mastodon.py does the HTTP as in production).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicshield.web.audit.models import AuditEntry
from civicshield.web.evidence import services
from civicshield.web.evidence.models import PlatformReport
from civicshield.web.inbox.models import Source
from civicshield.web.inbox.polling import source_poll
from civicshield.web.publishing.models import ConnectedAccount
from civicshield.web.testing import make_message, signed_in_client
from tests.connectors.fake_social import MASTODON_TOKEN, fake_social

pytestmark = pytest.mark.django_db


@pytest.fixture
def mastodon(cast):
    with fake_social() as server:
        account = ConnectedAccount.objects.create(
            office=cast.office_a,
            platform="mastodon",
            handle="@alice@example.social",
            server_url=server.url,
            access_token=MASTODON_TOKEN,
        )
        yield server, account


def test_a_case_is_reported_and_the_author_blocked_through_the_api(cast, mastodon):
    server, account = mastodon
    source = Source.objects.create(office=cast.office_a, kind="mastodon", name="m", account=account)
    source_poll(source)
    from civicshield.web.inbox.models import Message

    message = Message.objects.get(platform_id="9001")
    case = services.case_open(
        member=cast.caseworker, author=message.author, title="Troll", messages=[message]
    )
    client = signed_in_client(cast.caseworker.user)
    page = client.get(reverse("evidence:case", kwargs={"pk": case.pk}))
    assert "Report through the platform" in page.content.decode()
    response = client.post(
        reverse("evidence:case_action", kwargs={"pk": case.pk}),
        {"action": "report_api", "account": account.pk, "block": "on"},
    )
    assert response.status_code == 302
    kinds = [kind for kind, _ in server.recorder.actions]
    assert "report" in kinds and "block" in kinds
    report = PlatformReport.objects.get(case=case)
    assert report.via == PlatformReport.Via.API
    assert AuditEntry.objects.filter(action="evidence.author.blocked").exists()


def test_posts_that_did_not_come_through_the_connector_are_refused_plainly(cast, mastodon):
    _, account = mastodon
    message = make_message(cast.office_a, "You are a disgrace", author="@x@bad.example")
    case = services.case_open(
        member=cast.caseworker, author=message.author, title="X", messages=[message]
    )
    client = signed_in_client(cast.caseworker.user)
    client.post(
        reverse("evidence:case_action", kwargs={"pk": case.pk}),
        {"action": "report_api", "account": account.pk},
    )
    assert not PlatformReport.objects.filter(case=case).exists()
    page = client.get(
        reverse("evidence:case", kwargs={"pk": case.pk}), follow=True
    ).content.decode()
    assert "could not be sent" in page


def test_another_offices_account_cannot_be_used(cast, mastodon):
    _, account = mastodon
    message = make_message(cast.office_a, "You are a disgrace", author="@x@bad.example")
    case = services.case_open(
        member=cast.caseworker, author=message.author, title="X", messages=[message]
    )
    account.office = cast.office_b
    account.save()
    response = signed_in_client(cast.caseworker.user).post(
        reverse("evidence:case_action", kwargs={"pk": case.pk}),
        {"action": "report_api", "account": account.pk},
    )
    assert response.status_code == 404


def test_the_author_can_be_muted_from_the_case_page(cast, mastodon):
    server, account = mastodon
    source = Source.objects.create(office=cast.office_a, kind="mastodon", name="m", account=account)
    source_poll(source)
    from civicshield.web.inbox.models import Message

    message = Message.objects.get(platform_id="9001")
    case = services.case_open(
        member=cast.caseworker, author=message.author, title="T", messages=[message]
    )
    response = signed_in_client(cast.caseworker.user).post(
        reverse("evidence:case_action", kwargs={"pk": case.pk}),
        {"action": "mute_api", "account": account.pk},
    )
    assert response.status_code == 302
    assert [kind for kind, _ in server.recorder.actions] == ["mute"]
    assert AuditEntry.objects.filter(action="evidence.author.muted").exists()
    assert not PlatformReport.objects.filter(case=case).exists()
