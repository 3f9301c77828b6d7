"""Cases group an author's items; platform reports keep their reference and outcome; all audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from civicshield.web.audit.models import AuditEntry
from civicshield.web.evidence import services
from civicshield.web.evidence.models import Case, PlatformReport
from civicshield.web.testing import make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def replies(cast):
    return [make_message(cast.office_a, f"reply number {n}", author="@pest") for n in range(3)]


@pytest.fixture
def case(cast, replies):
    return services.case_open(
        member=cast.caseworker, author=replies[0].author, title="Replies", messages=replies[:2]
    )


def test_a_case_groups_an_authors_messages(cast, replies, case):
    assert set(case.items.all()) == set(replies[:2])
    services.case_add_message(member=cast.comms, case=case, message=replies[2])
    assert case.items.count() == 3
    # Adding twice changes nothing and is not audited twice.
    services.case_add_message(member=cast.comms, case=case, message=replies[2])
    assert AuditEntry.objects.filter(action="evidence.case.message_added").count() == 3
    opened = AuditEntry.objects.get(action="evidence.case.opened")
    assert opened.target_id == str(case.pk)
    assert opened.actor == cast.caseworker.user


def test_a_case_needs_a_title(cast, replies):
    with pytest.raises(ValidationError, match=services.ERROR_CASE_TITLE):
        services.case_open(member=cast.caseworker, author=replies[0].author, title="  ")


def test_a_closed_case_takes_no_more_messages(cast, replies, case):
    services.case_set_status(member=cast.caseworker, case=case, status=Case.Status.CLOSED)
    with pytest.raises(ValidationError, match=services.ERROR_CASE_CLOSED):
        services.case_add_message(member=cast.caseworker, case=case, message=replies[2])
    assert AuditEntry.objects.filter(action="evidence.case.status_changed").count() == 1


def test_a_message_of_another_office_cannot_join(cast, case):
    theirs = make_message(cast.office_b, "their message", author="@pest")
    with pytest.raises(services.NotAllowed):
        services.case_add_message(member=cast.caseworker, case=case, message=theirs)


def test_a_platform_report_keeps_reference_and_outcome(cast, case):
    when = timezone.now() - dt.timedelta(hours=2)
    report = services.platform_report_add(
        member=cast.caseworker,
        case=case,
        platform="mastodon",
        reported_at=when,
        reference="#4411",
    )
    assert report.outcome == PlatformReport.Outcome.WAITING
    assert report.outcome_at is None
    assert report.reported_at == when
    entry = AuditEntry.objects.get(action="evidence.platform_report.added")
    assert entry.details["reference"] == "#4411"
    updated = services.platform_report_update_outcome(
        member=cast.manager, report=report, outcome="removed", notes="Post removed."
    )
    assert updated.outcome == "removed"
    assert updated.outcome_at is not None
    assert "Post removed." in updated.notes
    entry = AuditEntry.objects.get(action="evidence.platform_report.outcome")
    assert entry.details == {"before": "waiting", "after": "removed"}


def test_a_connector_can_record_a_report_made_through_the_api(cast, case):
    report = services.platform_report_add(
        member=cast.caseworker, case=case, platform="bluesky", reference="42", via="api"
    )
    assert report.via == PlatformReport.Via.API


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"platform": "myspace"}, services.ERROR_BAD_PLATFORM),
        ({"platform": "x", "outcome": "maybe"}, services.ERROR_BAD_OUTCOME),
        (
            {"platform": "x", "reported_at": timezone.now() + dt.timedelta(days=1)},
            services.ERROR_FUTURE,
        ),
    ],
)
def test_a_platform_report_is_validated(cast, case, kwargs, error):
    with pytest.raises(ValidationError, match=error):
        services.platform_report_add(member=cast.caseworker, case=case, **kwargs)


def test_volunteers_never_handle_cases_or_reports(cast, replies, case):
    with pytest.raises(services.NotAllowed):
        services.case_open(member=cast.volunteer, author=replies[0].author, title="x")
    with pytest.raises(services.NotAllowed):
        services.case_add_message(member=cast.volunteer, case=case, message=replies[2])
    with pytest.raises(services.NotAllowed):
        services.platform_report_add(member=cast.volunteer, case=case, platform="x")
    report = services.platform_report_add(member=cast.caseworker, case=case, platform="x")
    with pytest.raises(services.NotAllowed):
        services.platform_report_update_outcome(
            member=cast.volunteer, report=report, outcome="removed"
        )


def test_another_office_cannot_touch_our_case(cast, case):
    with pytest.raises(services.NotAllowed):
        services.platform_report_add(member=cast.other_manager, case=case, platform="x")
