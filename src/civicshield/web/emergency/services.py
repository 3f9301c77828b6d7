"""The emergency plan and incident mode: every change is checked, recorded on the timeline and audited."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable
from typing import Any

from django.apps import apps as django_apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from civicshield.web.accounts.models import Membership, Office, User
from civicshield.web.accounts.roles import Capability, Role
from civicshield.web.accounts.services import NotAllowed
from civicshield.web.audit import services as audit
from civicshield.web.emergency.defaults import (
    DEFAULT_CONTACTS,
    DEFAULT_PLAYBOOKS,
    FORWARDING_STEP,
    HACKED_ACCOUNT_STEPS,
)
from civicshield.web.emergency.models import (
    ContactNotice,
    EmergencyPlan,
    Incident,
    IncidentStep,
    PlanContact,
    Playbook,
    PlaybookKind,
    TimelineEntry,
)
from civicshield.web.jobs.services import enqueue

log = logging.getLogger(__name__)

ERROR_NOT_ALLOWED = "Your role in this office does not allow this."
ERROR_CLOSED = "This incident is closed."
ERROR_REVIEW_NEEDED = "Write a few words on what happened before closing the incident."
ERROR_ACCOUNTS_OTHER_OFFICE = "That account belongs to another office."
NOTICE_SUBJECT = "URGENT: {office} has started its emergency plan"
NOTICE_BODY = """{name},

{office} has started its emergency plan: {kind}.
{summary}
Started by {actor} at {when}. Scheduled posts have been paused.

You are listed in the plan as someone to tell. Please get in touch with the office by a
way you already know (not by replying to an unexpected message), and follow the plan:
{link}
"""
NO_MAILBOX_AUDIT = (
    "No mailbox is connected to CivicShield's forwarding audit: check the forwarding rules and "
    "filters by hand in the mailbox's settings."
)


def _require(member: Membership, capability: Capability) -> None:
    if not member.can(capability):
        raise NotAllowed(ERROR_NOT_ALLOWED)


def _same_office(member: Membership, office_id: int) -> None:
    if member.office_id != office_id:
        raise NotAllowed(ERROR_NOT_ALLOWED)


# --- the plan ------------------------------------------------------------------------------


@transaction.atomic
def plan_for_office(office: Office) -> EmergencyPlan:
    """The office's plan, created with the default contacts and playbooks on first use."""
    plan, created = EmergencyPlan.objects.get_or_create(office=office)
    if not created:
        return plan
    position = 0
    for default in DEFAULT_CONTACTS:
        position += 10
        PlanContact.objects.create(
            plan=plan,
            position=position,
            name=default.name,
            when=default.when,
            phone=default.phone,
            email=default.email,
            url=default.url,
        )
    leaders = Membership.objects.filter(
        office=office, is_active=True, role__in=[Role.REPRESENTATIVE, Role.OFFICE_MANAGER]
    ).select_related("user")
    for leader in leaders:
        position += 10
        PlanContact.objects.create(
            plan=plan,
            position=position,
            name=leader.user.full_name or leader.user.email,
            when=f"The office's own people: {leader.get_role_display().lower()}.",
            email=leader.user.email,
            notify_on_incident=True,
        )
    for kind, steps in DEFAULT_PLAYBOOKS.items():
        Playbook.objects.create(plan=plan, kind=kind, steps="\n".join(steps))
    audit.record(action="emergency.plan.created", office=office, target=plan)
    return plan


CONTACT_FIELDS = ("position", "name", "when", "phone", "email", "url", "notify_on_incident")


@transaction.atomic
def contact_save(
    *, actor: Membership, contact: PlanContact | None = None, **fields: Any
) -> PlanContact:
    _require(actor, Capability.MANAGE_EMERGENCY)
    plan = plan_for_office(actor.office)
    if contact is None:
        contact = PlanContact(plan=plan)
        action = "emergency.contact.added"
    else:
        _same_office(actor, contact.plan.office_id)
        action = "emergency.contact.changed"
    for name in CONTACT_FIELDS:
        if name in fields:
            setattr(contact, name, fields[name])
    contact.full_clean()
    contact.save()
    EmergencyPlan.objects.filter(pk=plan.pk).update(updated=timezone.now())
    audit.record(
        action=action,
        office=actor.office,
        actor=actor.user,
        target=contact,
        details={k: fields[k] for k in CONTACT_FIELDS if k in fields},
    )
    return contact


@transaction.atomic
def contact_delete(*, actor: Membership, contact: PlanContact) -> None:
    _require(actor, Capability.MANAGE_EMERGENCY)
    _same_office(actor, contact.plan.office_id)
    audit.record(
        action="emergency.contact.removed",
        office=actor.office,
        actor=actor.user,
        target=contact,
        details={"name": contact.name},
    )
    contact.delete()


@transaction.atomic
def playbook_update(*, actor: Membership, playbook: Playbook, steps: str) -> Playbook:
    _require(actor, Capability.MANAGE_EMERGENCY)
    _same_office(actor, playbook.plan.office_id)
    before = playbook.step_list()
    playbook.steps = "\n".join(line.strip() for line in steps.splitlines() if line.strip())
    playbook.full_clean()
    playbook.save(update_fields=["steps"])
    audit.record(
        action="emergency.playbook.changed",
        office=actor.office,
        actor=actor.user,
        target=playbook,
        details={"before": before, "after": playbook.step_list()},
    )
    return playbook


@transaction.atomic
def plan_notes_update(*, actor: Membership, notes: str) -> EmergencyPlan:
    _require(actor, Capability.MANAGE_EMERGENCY)
    plan = plan_for_office(actor.office)
    plan.notes = notes
    plan.updated = timezone.now()
    plan.save(update_fields=["notes", "updated"])
    audit.record(
        action="emergency.plan.changed", office=actor.office, actor=actor.user, target=plan
    )
    return plan


# --- incidents -----------------------------------------------------------------------------


def timeline_add(
    *,
    incident: Incident,
    text: str,
    action: str,
    actor: User | None = None,
    details: dict[str, Any] | None = None,
) -> TimelineEntry:
    """One line on the incident's timeline, and the same in the audit log."""
    entry = TimelineEntry.objects.create(incident=incident, actor=actor, text=text)
    audit.record(
        action=action,
        office=incident.office,
        actor=actor,
        target=incident,
        details={"text": text, "drill": incident.is_drill, **(details or {})},
    )
    return entry


def _steps_for(
    incident: Incident, kind: str, playbook: Playbook | None, accounts: list[Any]
) -> list[IncidentStep]:
    base = playbook.step_list() if playbook is not None else list(DEFAULT_PLAYBOOKS[kind])
    steps: list[IncidentStep] = []
    if kind == PlaybookKind.HACKED_ACCOUNT and accounts:
        # The NCSC recovery steps, tracked for each affected account.
        for account in accounts:
            for text in base or list(HACKED_ACCOUNT_STEPS):
                action = ""
                if text.startswith(FORWARDING_STEP):
                    action = IncidentStep.Action.FORWARDING_AUDIT
                steps.append(
                    IncidentStep(
                        incident=incident,
                        text=text[:500],
                        account=account,
                        action=action,
                    )
                )
    else:
        steps = [IncidentStep(incident=incident, text=text[:500]) for text in base]
    for position, step in enumerate(steps, start=1):
        step.position = position
    return steps


def _run_forwarding_audit(incident: Incident, actor: Membership) -> None:
    """Start the mail forwarding check of every connected mailbox; else say what to do by hand.

    Attackers who take over an account often add a rule that forwards the office's mail to
    themselves, so they can reset passwords again (NCSC, "Recovering a hacked account").
    """
    mailboxes: list[Any] = []
    if django_apps.is_installed("civicshield.web.mailguard"):
        models = importlib.import_module("civicshield.web.mailguard.models")
        mailboxes = list(models.WatchedMailbox.objects.filter(office=incident.office, enabled=True))
    if not mailboxes:
        timeline_add(
            incident=incident,
            text=NO_MAILBOX_AUDIT,
            action="emergency.incident.forwarding_audit",
            actor=actor.user,
        )
        return
    for mailbox in mailboxes:
        enqueue(
            "mailguard.forwarding_audit",
            office=incident.office,
            mailbox_id=mailbox.pk,
            requested_by=actor.pk,
        )
    timeline_add(
        incident=incident,
        text="The mail forwarding check was started for "
        + ", ".join(str(m.name or m.address) for m in mailboxes)
        + ". Its results appear on the mail security page.",
        action="emergency.incident.forwarding_audit",
        actor=actor.user,
        details={"mailboxes": [m.pk for m in mailboxes]},
    )


@transaction.atomic
def incident_open(
    *,
    actor: Membership,
    kind: str,
    summary: str = "",
    drill: bool = False,
    accounts: Iterable[Any] = (),
) -> Incident:
    """Incident mode in one action.

    1. pauses every scheduled post (``office.publishing_paused``; publishing refuses while set);
    2. opens the incident with the playbook as a checklist (per account for a hacked account);
    3. queues an email to every plan contact marked "email them" (sent after commit, retried);
    4. records each step on the timeline and in the audit log.
    A drill does all of this on the page but pauses nothing and tells nobody.
    """
    _require(actor, Capability.MANAGE_EMERGENCY)
    if kind not in PlaybookKind.values:
        raise ValidationError({"kind": "Choose what has happened."})
    accounts = list(accounts)
    for account in accounts:
        if account.office_id != actor.office_id:
            raise NotAllowed(ERROR_ACCOUNTS_OTHER_OFFICE)
    office = Office.objects.select_for_update().get(pk=actor.office_id)
    plan = plan_for_office(office)
    incident = Incident.objects.create(
        office=office, kind=kind, summary=summary[:300], is_drill=drill, opened_by=actor.user
    )
    incident.accounts.set(accounts)
    label = "Drill started" if drill else "Incident mode started"
    timeline_add(
        incident=incident,
        text=f"{label}: {incident.get_kind_display()}. {summary}".strip(),
        action="emergency.incident.opened",
        actor=actor.user,
        details={"kind": kind, "accounts": [a.pk for a in accounts]},
    )
    if drill:
        timeline_add(
            incident=incident,
            text="Drill: scheduled posts were not paused and nobody was emailed.",
            action="emergency.incident.drill",
            actor=actor.user,
        )
    else:
        was_paused = office.publishing_paused
        office.publishing_paused = True
        office.save(update_fields=["publishing_paused"])
        timeline_add(
            incident=incident,
            text="Every scheduled post was paused."
            if not was_paused
            else "Scheduled posts were already paused.",
            action="emergency.publishing.paused",
            actor=actor.user,
        )
        contacts = [c for c in plan.contacts.all() if c.notify_on_incident and c.email]
        ContactNotice.objects.bulk_create(
            ContactNotice(incident=incident, name=c.name, email=c.email) for c in contacts
        )
        if contacts:
            timeline_add(
                incident=incident,
                text=f"Emailing {len(contacts)} contact(s) from the plan: "
                + ", ".join(c.name for c in contacts),
                action="emergency.contacts.queued",
                actor=actor.user,
            )
            enqueue("emergency.send_notices", office=office, incident_id=incident.pk)
    playbook = plan.playbooks.filter(kind=kind).first()
    IncidentStep.objects.bulk_create(_steps_for(incident, kind, playbook, accounts))
    if kind == PlaybookKind.HACKED_ACCOUNT and not drill:
        _run_forwarding_audit(incident, actor)
    return incident


def notices_send(*, incident_id: int) -> int:
    """Send the incident's unsent contact emails; return how many went. Safe to retry.

    Each notice is marked sent as soon as its own email is accepted, so a retry after a
    failure part-way does not email the same person twice.
    """
    incident = Incident.objects.select_related("office", "opened_by").get(pk=incident_id)
    if incident.is_drill:
        return 0
    link = settings.SITE_URL + reverse("emergency:incident", kwargs={"pk": incident.pk})
    sent = 0
    failures: list[str] = []
    for notice in incident.notices.filter(sent_at__isnull=True):
        body = NOTICE_BODY.format(
            name=notice.name,
            office=incident.office.name,
            kind=incident.get_kind_display().lower(),
            summary=incident.summary,
            actor=incident.opened_by.full_name if incident.opened_by else "someone",
            when=timezone.localtime(incident.opened_at).strftime("%H:%M on %d %B %Y"),
            link=link,
        )
        try:
            send_mail(
                subject=NOTICE_SUBJECT.format(office=incident.office.name),
                message=body,
                from_email=None,
                recipient_list=[notice.email],
            )
        except OSError as exc:  # smtplib errors are OSErrors too
            notice.last_error = str(exc)[:500]
            notice.save(update_fields=["last_error"])
            failures.append(notice.email)
            continue
        with transaction.atomic():
            notice.sent_at = timezone.now()
            notice.last_error = ""
            notice.save(update_fields=["sent_at", "last_error"])
            timeline_add(
                incident=incident,
                text=f"Emailed {notice.name} ({notice.email}).",
                action="emergency.contact.notified",
            )
        sent += 1
    if failures:
        # Raise so the job engine retries the rest with back-off.
        raise OSError(f"could not email {', '.join(failures)}")
    return sent


def incident_get_open(office: Office) -> Incident | None:
    return Incident.objects.filter(office=office, closed_at__isnull=True).first()


@transaction.atomic
def incident_step_mark(*, actor: Membership, step: IncidentStep, done: bool) -> IncidentStep:
    """Tick or untick a checklist step. Anyone in the office may help during an incident."""
    _same_office(actor, step.incident.office_id)
    if step.incident.closed_at is not None:
        raise ValidationError(ERROR_CLOSED)
    step.done_at = timezone.now() if done else None
    step.done_by = actor.user if done else None
    step.save(update_fields=["done_at", "done_by"])
    label = f"{step.account.name}: {step.text}" if step.account is not None else step.text
    timeline_add(
        incident=step.incident,
        text=("Done: " if done else "Not done after all: ") + label,
        action="emergency.step.done" if done else "emergency.step.undone",
        actor=actor.user,
        details={"step": step.pk},
    )
    return step


@transaction.atomic
def incident_note_add(*, actor: Membership, incident: Incident, text: str) -> TimelineEntry:
    _same_office(actor, incident.office_id)
    if incident.closed_at is not None:
        raise ValidationError(ERROR_CLOSED)
    return timeline_add(
        incident=incident, text=text[:2000], action="emergency.incident.note", actor=actor.user
    )


@transaction.atomic
def incident_close(
    *,
    actor: Membership,
    incident: Incident,
    what_happened: str,
    what_worked: str = "",
    what_to_change: str = "",
    resume_publishing: bool = False,
) -> Incident:
    """Close with a short review; scheduled posts resume only when asked and no incident is open."""
    _require(actor, Capability.MANAGE_EMERGENCY)
    _same_office(actor, incident.office_id)
    if incident.closed_at is not None:
        raise ValidationError(ERROR_CLOSED)
    if not what_happened.strip():
        raise ValidationError(ERROR_REVIEW_NEEDED)
    incident.closed_at, incident.closed_by = timezone.now(), actor.user
    incident.review_what_happened = what_happened
    incident.review_what_worked = what_worked
    incident.review_what_to_change = what_to_change
    incident.save()
    timeline_add(
        incident=incident,
        text="Closed, with a review.",
        action="emergency.incident.closed",
        actor=actor.user,
        details={
            "what_happened": what_happened,
            "what_worked": what_worked,
            "what_to_change": what_to_change,
        },
    )
    others_open = Incident.objects.filter(
        office=incident.office, closed_at__isnull=True, is_drill=False
    ).exists()
    if resume_publishing and not incident.is_drill and not others_open:
        office = Office.objects.select_for_update().get(pk=incident.office_id)
        office.publishing_paused = False
        office.save(update_fields=["publishing_paused"])
        timeline_add(
            incident=incident,
            text="Scheduled posts were resumed.",
            action="emergency.publishing.resumed",
            actor=actor.user,
        )
    return incident
