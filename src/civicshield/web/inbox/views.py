"""Inbox pages: the queue, one message, one author, imports, sources and API tokens."""

from __future__ import annotations

import json
from collections.abc import Iterator

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from civicshield.web.accounts.decorators import member_required
from civicshield.web.accounts.http import MemberRequest
from civicshield.web.accounts.models import Membership
from civicshield.web.accounts.reauth import require_reauth
from civicshield.web.accounts.roles import Capability
from civicshield.web.audit import services as audit
from civicshield.web.downloads import attachment_response
from civicshield.web.inbox import selectors, services
from civicshield.web.inbox.forms import (
    AccountSourceForm,
    ApiTokenForm,
    CorrectionForm,
    ImapSourceForm,
    ImportForm,
    NoteForm,
    QueueFilterForm,
)
from civicshield.web.inbox.models import ApiToken, ImportRun, LabelCorrection, Message, Source
from civicshield.web.jobs import services as jobs
from civicshield.web.paginator import CappedPaginator

TRIAGE = Capability.TRIAGE_INBOX


def _triagers(member: Membership) -> list[Membership]:
    return [
        m
        for m in Membership.objects.select_related("user").filter(
            office=member.office, is_active=True
        )
        if m.can(TRIAGE)
    ]


@member_required(TRIAGE)
def queue(request: MemberRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    items = selectors.message_list_for_member(member=request.member, filters=filters)
    page = CappedPaginator(items, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "inbox/queue.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "triagers": _triagers(request.member),
            "states": Message.State.choices,
            # Row links are built from these prefixes: reversing 100 URLs per page cost
            # a fifth of the page's time with a million messages.
            "message_base": reverse("inbox:message", kwargs={"pk": 0})[:-2],
            "author_base": reverse("inbox:author", kwargs={"pk": 0})[:-2],
        },
    )


@require_POST
@member_required(TRIAGE)
def bulk(request: MemberRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()][:500]
    action = request.POST.get("action", "")
    assignee = None
    if action == "assign":
        assignee = get_object_or_404(
            Membership, office=request.member.office, pk=request.POST.get("assignee") or 0
        )
    targets = Message.objects.filter(office=request.member.office, pk__in=ids)
    try:
        count = services.messages_bulk(
            member=request.member, messages=targets, action=action, assignee=assignee
        )
    except ValidationError as exc:
        flash.error(request, " ".join(exc.messages))
    else:
        flash.success(request, f"Updated {count} message(s).")
    return redirect(request.POST.get("back") or "inbox:queue")


@member_required(TRIAGE)
def message_detail(request: MemberRequest, pk: int) -> HttpResponse:
    message = selectors.message_get_for_member(member=request.member, pk=pk)
    return render(
        request,
        "inbox/message.html",
        {
            "message": message,
            "pieces": selectors.highlighted(message.text, message.spans),
            "notes": message.notes.select_related("member__user").order_by("created"),
            "note_form": NoteForm(),
            "correction_form": CorrectionForm(
                initial={"labels": message.labels, "severity": message.severity}
            ),
            "triagers": _triagers(request.member),
            "states": Message.State.choices,
            "history": message.corrections.select_related("member__user").order_by("-created")[:10],
        },
    )


@require_POST
@member_required(TRIAGE)
def message_action(request: MemberRequest, pk: int) -> HttpResponse:
    message = selectors.message_get_for_member(member=request.member, pk=pk)
    action = request.POST.get("action", "")
    try:
        if action == "state":
            services.message_set_state(
                member=request.member, message=message, state=request.POST.get("state", "")
            )
        elif action == "assign":
            raw = request.POST.get("assignee", "")
            assignee = (
                get_object_or_404(Membership, office=request.member.office, pk=raw) if raw else None
            )
            services.message_assign(member=request.member, message=message, assignee=assignee)
        elif action == "note":
            form = NoteForm(request.POST)
            if form.is_valid():
                services.message_add_note(
                    member=request.member, message=message, text=form.cleaned_data["text"]
                )
        elif action == "correct":
            correction = CorrectionForm(request.POST)
            if correction.is_valid():
                services.message_correct(
                    member=request.member,
                    message=message,
                    labels=correction.cleaned_data["labels"],
                    severity=correction.cleaned_data["severity"],
                )
                flash.success(
                    request, "Thank you: your correction is saved and will help the classifier."
                )
    except ValidationError as exc:
        flash.error(request, " ".join(exc.messages))
    return redirect("inbox:message", pk=message.pk)


@member_required(TRIAGE)
def author_detail(request: MemberRequest, pk: int) -> HttpResponse:
    author = selectors.author_get_for_member(member=request.member, pk=pk)
    items = Paginator(author.messages.order_by("-received_at"), 50).get_page(
        request.GET.get("page")
    )
    trend = selectors.author_severity_trend(author=author)
    return render(
        request,
        "inbox/author.html",
        {
            "author": author,
            "page": items,
            "trend": trend,
            "linked": selectors.author_linked_accounts(author=author),
        },
    )


@member_required(TRIAGE)
def import_messages(request: MemberRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with transaction.atomic():
            run = ImportRun.objects.create(
                office=request.member.office,
                member=request.member,
                kind=form.cleaned_data["kind"],
                platform=form.cleaned_data["platform"],
                filename=upload.name[:300],
                upload=upload.read(),
            )
            audit.record(
                action="inbox.import.started",
                office=request.member.office,
                actor=request.user,
                target=run,
                details={"kind": run.kind},
            )
            jobs.enqueue("inbox.run_import", office=request.member.office, import_id=run.pk)
        return redirect("inbox:import_status", pk=run.pk)
    recent = (
        ImportRun.objects.filter(office=request.member.office)
        .defer("upload")
        .order_by("-created")[:10]
    )
    return render(request, "inbox/import.html", {"form": form, "recent": recent})


@member_required(TRIAGE)
def import_status(request: MemberRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(ImportRun.objects.defer("upload"), office=request.member.office, pk=pk)
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "status": run.status,
                "processed": run.processed,
                "added": run.added,
                "duplicates": run.duplicates,
                "errors": len(run.errors),
            }
        )
    return render(request, "inbox/import_status.html", {"run": run})


def _source_connected(request: MemberRequest, source: Source) -> None:
    audit.record(
        action="inbox.source.connected",
        office=request.member.office,
        actor=request.user,
        target=source,
        details={"kind": source.kind},
    )
    jobs.enqueue("inbox.poll_source", office=request.member.office, source_id=source.pk)


@member_required(Capability.MANAGE_MAILBOXES)
def sources(request: MemberRequest) -> HttpResponse:
    office = request.member.office
    posted = request.POST if request.method == "POST" else None
    wants_account = posted is not None and posted.get("kind") == "account"
    form = ImapSourceForm(None if wants_account else posted)
    account_form = AccountSourceForm(posted if wants_account else None, office=office)
    if posted is not None and not wants_account and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            source = Source.objects.create(
                office=office,
                kind=Source.Kind.IMAP,
                name=data["name"],
                settings={
                    "host": data["host"],
                    "port": data["port"],
                    "username": data["username"],
                    "folder": data["folder"],
                    "use_ssl": data["use_ssl"],
                },
                secret=data["password"],
            )
            _source_connected(request, source)
        flash.success(
            request, f"Connected {source.name}. New messages will appear within a few minutes."
        )
        return redirect("inbox:sources")
    if wants_account and account_form.is_valid():
        account = account_form.cleaned_data["account"]
        with transaction.atomic():
            source, created = Source.objects.get_or_create(
                office=office,
                account=account,
                defaults={"kind": account.platform, "name": f"Mentions of {account.handle}"},
            )
            if not created:
                source.enabled = True
                source.save(update_fields=["enabled"])
            _source_connected(request, source)
        flash.success(request, f"CivicShield now reads mentions and messages of {account.handle}.")
        return redirect("inbox:sources")
    rows = Source.objects.filter(office=office).select_related("account").order_by("name")
    return render(
        request, "inbox/sources.html", {"form": form, "account_form": account_form, "sources": rows}
    )


@require_POST
@member_required(Capability.MANAGE_MAILBOXES)
def source_disconnect(request: MemberRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(Source, office=request.member.office, pk=pk)
    with transaction.atomic():
        source.enabled = False
        source.secret = ""
        source.save(update_fields=["enabled", "secret"])
        audit.record(
            action="inbox.source.disconnected",
            office=request.member.office,
            actor=request.user,
            target=source,
        )
    flash.success(request, f"Disconnected {source.name}; its password was deleted.")
    return redirect("inbox:sources")


@member_required(Capability.MANAGE_ACCOUNTS)
@require_reauth
def api_tokens(request: MemberRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        _, new_token = services.api_token_create(
            member=request.member, name=form.cleaned_data["name"]
        )
    tokens = ApiToken.objects.filter(office=request.member.office).order_by("-created")
    return render(
        request, "inbox/api_tokens.html", {"form": form, "tokens": tokens, "new_token": new_token}
    )


@require_POST
@member_required(Capability.MANAGE_ACCOUNTS)
def api_token_revoke(request: MemberRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, office=request.member.office, pk=pk)
    services.api_token_revoke(member=request.member, token=token)
    return redirect("inbox:api_tokens")


@member_required(TRIAGE)
def corrections_export(request: MemberRequest) -> StreamingHttpResponse:
    """Staff corrections as JSONL training data (text, labels, severity)."""
    rows = LabelCorrection.objects.filter(message__office=request.member.office).select_related(
        "message"
    )

    def lines() -> Iterator[str]:
        for c in rows.order_by("created").iterator(chunk_size=1000):
            yield (
                json.dumps(
                    {
                        "text": c.message.text,
                        "labels": c.labels_after,
                        "severity": c.severity_after,
                        "classifier_labels": c.labels_before,
                        "corrected_at": c.created.isoformat(),
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )

    return attachment_response(
        lines(),
        content_type="application/x-ndjson; charset=utf-8",
        filename="civicshield-corrections.jsonl",
    )


@member_required()
def live_count(request: MemberRequest) -> JsonResponse:
    if not request.member.can(TRIAGE):
        return JsonResponse({"open_critical": 0, "open_abusive": 0})
    return JsonResponse(selectors.inbox_counts(member=request.member))
