"""Team pages: staff and access, the account inventory, offboarding, tasks and access reviews."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from civicshield.web.accounts import services as accounts_services
from civicshield.web.accounts.decorators import member_required
from civicshield.web.accounts.http import MemberRequest
from civicshield.web.accounts.models import Membership, User
from civicshield.web.accounts.reauth import recently_reauthenticated
from civicshield.web.accounts.roles import Capability, Role
from civicshield.web.navigation import back_url
from civicshield.web.team import selectors, services
from civicshield.web.team.forms import (
    AcceptForm,
    AccountForm,
    InviteForm,
    OffboardForm,
    ReviewConfirmForm,
    RoleForm,
    TaskDoneForm,
    TeamSettingsForm,
)
from civicshield.web.team.models import Offboarding
from civicshield.web.team.offboarding import accounts_reachable_by, member_offboard

SEND_FAILED = (
    "The invitation email could not be sent ({error}). Check the mail settings and try again."
)


def _reauth_redirect(request: HttpRequest) -> HttpResponse | None:
    """Like ``@require_reauth``, but after the object lookup, so other offices still get 404."""
    if recently_reauthenticated(request):
        return None
    target = reverse("accounts:reauth") + "?" + urlencode({"next": request.get_full_path()})
    return redirect(target)


# --- staff and access ----------------------------------------------------------------------


@member_required(Capability.MANAGE_STAFF)
def staff(request: MemberRequest) -> HttpResponse:
    member = request.member
    context = {
        "people": Membership.objects.filter(office=member.office)
        .select_related("user")
        .order_by("-is_active", "user__full_name"),
        "matrix": selectors.access_matrix_for_member(member=member),
        "invitations": selectors.invitation_list_for_member(member=member),
        "offboardings": Offboarding.objects.filter(office=member.office)[:20],
        "invite_form": InviteForm(),
        "roles": Role.choices,
    }
    return render(request, "team/staff.html", context)


@member_required(Capability.MANAGE_STAFF)
def invite(request: MemberRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _ = services.invitation_send(
                actor=request.member,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        except OSError as exc:
            form.add_error(None, SEND_FAILED.format(error=exc.strerror or exc))
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("team:staff")
    return render(request, "team/invite.html", {"form": form})


@member_required(Capability.MANAGE_STAFF)
def revoke_invitation(request: MemberRequest, pk: int) -> HttpResponse:
    invitation = selectors.invitation_get_for_member(member=request.member, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.invitation_revoke(actor=request.member, invitation=invitation)
    messages.success(request, f"The invitation for {invitation.email} was withdrawn.")
    return redirect("team:staff")


INVITATION_SESSION_KEY = "civicshield_invitation_token"


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the email: keep the token in the session and move to a URL without it.

    Like Django's password reset, so the token does not linger in the address bar, the
    browser history or a Referer header.
    """
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "team/invitation_unusable.html", status=404)
    if isinstance(request.user, User) and request.user.email != invitation.email:
        raise Http404("This invitation is for someone else.")
    request.session[INVITATION_SESSION_KEY] = token
    return redirect("team:invitation_join")


def join(request: HttpRequest) -> HttpResponse:
    """The invited person's page: choose a name and password, then set up two-factor sign-in."""
    token = str(request.session.get(INVITATION_SESSION_KEY, ""))
    invitation = services.invitation_for_token(token) if token else None
    if invitation is None:
        return render(request, "team/invitation_unusable.html", status=404)
    signed_in = request.user if isinstance(request.user, User) else None
    if signed_in is not None and signed_in.email != invitation.email:
        raise Http404("This invitation is for someone else.")
    existing = User.objects.filter(email=invitation.email).first()
    context = {"invitation": invitation}
    if existing is not None and existing.is_active:
        if signed_in is None:
            return render(request, "team/invitation_sign_in.html", context)
        if request.method == "POST":
            services.invitation_accept(token=token, user=signed_in)
            request.session.pop(INVITATION_SESSION_KEY, None)
            messages.success(request, f"You have joined {invitation.office.name}.")
            return redirect("dashboard")
        return render(request, "team/invitation_join.html", context)
    form = AcceptForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.invitation_accept(
                token=token,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            request.session.pop(INVITATION_SESSION_KEY, None)
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("accounts:two_factor_setup")
    return render(request, "team/invitation_accept.html", {**context, "form": form})


@member_required(Capability.MANAGE_STAFF)
def offboard(request: MemberRequest, pk: int) -> HttpResponse:
    leaver = selectors.staff_member_get_for_member(member=request.member, pk=pk)
    if (response := _reauth_redirect(request)) is not None:
        return response
    form = OffboardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = member_offboard(
                actor=request.member, membership=leaver, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"{record.leaver_name} has been signed out and can no longer sign in. "
                f"{record.tasks.count()} password change(s) are now on the task list.",
            )
            return redirect("team:offboarding_record", pk=record.pk)
    context = {
        "leaver": leaver,
        "form": form,
        "reachable": accounts_reachable_by(leaver),
        "cancel_url": back_url(
            request, fallback=reverse("team:staff"), avoid=[reverse("accounts:reauth")]
        ),
    }
    return render(request, "team/offboard.html", context)


@member_required(Capability.MANAGE_STAFF)
def offboarding_record(request: MemberRequest, pk: int) -> HttpResponse:
    record = selectors.offboarding_get_for_member(member=request.member, pk=pk)
    tasks = record.tasks.select_related("account", "done_by")
    return render(request, "team/offboarding_record.html", {"record": record, "tasks": tasks})


@member_required(Capability.MANAGE_STAFF)
def change_role(request: MemberRequest, pk: int) -> HttpResponse:
    person = selectors.staff_member_get_for_member(member=request.member, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = RoleForm(request.POST)
    if form.is_valid() and person.is_active:
        try:
            accounts_services.member_change_role(
                actor=request.member,
                membership=person,
                role=form.cleaned_data["role"],
                on_call=form.cleaned_data["on_call"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{person.user} is now {person.get_role_display().lower()}.")
    return redirect("team:staff")


# --- account inventory ---------------------------------------------------------------------


@member_required(Capability.MANAGE_ACCOUNTS)
def account_list(request: MemberRequest) -> HttpResponse:
    accounts = [
        (account, selectors.account_warnings(account))
        for account in selectors.account_list_for_member(member=request.member)
    ]
    return render(request, "team/accounts.html", {"accounts": accounts})


def _account_fields(form: AccountForm) -> dict[str, object]:
    return {k: v for k, v in form.cleaned_data.items() if k != "access"}


@member_required(Capability.MANAGE_ACCOUNTS)
def account_add(request: MemberRequest) -> HttpResponse:
    form = AccountForm(request.POST or None, office=request.member.office)
    if request.method == "POST" and form.is_valid():
        account = services.account_create(
            actor=request.member, access=form.cleaned_data["access"], **_account_fields(form)
        )
        messages.success(request, f"{account} was added to the inventory.")
        return redirect("team:accounts")
    return render(request, "team/account_form.html", {"form": form, "account": None})


@member_required(Capability.MANAGE_ACCOUNTS)
def account_edit(request: MemberRequest, pk: int) -> HttpResponse:
    account = selectors.account_get_for_member(member=request.member, pk=pk)
    form = AccountForm(request.POST or None, instance=account, office=request.member.office)
    if request.method == "POST" and form.is_valid():
        services.account_update(
            actor=request.member,
            account=selectors.account_get_for_member(member=request.member, pk=pk),
            access=form.cleaned_data["access"],
            **_account_fields(form),
        )
        messages.success(request, f"{account} was updated.")
        return redirect("team:accounts")
    return render(request, "team/account_form.html", {"form": form, "account": account})


# --- tasks and reviews ---------------------------------------------------------------------


@member_required(Capability.MANAGE_STAFF)
def task_list(request: MemberRequest) -> HttpResponse:
    tasks = selectors.task_list_for_member(member=request.member)
    context = {
        "open_tasks": tasks.filter(done_at__isnull=True).order_by("due"),
        "done_tasks": tasks.filter(done_at__isnull=False).order_by("-done_at")[:30],
        "form": TaskDoneForm(),
    }
    return render(request, "team/tasks.html", context)


@member_required(Capability.MANAGE_STAFF)
def task_done(request: MemberRequest, pk: int) -> HttpResponse:
    task = selectors.task_get_for_member(member=request.member, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = TaskDoneForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.task_complete(actor=request.member, task=task, note=note)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Done: {task.title}.")
    return redirect("team:tasks")


@member_required(Capability.MANAGE_STAFF)
def review(request: MemberRequest) -> HttpResponse:
    member = request.member
    current = services.open_review(member.office)
    items = []
    if current is not None:
        items = [
            (item, accounts_reachable_by(item.membership))
            for item in current.items.select_related("membership__user").filter(
                membership__is_active=True
            )
        ]
    context = {
        "current": current,
        "items": items,
        "summary": selectors.team_summary_for_member(member=member),
        "settings_form": TeamSettingsForm(instance=services.team_settings_for(member.office)),
        "form": ReviewConfirmForm(),
    }
    return render(request, "team/review.html", context)


@require_POST
@member_required(Capability.MANAGE_STAFF)
def review_start(request: MemberRequest) -> HttpResponse:
    services.access_review_start(office=request.member.office, actor=request.member)
    return redirect("team:review")


@member_required(Capability.MANAGE_STAFF)
def review_confirm(request: MemberRequest, pk: int) -> HttpResponse:
    item = selectors.review_item_get_for_member(member=request.member, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = ReviewConfirmForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    services.access_review_confirm(actor=request.member, item=item, note=note)
    return redirect("team:review")


@member_required(Capability.MANAGE_STAFF)
def review_complete(request: MemberRequest, pk: int) -> HttpResponse:
    current = selectors.review_get_for_member(member=request.member, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.access_review_complete(actor=request.member, review=current)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Access review complete. Thank you.")
    return redirect("team:review")


@require_POST
@member_required(Capability.MANAGE_STAFF)
def team_settings(request: MemberRequest) -> HttpResponse:
    form = TeamSettingsForm(
        request.POST, instance=services.team_settings_for(request.member.office)
    )
    if form.is_valid():
        services.team_settings_update(
            actor=request.member,
            review_interval_days=form.cleaned_data["review_interval_days"],
            rotation_due_days=form.cleaned_data["rotation_due_days"],
        )
        messages.success(request, "Settings saved.")
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("team:review")
