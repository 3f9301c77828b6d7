"""The connector integration point: one API report per case and platform, recorded and audited."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from civicshield.web.audit.models import AuditEntry
from civicshield.web.evidence import services
from civicshield.web.evidence.models import PlatformReport
from civicshield.web.evidence.moderation import ERROR_NO_POSTS, case_report_via_api
from civicshield.web.testing import make_message

pytestmark = pytest.mark.django_db


class FakeMastodon:
    """Stands in for the Mastodon connector (written on another branch); records the calls."""

    platform = "mastodon"

    def __init__(self) -> None:
        self.reports: list[tuple[str, list[str], str]] = []
        self.blocked: list[str] = []

    def report(self, *, account: str, post_ids: Sequence[str], comment: str) -> str:
        self.reports.append((account, list(post_ids), comment))
        return "srv-report-77"

    def block(self, *, account: str) -> None:
        self.blocked.append(account)

    def mute(self, *, account: str) -> None:
        pass


@pytest.fixture
def case(cast):
    posts = [
        make_message(cast.office_a, f"reply {n}", author="@pest@bad.example", platform_id=f"p{n}")
        for n in range(3)
    ]
    return services.case_open(
        member=cast.caseworker, author=posts[0].author, title="Replies", messages=posts
    )


def test_one_report_covers_every_post_and_is_recorded(cast, case):
    connector = FakeMastodon()
    report = case_report_via_api(member=cast.caseworker, case=case, connector=connector, block=True)
    [(account, post_ids, comment)] = connector.reports
    assert account == "@pest@bad.example"
    assert sorted(post_ids) == ["p0", "p1", "p2"]
    assert "3 abusive message(s)" in comment
    assert connector.blocked == ["@pest@bad.example"]
    assert report.via == PlatformReport.Via.API
    assert report.reference == "srv-report-77"
    assert AuditEntry.objects.filter(action="evidence.author.blocked").count() == 1


def test_no_posts_on_that_platform_sends_nothing(cast, case):
    class FakeBluesky(FakeMastodon):
        platform = "bluesky"

    connector = FakeBluesky()
    with pytest.raises(ValueError, match=ERROR_NO_POSTS.format(platform="bluesky")):
        case_report_via_api(member=cast.caseworker, case=case, connector=connector)
    assert connector.reports == []


def test_volunteers_cannot_report_through_the_api(cast, case):
    connector = FakeMastodon()
    with pytest.raises(services.NotAllowed):
        case_report_via_api(member=cast.volunteer, case=case, connector=connector)
    assert connector.reports == []
