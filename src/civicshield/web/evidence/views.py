"""Evidence pages: record, look at a record, download packs, cases and platform reports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from civicshield.connectors.base import ConnectorError
from civicshield.web.accounts.decorators import member_required
from civicshield.web.accounts.http import MemberRequest
from civicshield.web.accounts.roles import Capability
from civicshield.web.downloads import attachment_response
from civicshield.web.evidence import moderation, reporting, selectors, services
from civicshield.web.evidence.forms import (
    AddMessagesForm,
    CaseForm,
    CorrectionForm,
    OutcomeForm,
    PlatformReportForm,
    RecordForm,
)
from civicshield.web.evidence.models import Case, EvidenceRecord, EvidenceScreenshot
from civicshield.web.evidence.packs import Pack, PackError, pack_build, record_text
from civicshield.web.inbox import selectors as inbox_selectors
from civicshield.web.inbox.models import Message

EVIDENCE = Capability.VIEW_EVIDENCE
# Stored bytes are served as downloads or images only, never as a page: no scripts, no sniffing.
_LOCKED_DOWN = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}


def _locked(response: HttpResponse) -> HttpResponse:
    for header, value in _LOCKED_DOWN.items():
        response[header] = value
    return response


def _zip(pack: Pack) -> HttpResponse:
    response = attachment_response(
        pack.data, content_type="application/zip", filename=pack.filename
    )
    response["X-Evidence-Manifest-SHA256"] = pack.manifest_sha256
    return _locked(response)


# --- records ----------------------------------------------------------------------------------


@require_POST
@member_required(EVIDENCE)
def record_message(request: MemberRequest, pk: int) -> HttpResponse:
    message = inbox_selectors.message_get_for_member(member=request.member, pk=pk)
    form = RecordForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    record = services.evidence_record(member=request.member, message=message, note=note)
    flash.success(
        request,
        "Recorded as evidence. Screenshots of the post and the profile are taken in the "
        "background where this server has a browser.",
    )
    return redirect("evidence:record", pk=record.pk)


@require_POST
@member_required(EVIDENCE)
def record_author_messages(request: MemberRequest, pk: int) -> HttpResponse:
    """Record every flagged message of an author that is not evidence yet."""
    author = inbox_selectors.author_get_for_member(member=request.member, pk=pk)
    pending = Message.objects.filter(
        office=request.member.office, author=author, abusive=True, evidence_records__isnull=True
    ).order_by("received_at")[:500]
    count = 0
    for message in pending:
        services.evidence_record(member=request.member, message=message)
        count += 1
    flash.success(request, f"Recorded {count} message(s) as evidence.")
    return redirect("inbox:author", pk=author.pk)


@require_GET
@member_required(EVIDENCE)
def record_detail(request: MemberRequest, pk: int) -> HttpResponse:
    record = selectors.record_get_for_member(member=request.member, pk=pk)
    return render(
        request,
        "evidence/record.html",
        {
            "record": record,
            "text": record_text(record),
            "screenshots": EvidenceScreenshot.objects.filter(record=record)
            .defer("image")
            .order_by("taken_at", "pk"),
            "corrections": record.corrections.defer("original_bytes").order_by("captured_at"),
            "correction_form": CorrectionForm(),
            "size": len(bytes(record.original_bytes)),
        },
    )


@require_POST
@member_required(EVIDENCE)
def record_correct(request: MemberRequest, pk: int) -> HttpResponse:
    record = selectors.record_get_for_member(member=request.member, pk=pk)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        flash.error(request, "Say what is being corrected, and why.")
        return redirect("evidence:record", pk=record.pk)
    correction = services.evidence_record(
        member=request.member,
        message=record.message,
        note=form.cleaned_data["note"],
        supersedes=record,
    )
    flash.success(request, "Correction recorded. The earlier record is kept unchanged.")
    return redirect("evidence:record", pk=correction.pk)


@require_GET
@member_required(EVIDENCE)
def record_original(request: MemberRequest, pk: int) -> HttpResponse:
    record = selectors.record_get_for_member(member=request.member, pk=pk)
    extension = "eml" if record.original_format == "rfc5322" else "bin"
    return _locked(
        attachment_response(
            bytes(record.original_bytes),
            content_type="application/octet-stream",
            filename=f"evidence-{record.pk}.{extension}",
        )
    )


@require_GET
@member_required(EVIDENCE)
def record_screenshot(request: MemberRequest, pk: int, kind: str) -> HttpResponse:
    """A screenshot given when recording (stored on the record itself)."""
    record = selectors.record_get_for_member(member=request.member, pk=pk)
    data = record.screenshot_post if kind == "post" else record.screenshot_profile
    if kind not in ("post", "profile") or not data:
        raise Http404
    return _locked(HttpResponse(bytes(data), content_type="image/png"))


@require_GET
@member_required(EVIDENCE)
def screenshot_image(request: MemberRequest, pk: int) -> HttpResponse:
    shot = selectors.screenshot_get_for_member(member=request.member, pk=pk)
    return _locked(HttpResponse(bytes(shot.image or b""), content_type="image/png"))


# --- packs ------------------------------------------------------------------------------------


@require_GET
@member_required(EVIDENCE)
def message_pack(request: MemberRequest, pk: int) -> HttpResponse:
    message = inbox_selectors.message_get_for_member(member=request.member, pk=pk)
    try:
        pack = pack_build(
            member=request.member,
            messages=[message],
            subject=message,
            title=f"message {message.pk} from {message.author.handle}",
            author=message.author,
        )
    except PackError as exc:
        flash.error(request, str(exc))
        return redirect("inbox:message", pk=message.pk)
    return _zip(pack)


@require_GET
@member_required(EVIDENCE)
def author_pack(request: MemberRequest, pk: int) -> HttpResponse:
    author = inbox_selectors.author_get_for_member(member=request.member, pk=pk)
    messages = selectors.recorded_messages_of_author(member=request.member, author=author)
    try:
        pack = pack_build(
            member=request.member,
            messages=messages,
            subject=author,
            title=f"{author.handle} on {author.get_platform_display()}",
            author=author,
        )
    except PackError as exc:
        flash.error(request, str(exc))
        return redirect("inbox:author", pk=author.pk)
    return _zip(pack)


@require_GET
@member_required(EVIDENCE)
def case_pack(request: MemberRequest, pk: int) -> HttpResponse:
    """The pack for the messages of one case (those recorded as evidence)."""
    case = selectors.case_get_for_member(member=request.member, pk=pk)
    try:
        pack = pack_build(
            member=request.member,
            messages=list(case.items.all()),
            subject=case,
            title=case.title,
            author=case.author,
        )
    except PackError as exc:
        flash.error(request, str(exc))
        return redirect("evidence:case", pk=case.pk)
    return _zip(pack)


# --- cases ------------------------------------------------------------------------------------


@member_required(EVIDENCE)
def author_cases(request: MemberRequest, pk: int) -> HttpResponse:
    author = inbox_selectors.author_get_for_member(member=request.member, pk=pk)
    candidates = Message.objects.filter(office=request.member.office, author=author).order_by(
        "-received_at"
    )[:200]
    form = CaseForm(
        request.POST or None,
        messages=Message.objects.filter(pk__in=[m.pk for m in candidates]),
        # Platforms cannot join repeated replies: start with every flagged message ticked.
        initial={
            "title": f"Abuse from {author.handle}",
            "messages": [m.pk for m in candidates if m.abusive],
        },
    )
    if request.method == "POST" and form.is_valid():
        case = services.case_open(
            member=request.member,
            author=author,
            title=form.cleaned_data["title"],
            messages=list(form.cleaned_data["messages"]),
        )
        flash.success(request, "Case opened.")
        return redirect("evidence:case", pk=case.pk)
    return render(
        request,
        "evidence/author_cases.html",
        {
            "author": author,
            "cases": selectors.cases_for_author(member=request.member, author=author),
            "form": form,
        },
    )


def _case_context(request: MemberRequest, case: Case) -> dict[str, object]:
    in_case = case.items.order_by("posted_at", "received_at")
    others = Message.objects.filter(office=request.member.office, author=case.author).exclude(
        pk__in=case.items.values("pk")
    )
    return {
        "case": case,
        "items": in_case,
        "add_form": AddMessagesForm(messages=others.order_by("-received_at")[:200])
        if others.exists()
        else None,
        "report_form": PlatformReportForm(initial={"platform": case.author.platform}),
        "outcome_form": OutcomeForm(),
        "reports": case.reports.select_related("recorded_by__user").order_by("reported_at"),
        "api_accounts": moderation.connected_accounts_for_case(case),
    }


@require_GET
@member_required(EVIDENCE)
def case_detail(request: MemberRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for_member(member=request.member, pk=pk)
    return render(request, "evidence/case.html", _case_context(request, case))


def _chosen_account(request: MemberRequest, case: Case) -> Any:
    """The connected account picked in the form, among those that may act for this case."""
    accounts = {str(a.pk): a for a in moderation.connected_accounts_for_case(case)}
    account = accounts.get(request.POST.get("account", ""))
    if account is None:
        raise Http404("No such connected account.")
    return account


@require_POST
@member_required(EVIDENCE)
def case_action(request: MemberRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for_member(member=request.member, pk=pk)
    action = request.POST.get("action", "")
    try:
        if action == "add":
            others = Message.objects.filter(office=request.member.office, author=case.author)
            form = AddMessagesForm(request.POST, messages=others)
            if form.is_valid():
                for message in form.cleaned_data["messages"]:
                    services.case_add_message(member=request.member, case=case, message=message)
                flash.success(request, "Added to the case.")
        elif action == "report":
            report_form = PlatformReportForm(request.POST)
            if not report_form.is_valid():
                context = _case_context(request, case)
                context["report_form"] = report_form
                return render(request, "evidence/case.html", context, status=400)
            services.platform_report_add(
                member=request.member, case=case, **report_form.cleaned_data
            )
            flash.success(request, "Platform report recorded.")
        elif action == "mute_api":
            account = _chosen_account(request, case)
            try:
                moderation.case_mute_via_api(
                    member=request.member,
                    case=case,
                    connector=moderation.ConnectedAccountModeration(account, case),
                )
            except (ValueError, ConnectorError) as exc:
                flash.error(request, f"The account could not be muted: {exc}")
            else:
                flash.success(request, f"Muted on {account.get_platform_display()}.")
        elif action == "report_api":
            account = _chosen_account(request, case)
            try:
                moderation.case_report_via_api(
                    member=request.member,
                    case=case,
                    connector=moderation.ConnectedAccountModeration(account, case),
                    block=request.POST.get("block") == "on",
                )
            except (ValueError, ConnectorError) as exc:
                flash.error(request, f"The report could not be sent: {exc}")
            else:
                flash.success(
                    request, f"Reported to {account.get_platform_display()} through its API."
                )
        elif action in ("close", "reopen"):
            services.case_set_status(
                member=request.member,
                case=case,
                status=Case.Status.CLOSED if action == "close" else Case.Status.OPEN,
            )
    except ValidationError as exc:
        flash.error(request, " ".join(exc.messages))
    return redirect("evidence:case", pk=case.pk)


@require_POST
@member_required(EVIDENCE)
def report_outcome(request: MemberRequest, pk: int) -> HttpResponse:
    report = selectors.report_get_for_member(member=request.member, pk=pk)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.platform_report_update_outcome(
                member=request.member,
                report=report,
                outcome=form.cleaned_data["outcome"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as exc:
            flash.error(request, " ".join(exc.messages))
        else:
            flash.success(request, "Outcome saved.")
    return redirect("evidence:case", pk=report.case_id)


@require_GET
@member_required(EVIDENCE)
def case_report_text(request: MemberRequest, pk: int) -> HttpResponse:
    """The text to paste into each platform's report form, with where to report."""
    case = selectors.case_get_for_member(member=request.member, pk=pk)
    items = list(case.items.all())
    platforms = sorted({m.platform for m in items})
    office = request.member.office
    sections = [
        {
            "route": reporting.route_for(platform),
            "text": reporting.report_text(
                author=case.author,
                messages=items,
                platform=platform,
                office_name=office.name,
                tz=office.time_zone,
            ),
            "count": sum(1 for m in items if m.platform == platform),
        }
        for platform in platforms
    ]
    return render(
        request,
        "evidence/report_text.html",
        {"case": case, "sections": sections, "elsewhere": reporting.ELSEWHERE},
    )


@require_GET
@member_required(EVIDENCE)
def index(request: MemberRequest) -> HttpResponse:
    """The office's evidence at a glance: open cases, and the latest records."""
    office = request.member.office
    return render(
        request,
        "evidence/index.html",
        {
            "cases": Case.objects.filter(office=office, status=Case.Status.OPEN)
            .select_related("author")
            .order_by("-created")[:50],
            "records": EvidenceRecord.objects.filter(office=office)
            .defer("original_bytes", "screenshot_post", "screenshot_profile")
            .select_related("message__author")
            .order_by("-captured_at")[:50],
        },
    )
