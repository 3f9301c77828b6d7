from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from civicshield.web.accounts.services import NotAllowed
from civicshield.web.emergency import services as emergency
from civicshield.web.habits import services
from civicshield.web.habits.assessment_spec import CONTROLS
from civicshield.web.habits.models import Status
from civicshield.web.team import services as team
from civicshield.web.team.models import Task
from civicshield.web.testing import confirmed_totp, signed_in_client

pytestmark = pytest.mark.django_db


def _answers(assessment):
    return {a.control_id: a for a in assessment.answers.all()}


def test_it_is_prefilled_from_what_civicshield_knows(cast):
    for m in (cast.representative, cast.manager, cast.comms, cast.caseworker, cast.volunteer):
        confirmed_totp(m.user)
    team.account_create(
        actor=cast.manager, platform="x", name="X", two_factor="sms", shared_login=True
    )
    emergency.incident_open(actor=cast.manager, kind="lost_device", drill=True)
    answers = _answers(services.assessment_start(actor=cast.manager))
    assert len(answers) == len(CONTROLS)
    assert answers["1.6"].status == Status.MET  # everyone has two-factor sign-in
    assert answers["1.7"].status == Status.MET  # audit log
    assert answers["1.1"].status == Status.NOT_MET  # the only account uses SMS codes
    assert answers["2.1"].status == Status.PARTLY  # a shared login
    assert answers["2.3"].status == Status.NOT_MET  # no access review yet
    assert answers["5.3"].status == Status.MET  # a drill ran
    assert answers["1.4"].status == ""  # only people can answer this one
    assert answers["1.1"].prefilled and not answers["1.4"].prefilled
    assert answers["1.1"].residual_risk == "high"


def test_staff_without_two_factor_make_it_partly_met(cast):
    confirmed_totp(cast.manager.user)
    answers = _answers(services.assessment_start(actor=cast.manager))
    assert answers["1.6"].status == Status.PARTLY
    assert "1 of 5" in answers["1.6"].comment


def test_rag_per_principle():
    from civicshield.web.habits.models import AssessmentAnswer

    answers = [
        AssessmentAnswer(control_id="1.1", status="met"),
        AssessmentAnswer(control_id="1.2", status="met"),
        AssessmentAnswer(control_id="2.1", status="partly"),
        AssessmentAnswer(control_id="3.1", status="not_met"),
        AssessmentAnswer(control_id="3.2", status="met"),
    ]
    rag = services.principle_rag(answers)
    assert rag[1] == "green"
    assert rag[2] == "amber"
    assert rag[3] == "red"
    assert rag[4] == "amber"  # nothing answered


def test_completing_turns_improvements_into_tasks(cast):
    assessment = services.assessment_start(actor=cast.manager)
    with pytest.raises(ValidationError, match="Answer every control"):
        services.assessment_complete(actor=cast.manager, assessment=assessment)
    for answer in assessment.answers.all():
        improvement = "Print the plan and put it in the safe" if answer.control_id == "5.2" else ""
        status = Status.NOT_MET if answer.control_id == "5.2" else (answer.status or Status.MET)
        services.assessment_answer(
            actor=cast.manager, answer=answer, status=status, improvement=improvement
        )
    tasks = services.assessment_complete(actor=cast.manager, assessment=assessment)
    assert len(tasks) == 1
    task = Task.objects.get(pk=tasks[0])
    assert task.kind == Task.Kind.IMPROVEMENT
    assert task.title == "Print the plan and put it in the safe"
    assert services.assessment_next_due(cast.office_a) > assessment.started


def test_only_managers_assess(cast):
    with pytest.raises(NotAllowed):
        services.assessment_start(actor=cast.comms)


def test_the_export_follows_the_public_template_and_defuses_formulas(cast):
    assessment = services.assessment_start(actor=cast.manager)
    answer = assessment.answers.get(control_id="1.4")
    services.assessment_answer(
        actor=cast.manager, answer=answer, status="met", comment="=HYPERLINK(1)"
    )
    response = signed_in_client(cast.manager.user).get(
        reverse("habits:assessment_export", kwargs={"pk": assessment.pk})
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "NCSC principle"
    assert rows[0][-1] == "Improvements"
    assert len(rows) == 1 + len(CONTROLS)
    row = next(r for r in rows if r[2] == "1.4")
    assert row[4] == "'=HYPERLINK(1)"


def test_the_assessment_page_saves_answers(cast):
    client = signed_in_client(cast.manager.user)
    client.post(reverse("habits:assessment_start"))
    page = client.get(reverse("habits:assessment")).content.decode()
    assert "Use reputable social media platforms" in page
    client.post(
        reverse("habits:assessment"),
        {"c1.4-status": "partly", "c1.4-improvement": "Read the privacy pages"},
    )
    from civicshield.web.habits.models import AssessmentAnswer

    answer = AssessmentAnswer.objects.get(control_id="1.4")
    assert answer.status == "partly"
    assert answer.residual_risk == "medium"


def test_managers_are_reminded_weekly_while_the_assessment_is_due(cast):
    import datetime as dt

    from django.core import mail
    from django.utils import timezone

    now = timezone.now()
    assert services.assessment_remind(office=cast.office_a, now=now)
    assert set(mail.outbox[0].to) == {cast.manager.user.email, cast.representative.user.email}
    assert not services.assessment_remind(office=cast.office_a, now=now + dt.timedelta(days=2))
    assert services.assessment_remind(office=cast.office_a, now=now + dt.timedelta(days=8))


def test_no_reminder_until_six_months_after_the_last_one(cast):
    import datetime as dt

    from django.utils import timezone

    assessment = services.assessment_start(actor=cast.manager)
    for answer in assessment.answers.all():
        services.assessment_answer(actor=cast.manager, answer=answer, status=Status.MET)
    services.assessment_complete(actor=cast.manager, assessment=assessment)
    now = timezone.now()
    assert not services.assessment_remind(office=cast.office_a, now=now + dt.timedelta(days=100))
    assert services.assessment_remind(office=cast.office_a, now=now + dt.timedelta(days=183))


def test_the_dashboard_shows_habits(cast):
    page = signed_in_client(cast.manager.user).get("/").content.decode()
    assert "security self-assessment is due" in page
    assert "self-assessment" not in signed_in_client(cast.volunteer.user).get("/").content.decode()


@pytest.mark.parametrize(
    ("status", "expected"),
    [("ok", Status.MET), ("found", Status.NOT_MET), ("failed", Status.PARTLY)],
)
def test_the_forwarding_control_follows_the_latest_forwarding_check(cast, status, expected):
    from civicshield.web.mailguard.models import ForwardingAuditRun, WatchedMailbox

    mailbox = WatchedMailbox.objects.create(office=cast.office_a, name="Inbox", address="o@x.uk")
    ForwardingAuditRun.objects.create(office=cast.office_a, mailbox=mailbox, status=status)
    assert services.facts_for_office(cast.office_a)["forwarding_audit"][0] == expected


def test_no_connected_mailbox_means_the_forwarding_control_is_not_met(cast):
    assert services.facts_for_office(cast.office_a)["forwarding_audit"][0] == Status.NOT_MET


def test_saving_the_page_leaves_unanswered_controls_unanswered(cast):
    import re

    from civicshield.web.habits.models import AssessmentAnswer

    client = signed_in_client(cast.manager.user)
    client.post(reverse("habits:assessment_start"))
    page = client.get(reverse("habits:assessment")).content.decode()
    # Submit the statuses as a browser would: the selected option, else the first one.
    data = {}
    for match in re.finditer(r'name="(c[\d.]+-status)"[^>]*>(.*?)</select>', page, re.S):
        options = re.findall(r'<option value="([^"]*)"( selected)?', match.group(2))
        chosen = [value for value, selected in options if selected] or [options[0][0]]
        data[match.group(1)] = chosen[0]
    assert len(data) == len(CONTROLS)
    client.post(reverse("habits:assessment"), data)
    assert AssessmentAnswer.objects.get(control_id="1.4").status == ""
