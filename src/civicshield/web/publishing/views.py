"""Pages of the publishing app: thin views that fetch through the office and call a service."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicshield.web.accounts.decorators import member_required
from civicshield.web.accounts.http import MemberRequest
from civicshield.web.accounts.models import Membership
from civicshield.web.accounts.reauth import recently_reauthenticated, require_reauth
from civicshield.web.accounts.roles import Capability
from civicshield.web.audit.actions import LogRow
from civicshield.web.publishing import (
    checks,
    connections,
    forms,
    publish,
    rules,
    selectors,
    services,
)
from civicshield.web.publishing.models import AccountAccess, Draft, Platform

DRAFT_TABS = [
    ("", "All"),
    (Draft.State.DRAFT, "Drafts"),
    (Draft.State.IN_REVIEW, "In review"),
    (Draft.State.APPROVED, "Approved"),
    (Draft.State.SCHEDULED, "Scheduled"),
    (Draft.State.PUBLISHED, "Published"),
    (Draft.State.REJECTED, "Sent back"),
    (Draft.State.FAILED, "Failed"),
]


def _errors(request: MemberRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# --- drafts -----------------------------------------------------------------------------------


@require_GET
@member_required(Capability.DRAFT_POSTS)
def draft_list(request: MemberRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    drafts = selectors.draft_list_for_member(member=request.member, state=state)
    page = Paginator(drafts, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "publishing/draft_list.html",
        {
            "page": page,
            "tabs": DRAFT_TABS,
            "state": state,
            "paused": request.member.office.publishing_paused,
            "review_count": len(selectors.review_queue_for_member(member=request.member)),
        },
    )


@require_http_methods(["GET", "POST"])
@member_required(Capability.DRAFT_POSTS)
def new_draft(request: MemberRequest) -> HttpResponse:
    accounts = selectors.account_list_for_member(member=request.member).filter(is_active=True)
    form = forms.DraftForm(request.POST or None, accounts=accounts)
    if request.method == "POST" and form.is_valid():
        try:
            draft = services.draft_create(
                member=request.member,
                account=form.cleaned_data["account"],
                text=form.cleaned_data["text"],
                topics=form.cleaned_data["topics"],
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, "Draft saved.")
            return redirect("publishing:draft", pk=draft.pk)
    return render(request, "publishing/draft_new.html", {"form": form, "accounts": accounts})


def _draft_context(member: Membership, draft: Draft, form: Any = None) -> dict[str, Any]:
    account = draft.account
    report = checks.run_checks(draft)
    status = rules.approval_status(draft)
    contributors = rules.contributors(draft)
    counts = [
        (label, checks.character_count(draft.text, value), limit)
        for value, label, limit in (
            (Platform.MASTODON, "Mastodon", 500),
            (Platform.BLUESKY, "Bluesky", 300),
        )
    ]
    zone = zoneinfo.ZoneInfo(member.office.time_zone)
    return {
        "draft": draft,
        "form": form
        or forms.DraftForm(
            initial={"text": draft.text, "topics": ", ".join(draft.topics)}, editing=True
        ),
        "image_form": forms.ImageForm(),
        "comment_form": forms.CommentForm(),
        "schedule_form": forms.ScheduleForm(time_zone=member.office.time_zone),
        "report": report,
        "status": status,
        "counts": counts,
        "own_count": checks.character_count(draft.text, account.platform),
        "editable": draft.state in services.EDITABLE and rules.may_draft(member, account),
        "may_approve": draft.state == Draft.State.IN_REVIEW and rules.may_approve(member, account),
        "is_contributor": member.user_id in contributors,
        "already_approved": draft.approvals.filter(approver=member, version=draft.version).exists(),
        "may_publish": rules.may_publish(member, account),
        "may_override": rules.may_publish(member, account) or rules.may_approve(member, account),
        "versions": draft.versions.select_related("edited_by")[:20],
        "comments": draft.comments.select_related("author"),
        "approvals": draft.approvals.select_related("approver__user"),
        "images": draft.images.all(),
        "scheduled_local": draft.scheduled_for.astimezone(zone) if draft.scheduled_for else None,
        "zone": member.office.time_zone,
    }


@require_http_methods(["GET", "POST"])
@member_required(Capability.DRAFT_POSTS)
def draft_detail(request: MemberRequest, pk: int) -> HttpResponse:
    """The draft: edit its text, see the checks, approve, schedule, comment, see history."""
    draft = selectors.draft_get_for_member(member=request.member, pk=pk)
    form = None
    if request.method == "POST":
        form = forms.DraftForm(request.POST, editing=True)
        if form.is_valid():
            try:
                edited = services.draft_edit(
                    member=request.member,
                    draft=draft,
                    text=form.cleaned_data["text"],
                    topics=form.cleaned_data["topics"],
                )
            except ValidationError as exc:
                _errors(request, exc)
            else:
                if edited.state == Draft.State.IN_REVIEW and draft.state in (
                    Draft.State.APPROVED,
                    Draft.State.SCHEDULED,
                ):
                    messages.warning(
                        request, "Saved. The post changed, so it needs approval again."
                    )
                else:
                    messages.success(request, "Saved.")
                return redirect("publishing:draft", pk=draft.pk)
    return render(request, "publishing/draft.html", _draft_context(request.member, draft, form))


def _act_submit(request: MemberRequest, draft: Draft) -> str:
    services.draft_submit(member=request.member, draft=draft)
    return "Sent for approval."


def _act_approve(request: MemberRequest, draft: Draft) -> str:
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    draft = services.draft_approve(member=request.member, draft=draft, version=version)
    if draft.state == Draft.State.APPROVED:
        return "Approved: the post can now be scheduled."
    return "Your approval is recorded. Still needed: " + "; ".join(
        rules.approval_status(draft).missing
    )


def _reason(request: MemberRequest) -> str:
    form = forms.ReasonForm(request.POST)
    return form.cleaned_data["reason"] if form.is_valid() else ""


def _act_reject(request: MemberRequest, draft: Draft) -> str:
    services.draft_reject(member=request.member, draft=draft, reason=_reason(request))
    return "Sent back to the author with your reason."


def _act_withdraw(request: MemberRequest, draft: Draft) -> str:
    services.draft_withdraw(member=request.member, draft=draft)
    return "Withdrawn."


def _act_comment(request: MemberRequest, draft: Draft) -> str:
    services.draft_comment(member=request.member, draft=draft, text=request.POST.get("text", ""))
    return "Comment added."


def _act_override(request: MemberRequest, draft: Draft) -> str:
    check = request.POST.get("check", "")
    services.check_override(
        member=request.member, draft=draft, check=check, reason=_reason(request)
    )
    return (
        f"The {checks.CHECK_LABELS.get(check, check).lower()} check is overridden for this version."
    )


def _act_schedule(request: MemberRequest, draft: Draft) -> str:
    form = forms.ScheduleForm(request.POST, time_zone=request.member.office.time_zone)
    if not form.is_valid():
        raise ValidationError("Enter a date and time like 2026-12-01 09:30.")
    draft = services.draft_schedule(
        member=request.member, draft=draft, when=form.cleaned_data["when"]
    )
    if request.member.office.publishing_paused:
        return "Scheduled, but publishing is paused for the office: it goes out once resumed."
    if draft.scheduled_for and draft.scheduled_for > timezone.now() + dt.timedelta(minutes=1):
        return "Scheduled."
    return "Publishing now."


def _act_unschedule(request: MemberRequest, draft: Draft) -> str:
    services.draft_unschedule(member=request.member, draft=draft)
    return "Taken off the schedule (still approved)."


def _act_image(request: MemberRequest, draft: Draft) -> str:
    form = forms.ImageForm(request.POST, request.FILES)
    upload = request.FILES.get("image")
    if upload is None:
        raise ValidationError("Choose a photo to upload.")
    if upload.size and upload.size > services.MAX_IMAGE_BYTES:
        raise ValidationError(
            services.ERROR_IMAGE_TOO_BIG.format(mb=services.MAX_IMAGE_BYTES >> 20)
        )
    image = services.draft_image_add(
        member=request.member,
        draft=draft,
        data=upload.read(),
        filename=upload.name or "photo",
        alt_text=form.data.get("alt_text", ""),
    )
    if image.metadata_found:
        return "Photo added. Hidden details were found in it and removed: see Photos below."
    return "Photo added."


def _act_image_update(request: MemberRequest, draft: Draft) -> str:
    image = selectors.image_get_for_member(member=request.member, pk=int(request.POST["image"]))
    if image.draft_id != draft.pk:
        raise Http404
    remove = request.POST.get("remove") == "1"
    services.draft_image_update(
        member=request.member,
        image=image,
        alt_text=request.POST.get("alt_text", ""),
        remove=remove,
    )
    return "Photo removed." if remove else "Description saved."


def _act_delete_post(request: MemberRequest, draft: Draft) -> str:
    publish.post_delete(member=request.member, draft=draft)
    return "The post was deleted from the platform."


def _act_edit_post(request: MemberRequest, draft: Draft) -> str:
    publish.post_edit(member=request.member, draft=draft, text=request.POST.get("text", ""))
    return "The published post was changed."


ACTIONS: dict[str, Callable[[MemberRequest, Draft], str]] = {
    "submit": _act_submit,
    "approve": _act_approve,
    "reject": _act_reject,
    "withdraw": _act_withdraw,
    "comment": _act_comment,
    "override": _act_override,
    "schedule": _act_schedule,
    "unschedule": _act_unschedule,
    "image": _act_image,
    "image-update": _act_image_update,
    "delete-post": _act_delete_post,
    "edit-post": _act_edit_post,
}


@member_required(Capability.DRAFT_POSTS)
def draft_action(request: MemberRequest, pk: int, action: str) -> HttpResponseBase:
    """One button on the draft page: each calls its service, which checks who may press it."""
    draft = selectors.draft_get_for_member(member=request.member, pk=pk)
    if request.method != "POST":  # after the office check: another office's id is a 404
        return HttpResponseNotAllowed(["POST"])
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404
    try:
        messages.success(request, handler(request, draft))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("publishing:draft", pk=draft.pk)


@require_GET
@member_required(Capability.DRAFT_POSTS)
def draft_image(request: MemberRequest, pk: int) -> HttpResponse:
    """A draft's photo (already stripped of metadata), for this office only."""
    image = selectors.image_get_for_member(member=request.member, pk=pk)
    response = HttpResponse(bytes(image.data), content_type=image.content_type)
    response["Content-Disposition"] = "inline"
    return response


@require_GET
@member_required(Capability.DRAFT_POSTS)
def review_queue(request: MemberRequest) -> HttpResponse:
    approves = selectors.member_approves_posts(member=request.member)
    queue = selectors.review_queue_for_member(member=request.member) if approves else []
    return render(
        request,
        "publishing/review.html",
        {"approves": approves, "queue": [(d, rules.approval_status(d)) for d in queue]},
    )


@require_GET
@member_required(Capability.DRAFT_POSTS)
def post_calendar(request: MemberRequest) -> HttpResponse:
    zone = zoneinfo.ZoneInfo(request.member.office.time_zone)
    today = timezone.now().astimezone(zone).date()
    try:
        year, month = (int(p) for p in request.GET.get("month", "").split("-"))
        dt.date(year, month, 1)
    except ValueError:
        year, month = today.year, today.month
    weeks, by_day = selectors.calendar_for_member(member=request.member, year=year, month=month)
    first = dt.date(year, month, 1)
    previous = (first - dt.timedelta(days=1)).strftime("%Y-%m")
    following = (first + dt.timedelta(days=32)).strftime("%Y-%m")
    rows = [[(day, by_day.get(day, []) if day else []) for day in week] for week in weeks]
    return render(
        request,
        "publishing/calendar.html",
        {
            "rows": rows,
            "month": first,
            "previous": previous,
            "following": following,
            "today": today,
            "zone": request.member.office.time_zone,
        },
    )


@require_POST
@member_required(Capability.PUBLISH_POSTS)
def pause(request: MemberRequest) -> HttpResponse:
    paused = request.POST.get("paused") == "1"
    services.publishing_pause_set(
        member=request.member, paused=paused, reason=request.POST.get("reason", "")
    )
    messages.success(
        request,
        "All publishing is paused: nothing will be posted until you resume."
        if paused
        else "Publishing resumed: scheduled posts that are due go out now.",
    )
    return redirect("publishing:drafts")


# --- accounts ---------------------------------------------------------------------------------


@require_GET
@member_required(Capability.DRAFT_POSTS)
def account_list(request: MemberRequest) -> HttpResponse:
    return render(
        request,
        "publishing/accounts.html",
        {
            "accounts": selectors.account_list_for_member(member=request.member),
            "mastodon_form": forms.MastodonConnectForm(),
            "bluesky_form": forms.BlueskyConnectForm(),
            "demo_form": forms.DemoAccountForm(),
            "may_manage": request.member.can(Capability.MANAGE_ACCOUNTS),
        },
    )


@require_POST
@member_required(Capability.MANAGE_ACCOUNTS)
@require_reauth
def connect_bluesky(request: MemberRequest) -> HttpResponse:
    form = forms.BlueskyConnectForm(request.POST)
    if form.is_valid():
        try:
            account = connections.account_connect_bluesky(
                member=request.member, **form.cleaned_data
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, f"Connected {account}.")
            return redirect("publishing:account", pk=account.pk)
    else:
        messages.error(request, "Enter the handle, an app password and the server.")
    return redirect("publishing:accounts")


@require_POST
@member_required(Capability.MANAGE_ACCOUNTS)
@require_reauth
def connect_mastodon(request: MemberRequest) -> HttpResponse:
    form = forms.MastodonConnectForm(request.POST)
    if form.is_valid():
        try:
            _, url = connections.account_start_mastodon(
                member=request.member, server_url=form.cleaned_data["server_url"]
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            return redirect(url)
    return redirect("publishing:accounts")


@require_GET
@member_required(Capability.MANAGE_ACCOUNTS)
def mastodon_callback(request: MemberRequest) -> HttpResponse:
    try:
        account = connections.account_finish_mastodon(
            member=request.member,
            state=request.GET.get("state", ""),
            code=request.GET.get("code", ""),
        )
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("publishing:accounts")
    messages.success(request, f"Connected {account}.")
    return redirect("publishing:account", pk=account.pk)


@require_POST
@member_required(Capability.MANAGE_ACCOUNTS)
def connect_demo(request: MemberRequest) -> HttpResponse:
    form = forms.DemoAccountForm(request.POST)
    if form.is_valid():
        account = connections.account_create_demo(member=request.member, **form.cleaned_data)
        messages.success(request, f"Added {account}: nothing posted to it leaves CivicShield.")
    return redirect("publishing:accounts")


@require_http_methods(["GET", "POST"])
@member_required(Capability.MANAGE_ACCOUNTS)
def account_settings(request: MemberRequest, pk: int) -> HttpResponse:
    """Approval policy and per-person access for one account."""
    account = selectors.account_get_for_member(member=request.member, pk=pk)
    policy = rules.policy_for(account)
    form = forms.PolicyForm(
        request.POST or None,
        initial={
            "approvals_required": policy.approvals_required,
            "approver_roles": policy.approver_roles,
            "representative_sign_off": policy.representative_sign_off,
            "sign_off_topics": ", ".join(policy.sign_off_topics),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            connections.policy_update(member=request.member, account=account, **form.cleaned_data)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, "Approval policy saved.")
            return redirect("publishing:account", pk=account.pk)
    members = request.member.office.memberships.filter(is_active=True).select_related("user")
    rows = {row.member_id: row for row in AccountAccess.objects.filter(account=account)}
    people = [
        (
            m,
            rules.may_draft(m, account),
            rules.may_approve(m, account),
            rules.may_publish(m, account),
            m.pk in rows,
        )
        for m in members
    ]
    return render(
        request,
        "publishing/account.html",
        {
            "account": account,
            "form": form,
            "people": people,
            "app_password_form": forms.AppPasswordForm(),
            "reading_problems": selectors.account_reading_problems(account=account),
        },
    )


@require_POST
@member_required(Capability.MANAGE_ACCOUNTS)
def replace_app_password(request: MemberRequest, pk: int) -> HttpResponse:
    account = selectors.account_get_for_member(member=request.member, pk=pk)
    if not recently_reauthenticated(request):
        # Not @require_reauth: it would come back here with a GET and lose the password.
        messages.warning(request, "Confirm it is you, then paste the app password again.")
        return redirect(
            reverse("accounts:reauth")
            + "?"
            + urlencode(
                {"next": reverse("publishing:account", kwargs={"pk": pk}) + "#app-password"}
            )
        )
    form = forms.AppPasswordForm(request.POST)
    if form.is_valid():
        try:
            connections.account_replace_app_password(
                member=request.member, account=account, **form.cleaned_data
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(
                request,
                "New app password saved: it is used from the next check. "
                "Delete the old one in Bluesky's settings.",
            )
    else:
        messages.error(request, "Paste the new app password.")
    return redirect("publishing:account", pk=account.pk)


@member_required(Capability.MANAGE_ACCOUNTS)
def account_access(request: MemberRequest, pk: int) -> HttpResponseBase:
    account = selectors.account_get_for_member(member=request.member, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.AccessForm(request.POST)
    if form.is_valid():
        target = request.member.office.memberships.filter(pk=form.cleaned_data["member"]).first()
        if target is None:
            raise Http404
        connections.account_access_set(
            member=request.member,
            account=account,
            target=target,
            can_draft=form.cleaned_data["can_draft"],
            can_approve=form.cleaned_data["can_approve"],
            can_publish=form.cleaned_data["can_publish"],
        )
        messages.success(request, f"Access for {target.user} saved.")
    return redirect("publishing:account", pk=account.pk)


@member_required(Capability.MANAGE_ACCOUNTS)
def account_disconnect(request: MemberRequest, pk: int) -> HttpResponseBase:
    account = selectors.account_get_for_member(member=request.member, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not recently_reauthenticated(request):
        messages.warning(request, "Confirm it is you, then press Disconnect again.")
        return redirect(
            reverse("accounts:reauth")
            + "?"
            + urlencode({"next": reverse("publishing:account", kwargs={"pk": pk})})
        )
    connections.account_disconnect(member=request.member, account=account)
    messages.success(request, f"Disconnected {account}. CivicShield no longer holds its keys.")
    return redirect("publishing:accounts")


@require_GET
@member_required(Capability.MANAGE_ACCOUNTS)
def account_log(request: MemberRequest, pk: int) -> HttpResponse:
    account = selectors.account_get_for_member(member=request.member, pk=pk)
    entries = selectors.account_log_for_member(member=request.member, account=account)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    rows = [LogRow.of(entry) for entry in page]  # the audit log's plain words
    return render(
        request, "publishing/account_log.html", {"account": account, "page": page, "rows": rows}
    )


@require_http_methods(["GET", "POST"])
@member_required(Capability.MANAGE_ACCOUNTS)
def check_settings(request: MemberRequest) -> HttpResponse:
    current = checks.check_settings_for(request.member.office)
    form = forms.CheckSettingsForm(
        request.POST or None,
        initial={
            "privacy": current.privacy,
            "images": current.images,
            "links": current.links,
            "tone": current.tone,
            "private_names": "\n".join(current.private_names),
            "allowed_details": "\n".join(current.allowed_details),
        },
    )
    if request.method == "POST" and form.is_valid():
        connections.check_settings_update(member=request.member, **form.cleaned_data)
        messages.success(request, "Pre-publish checks saved.")
        return redirect("publishing:checks")
    return render(request, "publishing/check_settings.html", {"form": form})
