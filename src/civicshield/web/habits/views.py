"""Habits pages: check-in hours and bio lines, passphrases, the self-assessment, the exposure audit."""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps as django_apps
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render

from civicshield.web.accounts.decorators import member_required
from civicshield.web.accounts.http import MemberRequest
from civicshield.web.accounts.roles import Capability
from civicshield.web.audit import services as audit
from civicshield.web.downloads import attachment_response
from civicshield.web.habits import bio, services
from civicshield.web.habits.assessment_spec import PRINCIPLES
from civicshield.web.habits.exposure import exposure_audit
from civicshield.web.habits.forms import (
    AnswerForm,
    CheckinForm,
    ExposureForm,
    ImpersonationForm,
    PassphraseCheckForm,
)
from civicshield.web.habits.models import Assessment

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


@member_required()
def index(request: MemberRequest) -> HttpResponse:
    office = request.member.office
    settings = services.habit_settings_for(office)
    form = CheckinForm(
        request.POST or None,
        initial={
            "start": office.checkin_start,
            "end": office.checkin_end,
            "days": office.checkin_days,
            "casework_contact": settings.casework_contact,
        },
    )
    if request.method == "POST":
        if not request.member.can(Capability.MANAGE_STAFF):
            raise PermissionDenied("Only the office manager or representative sets check-in hours.")
        if form.is_valid():
            services.checkin_hours_update(actor=request.member, **form.cleaned_data)
            messages.success(request, "Check-in hours saved. Update each platform's bio below.")
            return redirect("habits:index")
    lines = services.bio_lines_for_office(office)
    context: dict[str, Any] = {
        "form": form,
        "hours": bio.hours_text(office.checkin_start, office.checkin_end, office.checkin_days),
        "bios": [
            (bio.PLATFORM_NAMES[p], line, bio.visible_length(line), bio.BIO_LIMITS[p])
            for p, line in lines.items()
        ],
        "out_of_hours": services.out_of_hours_notice_for(office),
        "notice": bio.out_of_hours_notice(
            start=office.checkin_start,
            end=office.checkin_end,
            days=office.checkin_days,
            office=office.name,
        ),
        "assessment_due": services.assessment_next_due(office),
    }
    return render(request, "habits/index.html", context)


@member_required()
def passphrase(request: MemberRequest) -> HttpResponse:
    """Three random words, and a strength check that never stores or logs what was typed."""
    from civicshield.core import passphrase as engine

    try:
        words = max(engine.MIN_WORDS, min(int(request.GET.get("words", "3")), 8))
    except ValueError:
        words = engine.DEFAULT_WORDS
    form = PassphraseCheckForm(request.POST or None)
    report = None
    if request.method == "POST" and form.is_valid():
        user = request.member.user
        report = engine.strength(
            form.cleaned_data["password"],
            user_inputs=[user.email, user.full_name, request.member.office.name],
        )
        form = PassphraseCheckForm()  # never echo the password back into the page
    context = {
        "suggestions": [engine.generate(words) for _ in range(5)],
        "words": words,
        "form": form,
        "report": report,
    }
    return render(request, "habits/passphrase.html", context)


def _assessment_rows(assessment: Assessment, post: Any = None) -> list[dict[str, Any]]:
    answers = {a.control_id: a for a in assessment.answers.all()}
    rag = services.principle_rag(list(answers.values()))
    rows = []
    for principle in PRINCIPLES:
        questions = []
        for question in principle.questions:
            controls = []
            for control in question.controls:
                answer = answers[control.id]
                form = AnswerForm(
                    post,
                    prefix=f"c{control.id}",
                    initial={
                        "status": answer.status,
                        "comment": answer.comment,
                        "residual_risk": answer.residual_risk,
                        "improvement": answer.improvement,
                    },
                )
                controls.append({"control": control, "answer": answer, "form": form})
            questions.append({"question": question, "controls": controls})
        rows.append({"principle": principle, "rag": rag[principle.number], "questions": questions})
    return rows


@member_required(Capability.MANAGE_STAFF)
def assessment(request: MemberRequest) -> HttpResponse:
    office = request.member.office
    current = Assessment.objects.filter(office=office, completed_at__isnull=True).first()
    last = Assessment.objects.filter(office=office, completed_at__isnull=False).first()
    shown = current or last
    if request.method == "POST" and current is not None:
        rows = _assessment_rows(current, request.POST)
        for row in rows:
            for q in row["questions"]:
                for c in q["controls"]:
                    form, answer = c["form"], c["answer"]
                    if form.is_valid() and form.has_changed():
                        services.assessment_answer(
                            actor=request.member, answer=answer, **form.cleaned_data
                        )
        messages.success(request, "Answers saved.")
        return redirect("habits:assessment")
    context = {
        "current": current,
        "shown": shown,
        "rows": _assessment_rows(shown) if shown is not None else [],
        "next_due": services.assessment_next_due(office),
        "history": Assessment.objects.filter(office=office, completed_at__isnull=False)[:10],
    }
    return render(request, "habits/assessment.html", context)


@member_required(Capability.MANAGE_STAFF)
def assessment_start(request: MemberRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.assessment_start(actor=request.member)
    return redirect("habits:assessment")


@member_required(Capability.MANAGE_STAFF)
def assessment_complete(request: MemberRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Assessment.objects.filter(office=request.member.office), pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        tasks = services.assessment_complete(actor=request.member, assessment=found)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"Assessment complete. {len(tasks)} improvement(s) are now tasks."
        )
    return redirect("habits:assessment")


@member_required(Capability.MANAGE_STAFF)
def assessment_export(request: MemberRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Assessment.objects.filter(office=request.member.office), pk=pk)
    return attachment_response(
        services.assessment_csv(found),
        content_type="text/csv; charset=utf-8",
        filename=f"security-assessment-{found.started:%Y-%m-%d}.csv",
    )


@member_required(Capability.MANAGE_ACCOUNTS)
def exposure(request: MemberRequest) -> HttpResponse:
    """Upload past posts; list the ones that give away personal details, with links to delete them."""
    form = ExposureForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["archive"]
        if upload.size > MAX_UPLOAD_BYTES:
            form.add_error("archive", "The file is larger than 10 MB: split it and try again.")
        else:
            try:
                report = exposure_audit(upload.read(), upload.name or "")
            except ValueError as exc:
                form.add_error("archive", str(exc))
            else:
                # The counts only: the posts' text is personal data and stays out of the log.
                audit.record(
                    action="habits.exposure.audited",
                    office=request.member.office,
                    actor=request.member.user,
                    details={"posts": report.posts_read, "exposed": len(report.exposed)},
                )
    return render(request, "habits/exposure.html", {"form": form, "report": report})


@member_required(Capability.MANAGE_ACCOUNTS)
def impersonation(request: MemberRequest) -> HttpResponse:
    """Compare new followers with the office's own handles and people's names; list lookalikes."""
    from django.utils import timezone

    from civicshield.web.accounts.models import Membership
    from civicshield.web.habits import impersonation as engine
    from civicshield.web.team.models import PlatformAccount

    form = ImpersonationForm(request.POST or None, request.FILES or None)
    suspects = None
    checked = 0
    errors: list[str] = []
    office = request.member.office
    own_handles = tuple(
        PlatformAccount.objects.filter(office=office)
        .exclude(handle="")
        .exclude(platform__in=["email", "website"])
        .values_list("handle", flat=True)
    )
    people = [
        m.user.full_name
        for m in Membership.objects.filter(office=office, is_active=True).select_related("user")
    ]
    if django_apps.is_installed("civicshield.web.mailguard"):
        # The office's known contacts, as kept for the phishing checks.
        contacts = importlib.import_module("civicshield.web.mailguard.models").TrustedContact
        people += list(contacts.objects.filter(office=office).values_list("name", flat=True))
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["followers"]
        if upload.size > MAX_UPLOAD_BYTES:
            form.add_error("followers", "The file is larger than 10 MB: split it and try again.")
        else:
            try:
                accounts, errors = engine.read_accounts(upload.read())
            except ValueError as exc:
                form.add_error("followers", str(exc))
            else:
                protected = engine.Protected(
                    handles=own_handles,
                    names=engine.names_to_protect(people, form.cleaned_data["extra_names"]),
                )
                suspects = engine.check_accounts(accounts, protected, timezone.localdate())
                checked = len(accounts)
                audit.record(
                    action="habits.impersonation.checked",
                    office=office,
                    actor=request.member.user,
                    details={"accounts": checked, "suspects": len(suspects)},
                )
    context = {
        "form": form,
        "suspects": suspects,
        "checked": checked,
        "errors": errors,
        "own_handles": own_handles,
    }
    return render(request, "habits/impersonation.html", context)
