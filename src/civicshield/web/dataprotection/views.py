"""The office's data protection page: retention periods, legal holds, exports and erasure.

For the office manager and the representative (``Capability.MANAGE_STAFF``); every object is
fetched through the member's office, so another office's gets 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from civicshield.web.accounts.decorators import member_required
from civicshield.web.accounts.http import MemberRequest
from civicshield.web.accounts.reauth import recently_reauthenticated
from civicshield.web.accounts.roles import Capability
from civicshield.web.accounts.services import NotAllowed
from civicshield.web.dataprotection import selectors, services
from civicshield.web.dataprotection.forms import (
    AuthorSearchForm,
    EraseForm,
    HoldForm,
    RetentionForm,
)
from civicshield.web.dataprotection.retention import KINDS
from civicshield.web.downloads import attachment_response
from civicshield.web.inbox import selectors as inbox_selectors
from civicshield.web.team import selectors as team_selectors

MANAGE = Capability.MANAGE_STAFF


def _back(request: MemberRequest) -> HttpResponse:
    """Back to the page the form was on (the inbox's author or message page), else ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("dataprotection:index")


@member_required(MANAGE)
def index(request: MemberRequest) -> HttpResponse:
    member = request.member
    search = AuthorSearchForm(request.GET or None)
    authors = (
        selectors.author_search_for_member(member=member, query=search.cleaned_data["q"])
        if search.is_valid()
        else []
    )
    context = {
        "retention": selectors.retention_list_for_member(member=member),
        "holds": selectors.hold_list_for_member(member=member),
        "purge": selectors.purge_status_for_member(member=member),
        "search": search,
        "authors": authors,
        "people": selectors.people_list_for_member(member=member),
    }
    return render(request, "dataprotection/index.html", context)


@require_POST
@member_required(MANAGE)
def change_retention(request: MemberRequest) -> HttpResponse:
    form = RetentionForm(request.POST)
    if not form.is_valid():
        errors = " ".join(str(e) for field in form.errors.values() for e in field)
        messages.error(request, errors)
        return redirect("dataprotection:index")
    kind = KINDS[form.cleaned_data["kind"]]
    try:
        services.retention_set(
            member=request.member, kind=kind.name, days=form.cleaned_data["days"]
        )
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        days = form.cleaned_data["days"]
        kept = f"for {days} days" if days is not None else "until someone deletes them"
        messages.success(request, f"{kind.label} are now kept {kept}.")
    return redirect("dataprotection:index")


def _place_hold(request: MemberRequest, **subject: object) -> HttpResponse:
    form = HoldForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the hold is needed, in up to 300 characters.")
        return _back(request)
    services.legal_hold_place(member=request.member, reason=form.cleaned_data["reason"], **subject)  # type: ignore[arg-type]
    messages.success(
        request, "Legal hold placed. Nothing it covers will be purged or erased until it is lifted."
    )
    return _back(request)


@require_POST
@member_required(MANAGE)
def hold_author(request: MemberRequest, pk: int) -> HttpResponse:
    author = inbox_selectors.author_get_for_member(member=request.member, pk=pk)
    return _place_hold(request, author=author)


@require_POST
@member_required(MANAGE)
def hold_message(request: MemberRequest, pk: int) -> HttpResponse:
    message = inbox_selectors.message_get_for_member(member=request.member, pk=pk)
    return _place_hold(request, message=message)


@require_POST
@member_required(MANAGE)
def lift_hold(request: MemberRequest, pk: int) -> HttpResponse:
    hold = selectors.hold_get_for_member(member=request.member, pk=pk)
    try:
        services.legal_hold_lift(member=request.member, hold=hold)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Legal hold lifted. The usual retention periods apply again.")
    return _back(request)


@require_POST
@member_required(MANAGE)
def export_author(request: MemberRequest, pk: int) -> HttpResponse:
    author = inbox_selectors.author_get_for_member(member=request.member, pk=pk)
    data = services.author_export(member=request.member, author=author)
    stamp = timezone.now().strftime("%Y%m%d")
    return attachment_response(
        data,
        content_type="application/zip",
        filename=f"civicshield-account-{author.pk}-{stamp}.zip",
    )


@require_POST
@member_required(MANAGE)
def export_person(request: MemberRequest, pk: int) -> HttpResponse:
    person = team_selectors.staff_member_get_for_member(member=request.member, pk=pk)
    data = services.user_export(member=request.member, user=person.user)
    stamp = timezone.now().strftime("%Y%m%d")
    return attachment_response(
        data, content_type="application/zip", filename=f"civicshield-staff-{person.pk}-{stamp}.zip"
    )


@member_required(MANAGE)
def erase_author(request: MemberRequest, pk: int) -> HttpResponse:
    """Confirm, then erase. Like offboarding, it asks for the password again first."""
    author = inbox_selectors.author_get_for_member(member=request.member, pk=pk)
    if not recently_reauthenticated(request):
        target = reverse("accounts:reauth") + "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)
    refusal = services.author_erasure_refusal(author=author)
    form = EraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and refusal is None and form.is_valid():
        handle = author.handle
        try:
            count = services.author_erase(member=request.member, author=author)
        except NotAllowed as exc:
            # Held between the page and the click.
            refusal = str(exc)
        else:
            messages.success(
                request, f"{handle} and {count} message{'s' if count != 1 else ''} were erased."
            )
            return redirect("dataprotection:index")
    context = {
        "author": author,
        "form": form,
        "refusal": refusal,
        "message_count": author.messages.count(),
    }
    return render(request, "dataprotection/erase.html", context)
