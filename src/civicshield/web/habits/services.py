"""Check-in hours, and the security self-assessment: checked, changed and audited here."""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io
from collections.abc import Callable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from civicshield.web.accounts.models import Membership, Office
from civicshield.web.accounts.roles import Capability
from civicshield.web.accounts.services import NotAllowed
from civicshield.web.audit import services as audit
from civicshield.web.csvcell import csv_cell
from civicshield.web.habits import bio
from civicshield.web.habits.assessment_spec import CONTROLS, PRINCIPLES, principle_of
from civicshield.web.habits.models import Assessment, AssessmentAnswer, HabitSettings, Risk, Status

ERROR_NOT_ALLOWED = "Your role in this office does not allow this."
ERROR_UNANSWERED = "Answer every control before completing the assessment ({count} left)."
ERROR_COMPLETED = "This assessment is complete; start a new one to change it."

# Facts other apps can supply: fact name → (module, function(office) -> (status, comment) | None).
FACT_HOOKS: dict[str, tuple[str, str]] = {
    "approvals": ("civicshield.web.publishing.selectors", "approval_policy_fact"),
}
FORWARDING_FRESH_DAYS = 30
Fact = tuple[str, str]


def _require(member: Membership) -> None:
    if not member.can(Capability.MANAGE_STAFF):
        raise NotAllowed(ERROR_NOT_ALLOWED)


def habit_settings_for(office: Office) -> HabitSettings:
    found, _ = HabitSettings.objects.get_or_create(office=office)
    return found


# --- check-in hours ------------------------------------------------------------------------


@transaction.atomic
def checkin_hours_update(
    *,
    actor: Membership,
    start: dt.time,
    end: dt.time,
    days: Sequence[int],
    casework_contact: str = "",
) -> Office:
    """Set the office's check-in hours (used by alerts and the bio lines)."""
    _require(actor)
    if not days:
        raise ValidationError(bio.ERROR_NO_DAYS)
    if end <= start:
        raise ValidationError(bio.ERROR_END_BEFORE_START)
    office = actor.office
    before = {
        "start": office.checkin_start.isoformat(),
        "end": office.checkin_end.isoformat(),
        "days": list(office.checkin_days),
    }
    office.checkin_start, office.checkin_end = start, end
    office.checkin_days = sorted({int(d) for d in days})
    office.save(update_fields=["checkin_start", "checkin_end", "checkin_days"])
    found = habit_settings_for(office)
    found.casework_contact = casework_contact.strip()
    found.save(update_fields=["casework_contact"])
    audit.record(
        action="habits.checkin_hours.changed",
        office=office,
        actor=actor.user,
        target=office,
        details={
            "before": before,
            "after": {
                "start": start.isoformat(),
                "end": end.isoformat(),
                "days": office.checkin_days,
                "casework_contact": found.casework_contact,
            },
        },
    )
    return office


def bio_lines_for_office(office: Office) -> dict[str, str]:
    contact = habit_settings_for(office).casework_contact
    return bio.bio_lines(
        start=office.checkin_start,
        end=office.checkin_end,
        days=office.checkin_days,
        contact=contact,
    )


def out_of_hours_notice_for(office: Office, moment: dt.datetime | None = None) -> str | None:
    """The out-of-hours notice, or ``None`` during check-in hours."""
    if office.within_checkin_hours(moment):
        return None
    return bio.out_of_hours_notice(
        start=office.checkin_start,
        end=office.checkin_end,
        days=office.checkin_days,
        office=office.name,
    )


# --- what CivicShield already knows --------------------------------------------------------


def _share(good: int, total: int, what: str, empty: str) -> Fact:
    if total == 0:
        return (Status.NOT_MET, empty)
    if good == total:
        return (Status.MET, f"All {total} {what}.")
    if good == 0:
        return (Status.NOT_MET, f"None of the {total} {what}.")
    return (Status.PARTLY, f"{good} of {total} {what}.")


def facts_for_office(office: Office, now: dt.datetime | None = None) -> dict[str, Fact]:
    """Statuses CivicShield can vouch for, each with a comment saying why."""
    from civicshield.web.emergency.models import Incident
    from civicshield.web.emergency.services import plan_for_office
    from civicshield.web.team.models import AccessReview, PlatformAccount, Task
    from civicshield.web.team.services import open_review, review_due_date

    now = now or timezone.now()
    today = timezone.localdate(now)
    accounts = list(PlatformAccount.objects.filter(office=office, is_closed=False))
    no_inventory = "No accounts are recorded in the inventory yet."
    members = list(Membership.objects.filter(office=office, is_active=True).select_related("user"))
    facts: dict[str, Fact] = {
        "accounts_two_factor": _share(
            sum(a.two_factor_ok for a in accounts),
            len(accounts),
            "accounts have two-factor sign-in by app or key",
            no_inventory,
        ),
        "accounts_recovery": _share(
            sum(
                a.recovery_confirmed is not None
                and (today - a.recovery_confirmed) <= dt.timedelta(days=365)
                for a in accounts
            ),
            len(accounts),
            "accounts had their recovery details checked in the last year",
            no_inventory,
        ),
        "accounts_report_page": _share(
            sum(bool(a.abuse_report_url) for a in accounts),
            len(accounts),
            "accounts have their report page recorded",
            no_inventory,
        ),
        "staff_two_factor": _share(
            sum(m.user.has_two_factor for m in members),
            len(members),
            "people have two-factor sign-in on",
            "Nobody is in the office.",
        ),
        "audit_log": (
            Status.MET,
            "CivicShield keeps an append-only, hash-chained audit log of every change.",
        ),
        "roles": (
            Status.MET,
            "Roles limit publishing to the comms officer, the office manager and the representative.",
        ),
    }
    shared = [a for a in accounts if a.shared_login]
    facts["no_shared_logins"] = (
        (Status.MET, "No account in the inventory is marked as a shared login.")
        if not shared
        else (
            Status.PARTLY,
            "Shared logins: " + ", ".join(a.name for a in shared) + ".",
        )
    )
    rotations = Task.objects.filter(office=office, kind=Task.Kind.ROTATION, done_at__isnull=True)
    overdue = rotations.filter(due__lt=now).count()
    facts["rotations_done"] = (
        (Status.NOT_MET, f"{overdue} password change(s) after a leaver are overdue.")
        if overdue
        else (Status.PARTLY, f"{rotations.count()} password change(s) are in progress.")
        if rotations.exists()
        else (Status.MET, "Every leaver's passwords have been changed.")
    )
    completed = AccessReview.objects.filter(office=office, completed_at__isnull=False).exists()
    if open_review(office) is not None:
        facts["access_review"] = (Status.PARTLY, "An access review is under way.")
    elif completed and review_due_date(office, now) > now:
        facts["access_review"] = (Status.MET, "The last access review is within the agreed period.")
    else:
        facts["access_review"] = (Status.NOT_MET, "No access review in the agreed period.")
    plan = plan_for_office(office)
    own = plan.contacts.filter(notify_on_incident=True).exclude(email="").exists()
    spoc = (
        plan.contacts.filter(name__icontains="single point of contact").exclude(phone="").exists()
    )
    facts["plan_contacts"] = (
        (Status.MET, "The plan has the office's own people and the police contact.")
        if own and spoc
        else (Status.PARTLY, "Fill in the local police contact's number in the plan.")
        if own
        else (Status.NOT_MET, "The plan lists none of the office's own people.")
    )
    drilled = Incident.objects.filter(
        office=office, is_drill=True, opened_at__gte=now - dt.timedelta(days=365)
    ).exists()
    facts["drill"] = (
        (Status.MET, "A drill was run in the last year.")
        if drilled
        else (Status.NOT_MET, "No drill in the last year: run one from the emergency page.")
    )
    open_incidents = Incident.objects.filter(office=office, closed_at__isnull=True, is_drill=False)
    facts["incident_reviews"] = (
        (Status.PARTLY, "An incident is still open.")
        if open_incidents.exists()
        else (Status.MET, "Every closed incident has a review (CivicShield asks for one).")
    )
    if (forwarding := _forwarding_fact(office, now)) is not None:
        facts["forwarding_audit"] = forwarding
    for fact, (module_name, function_name) in FACT_HOOKS.items():
        try:
            hook: Callable[[Office], Fact | None] | None = getattr(
                importlib.import_module(module_name), function_name, None
            )
        except ImportError:
            hook = None
        if hook is not None and (value := hook(office)) is not None:
            facts[fact] = value
    return facts


def _forwarding_fact(office: Office, now: dt.datetime) -> Fact | None:
    """From the mail-security app's forwarding audit: the latest check of each mailbox."""
    from django.apps import apps as django_apps

    if not django_apps.is_installed("civicshield.web.mailguard"):
        return None
    models = importlib.import_module("civicshield.web.mailguard.models")
    mailboxes = list(models.WatchedMailbox.objects.filter(office=office, enabled=True))
    if not mailboxes:
        return (Status.NOT_MET, "No mailbox is connected to the forwarding audit.")
    found, stale = [], []
    for mailbox in mailboxes:
        latest = mailbox.audits.order_by("-started").first()
        if latest is not None and latest.status == "found":
            found.append(mailbox.name)
        elif (
            latest is None
            or latest.status != "ok"
            or latest.started < now - dt.timedelta(days=FORWARDING_FRESH_DAYS)
        ):
            stale.append(mailbox.name)
    if found:
        return (Status.NOT_MET, "Forwarding outside the office was found in: " + ", ".join(found))
    if stale:
        return (
            Status.PARTLY,
            "No recent successful forwarding check for: " + ", ".join(stale),
        )
    return (Status.MET, f"All {len(mailboxes)} connected mailbox(es) passed the forwarding check.")


def _default_risk(status: str) -> str:
    return {Status.MET: Risk.LOW, Status.PARTLY: Risk.MEDIUM, Status.NOT_MET: Risk.HIGH}.get(
        Status(status), ""
    )


# --- the assessment ------------------------------------------------------------------------


@transaction.atomic
def assessment_start(*, actor: Membership) -> Assessment:
    """Start an assessment with every control, pre-filled from what CivicShield knows."""
    _require(actor)
    current = Assessment.objects.filter(office=actor.office, completed_at__isnull=True).first()
    if current is not None:
        return current
    assessment = Assessment.objects.create(office=actor.office, started_by=actor.user)
    facts = facts_for_office(actor.office)
    answers = []
    for control in CONTROLS.values():
        status, comment = facts.get(control.fact, ("", "")) if control.fact else ("", "")
        answers.append(
            AssessmentAnswer(
                assessment=assessment,
                control_id=control.id,
                status=status,
                comment=comment,
                residual_risk=_default_risk(status),
                prefilled=bool(status),
            )
        )
    AssessmentAnswer.objects.bulk_create(answers)
    audit.record(
        action="habits.assessment.started",
        office=actor.office,
        actor=actor.user,
        target=assessment,
        details={"prefilled": sum(a.prefilled for a in answers)},
    )
    return assessment


@transaction.atomic
def assessment_answer(
    *,
    actor: Membership,
    answer: AssessmentAnswer,
    status: str,
    comment: str = "",
    residual_risk: str = "",
    improvement: str = "",
) -> AssessmentAnswer:
    _require(actor)
    if answer.assessment.office_id != actor.office_id:
        raise NotAllowed(ERROR_NOT_ALLOWED)
    if answer.assessment.completed_at is not None:
        raise ValidationError(ERROR_COMPLETED)
    answer.status = status
    answer.comment = comment
    answer.residual_risk = residual_risk or _default_risk(status)
    answer.improvement = improvement[:300]
    answer.full_clean()
    answer.save()
    audit.record(
        action="habits.assessment.answered",
        office=actor.office,
        actor=actor.user,
        target=answer.assessment,
        details={"control": answer.control_id, "status": status, "improvement": answer.improvement},
    )
    return answer


def principle_rag(answers: Sequence[AssessmentAnswer]) -> dict[int, str]:
    """Red-amber-green per principle: red if any control is not met, green if all are met."""
    result: dict[int, str] = {}
    for principle in PRINCIPLES:
        statuses = [a.status for a in answers if principle_of(a.control_id) == principle.number]
        if Status.NOT_MET in statuses:
            result[principle.number] = "red"
        elif statuses and all(s == Status.MET for s in statuses):
            result[principle.number] = "green"
        else:
            result[principle.number] = "amber"
    return result


@transaction.atomic
def assessment_complete(*, actor: Membership, assessment: Assessment) -> list[int]:
    """Complete it: every improvement on a control not fully met becomes a tracked task.

    Returns the new tasks' ids.
    """
    from civicshield.web.team.models import Task
    from civicshield.web.team.services import task_create

    _require(actor)
    if assessment.office_id != actor.office_id:
        raise NotAllowed(ERROR_NOT_ALLOWED)
    if assessment.completed_at is not None:
        raise ValidationError(ERROR_COMPLETED)
    answers = list(assessment.answers.all())
    left = sum(1 for a in answers if not a.status)
    if left:
        raise ValidationError(ERROR_UNANSWERED.format(count=left))
    due = timezone.now() + dt.timedelta(days=30)
    created = []
    for answer in answers:
        if answer.status != Status.MET and answer.improvement.strip():
            control = CONTROLS[answer.control_id]
            task = task_create(
                office=assessment.office,
                kind=Task.Kind.IMPROVEMENT,
                title=answer.improvement,
                detail=f"From the security self-assessment, control {control.id}: {control.text}.",
                due=due,
                actor=actor.user,
            )
            answer.task = task
            answer.save(update_fields=["task"])
            created.append(task.pk)
    assessment.completed_at, assessment.completed_by = timezone.now(), actor.user
    assessment.save(update_fields=["completed_at", "completed_by"])
    audit.record(
        action="habits.assessment.completed",
        office=assessment.office,
        actor=actor.user,
        target=assessment,
        details={"rag": principle_rag(answers), "tasks": created},
    )
    return created


def assessment_next_due(office: Office, now: dt.datetime | None = None) -> dt.datetime:
    """Six months (configurable) after the last completed assessment; now if there is none."""
    last = (
        Assessment.objects.filter(office=office, completed_at__isnull=False)
        .order_by("-completed_at")
        .first()
    )
    if last is None or last.completed_at is None:
        return now or timezone.now()
    interval = dt.timedelta(days=habit_settings_for(office).assessment_interval_days)
    return last.completed_at + interval


CSV_HEADER = (
    "NCSC principle",
    "Security question",
    "Control",
    "Security control",
    "How implemented (comments)",
    "Control status",
    "Residual risk",
    "Principle RAG status",
    "Improvements",
)


def assessment_csv(assessment: Assessment) -> str:
    """The assessment as a spreadsheet, in the public template's column order."""
    answers = {a.control_id: a for a in assessment.answers.all()}
    rag = principle_rag(list(answers.values()))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for principle in PRINCIPLES:
        for question in principle.questions:
            for control in question.controls:
                answer = answers.get(control.id)
                writer.writerow(
                    csv_cell(str(value))
                    for value in [
                        f"{principle.number}. {principle.title}",
                        question.text,
                        control.id,
                        control.text,
                        answer.comment if answer else "",
                        answer.get_status_display() if answer else "",
                        answer.get_residual_risk_display() if answer else "",
                        rag[principle.number].capitalize(),
                        answer.improvement if answer else "",
                    ]
                )
    return out.getvalue()


REMIND_EVERY = dt.timedelta(days=7)


def assessment_remind(*, office: Office, now: dt.datetime | None = None) -> bool:
    """Email the managers once a week while a self-assessment is due; return whether it did."""
    from django.conf import settings as django_settings
    from django.core.mail import send_mail
    from django.urls import reverse

    now = now or timezone.now()
    found = habit_settings_for(office)
    in_progress = Assessment.objects.filter(office=office, completed_at__isnull=True).exists()
    if assessment_next_due(office, now) > now and not in_progress:
        return False
    if found.assessment_reminded is not None and now - found.assessment_reminded < REMIND_EVERY:
        return False
    recipients = [
        m.user.email
        for m in Membership.objects.filter(office=office, is_active=True).select_related("user")
        if m.can(Capability.MANAGE_STAFF)
    ]
    if not recipients:
        return False
    send_mail(
        subject=f"Time for {office.name}'s security self-assessment",
        message=(
            "Every six months the office checks its social media security against the NCSC "
            "principles. CivicShield has filled in what it already knows; the rest takes "
            f"about twenty minutes:\n\n{django_settings.SITE_URL}{reverse('habits:assessment')}\n"
        ),
        from_email=None,
        recipient_list=recipients,
    )
    with transaction.atomic():
        HabitSettings.objects.filter(pk=found.pk).update(assessment_reminded=now)
        audit.record(
            action="habits.assessment.reminder_sent", office=office, details={"to": recipients}
        )
    return True
