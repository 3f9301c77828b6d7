"""The emergency plan, its printable PDF, and incident mode."""

from __future__ import annotations

from django.apps import apps as django_apps
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from civicshield.web.accounts.decorators import member_required
from civicshield.web.accounts.http import MemberRequest
from civicshield.web.accounts.reauth import recently_reauthenticated
from civicshield.web.accounts.roles import Capability
from civicshield.web.downloads import attachment_response
from civicshield.web.emergency import selectors, services
from civicshield.web.emergency.forms import (
    CloseForm,
    ContactForm,
    IncidentOpenForm,
    NoteForm,
    NotesForm,
    PlaybookForm,
)
from civicshield.web.emergency.pdf import PdfUnavailable, plan_pdf


def _reauth_redirect(request: HttpRequest) -> HttpResponse | None:
    """``@require_reauth`` after the object lookup, so other offices still get 404."""
    if recently_reauthenticated(request):
        return None
    target = reverse("accounts:reauth") + "?" + urlencode({"next": request.get_full_path()})
    return redirect(target)


@member_required()
def plan(request: MemberRequest) -> HttpResponse:
    member = request.member
    the_plan = services.plan_for_office(member.office)
    context = {
        "plan": the_plan,
        "contacts": the_plan.contacts.all(),
        "playbooks": the_plan.playbooks.all(),
        "incidents": selectors.incident_list_for_member(member=member)[:20],
        "open_incident": services.incident_get_open(member.office),
    }
    return render(request, "emergency/plan.html", context)


@member_required()
def plan_download(request: MemberRequest) -> HttpResponse:
    the_plan = services.plan_for_office(request.member.office)
    try:
        data = plan_pdf(the_plan)
    except PdfUnavailable as exc:
        messages.error(request, str(exc))
        return redirect("emergency:plan")
    return attachment_response(data, content_type="application/pdf", filename="emergency-plan.pdf")


@member_required(Capability.MANAGE_EMERGENCY)
def notes_edit(request: MemberRequest) -> HttpResponse:
    if (response := _reauth_redirect(request)) is not None:
        return response
    the_plan = services.plan_for_office(request.member.office)
    form = NotesForm(request.POST or None, initial={"notes": the_plan.notes})
    if request.method == "POST" and form.is_valid():
        services.plan_notes_update(actor=request.member, notes=form.cleaned_data["notes"])
        return redirect("emergency:plan")
    return render(request, "emergency/edit.html", {"form": form, "heading": "Notes for everyone"})


@member_required(Capability.MANAGE_EMERGENCY)
def contact_add(request: MemberRequest) -> HttpResponse:
    if (response := _reauth_redirect(request)) is not None:
        return response
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.contact_save(actor=request.member, **form.cleaned_data)
        return redirect("emergency:plan")
    return render(request, "emergency/edit.html", {"form": form, "heading": "Add a contact"})


@member_required(Capability.MANAGE_EMERGENCY)
def contact_edit(request: MemberRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get_for_member(member=request.member, pk=pk)
    if (response := _reauth_redirect(request)) is not None:
        return response
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST":
        if request.POST.get("delete") == "yes":
            services.contact_delete(actor=request.member, contact=contact)
            messages.success(request, f"{contact.name} was removed from the plan.")
            return redirect("emergency:plan")
        if form.is_valid():
            services.contact_save(
                actor=request.member,
                contact=selectors.contact_get_for_member(member=request.member, pk=pk),
                **form.cleaned_data,
            )
            return redirect("emergency:plan")
    return render(
        request,
        "emergency/edit.html",
        {"form": form, "heading": f"Edit {contact.name}", "deletable": True},
    )


@member_required(Capability.MANAGE_EMERGENCY)
def playbook_edit(request: MemberRequest, pk: int) -> HttpResponse:
    playbook = selectors.playbook_get_for_member(member=request.member, pk=pk)
    if (response := _reauth_redirect(request)) is not None:
        return response
    form = PlaybookForm(request.POST or None, initial={"steps": playbook.steps})
    if request.method == "POST" and form.is_valid():
        services.playbook_update(
            actor=request.member, playbook=playbook, steps=form.cleaned_data["steps"]
        )
        return redirect("emergency:plan")
    return render(
        request, "emergency/edit.html", {"form": form, "heading": f"Playbook: {playbook}"}
    )


@member_required(Capability.MANAGE_EMERGENCY)
def incident_open(request: MemberRequest) -> HttpResponse:
    form = IncidentOpenForm(request.POST or None, office=request.member.office)
    if request.method == "POST" and form.is_valid():
        incident = services.incident_open(
            actor=request.member,
            kind=form.cleaned_data["kind"],
            summary=form.cleaned_data["summary"],
            drill=form.cleaned_data["drill"],
            accounts=form.cleaned_data["accounts"],
        )
        return redirect("emergency:incident", pk=incident.pk)
    return render(request, "emergency/incident_open.html", {"form": form})


@member_required()
def incident(request: MemberRequest, pk: int) -> HttpResponse:
    found = selectors.incident_get_for_member(member=request.member, pk=pk)
    context = {
        "incident": found,
        "steps": found.steps.select_related("done_by", "account"),
        "timeline": found.timeline.select_related("actor"),
        "notices": found.notices.all(),
        "note_form": NoteForm(),
        "mailguard": django_apps.is_installed("civicshield.web.mailguard"),
    }
    return render(request, "emergency/incident.html", context)


@member_required()
def step_mark(request: MemberRequest, pk: int) -> HttpResponse:
    step = selectors.step_get_for_member(member=request.member, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.incident_step_mark(
            actor=request.member, step=step, done=request.POST.get("done") == "yes"
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(
        reverse("emergency:incident", kwargs={"pk": step.incident_id}) + f"#step-{step.pk}"
    )


@member_required()
def incident_note(request: MemberRequest, pk: int) -> HttpResponse:
    found = selectors.incident_get_for_member(member=request.member, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.incident_note_add(
                actor=request.member, incident=found, text=form.cleaned_data["text"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect("emergency:incident", pk=found.pk)


@member_required(Capability.MANAGE_EMERGENCY)
def incident_close(request: MemberRequest, pk: int) -> HttpResponse:
    found = selectors.incident_get_for_member(member=request.member, pk=pk)
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.incident_close(actor=request.member, incident=found, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "The incident is closed. Thank you for the review.")
            return redirect("emergency:incident", pk=found.pk)
    return render(request, "emergency/incident_close.html", {"incident": found, "form": form})
