"""Mail security pages: check an email, report it, trusted contacts, mailboxes, forwarding checks."""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from civicshield.core.mail import ADVICE_CHECK, NCSC_REPORT_ADDRESS
from civicshield.web.accounts.decorators import member_required
from civicshield.web.accounts.http import MemberRequest
from civicshield.web.accounts.reauth import recently_reauthenticated, require_reauth
from civicshield.web.accounts.roles import Capability
from civicshield.web.downloads import attachment_response
from civicshield.web.mailguard import selectors, services, signin
from civicshield.web.mailguard.forms import (
    CheckEmailForm,
    ContactForm,
    ContactsImportForm,
    DomainsForm,
    ImapMailboxForm,
    SignInForm,
)
from civicshield.web.mailguard.forwarding import EMERGENCY_ADVICE, exchange_app_provider
from civicshield.web.mailguard.models import TrustedContact

CHECK = Capability.CHECK_EMAIL
MANAGE = Capability.MANAGE_MAILBOXES


@member_required(CHECK)
def check_email(request: MemberRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = CheckEmailForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload is not None:
                data = upload.read()
                if upload.name.lower().endswith(".msg"):
                    data = services.msg_to_eml(data)
            else:
                data = form.cleaned_data["source"].encode("utf-8")
            scanned = services.email_check(member=request.member, raw=data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("mailguard:email", pk=scanned.pk)
    recent = selectors.scanned_list_for_member(member=request.member)[:10]
    status = 400 if form.errors else 200
    return render(request, "mailguard/check.html", {"form": form, "recent": recent}, status=status)


@member_required(CHECK)
def email_detail(request: MemberRequest, pk: int) -> HttpResponse:
    scanned = selectors.scanned_get_for_member(member=request.member, pk=pk)
    # The engine's closing advice is shown in its own panel, in web words (a button, not a CLI).
    findings = [f for f in scanned.findings if f.get("check") != ADVICE_CHECK]
    return render(
        request,
        "mailguard/email.html",
        {
            "scanned": scanned,
            "findings": findings,
            "known_numbers": selectors.contacts_named_in(member=request.member, findings=findings),
            "ncsc_address": NCSC_REPORT_ADDRESS,
        },
    )


@member_required(CHECK)
def report_ncsc(request: MemberRequest, pk: int) -> HttpResponse:
    """A confirmation page (GET), then the report is sent (POST)."""
    scanned = selectors.scanned_get_for_member(member=request.member, pk=pk)
    if request.method == "POST":
        try:
            services.email_report_ncsc(member=request.member, scanned=scanned)
        except ValidationError as exc:
            flash.error(request, " ".join(exc.messages))
        else:
            flash.success(
                request,
                f"Reported to the NCSC ({NCSC_REPORT_ADDRESS}). Thank you. You can now delete the "
                "email from your mailbox.",
            )
        return redirect("mailguard:email", pk=scanned.pk)
    return render(
        request,
        "mailguard/report_confirm.html",
        {"scanned": scanned, "ncsc_address": NCSC_REPORT_ADDRESS},
    )


@member_required(CHECK)
def report_eml(request: MemberRequest, pk: int) -> HttpResponse:
    """The report as an .eml file, to send from the person's own mail program instead."""
    scanned = selectors.scanned_get_for_member(member=request.member, pk=pk)
    try:
        report = services.ncsc_report_eml(scanned=scanned, reporter=request.user.email)
    except ValidationError as exc:
        flash.error(request, " ".join(exc.messages))
        return redirect("mailguard:email", pk=scanned.pk)
    return attachment_response(
        report.as_bytes(), content_type="message/rfc822", filename=f"ncsc-report-{scanned.pk}.eml"
    )


@member_required(MANAGE)
def contacts(request: MemberRequest) -> HttpResponse:
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contact = services.contact_add(member=request.member, **form.cleaned_data)
        flash.success(request, f"Added {contact.name} to the trusted contacts.")
        return redirect("mailguard:contacts")
    return _contacts_page(request, form=form, import_form=ContactsImportForm())


def _contacts_page(
    request: MemberRequest,
    *,
    form: ContactForm,
    import_form: ContactsImportForm,
    report: services.ContactsImport | None = None,
    status: int = 200,
) -> HttpResponse:
    rows = TrustedContact.objects.filter(office=request.member.office).order_by("name", "email")
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "mailguard/contacts.html",
        {"form": form, "import_form": import_form, "page": page, "report": report},
        status=status,
    )


@require_POST
@member_required(MANAGE)
def contacts_import(request: MemberRequest) -> HttpResponse:
    import_form = ContactsImportForm(request.POST, request.FILES)
    report = None
    if import_form.is_valid():
        upload = import_form.cleaned_data["file"]
        try:
            report = services.contacts_import(
                member=request.member, data=upload.read(), filename=upload.name or ""
            )
        except ValidationError as exc:
            import_form.add_error("file", exc)
    status = 400 if import_form.errors else 200
    return _contacts_page(
        request, form=ContactForm(), import_form=import_form, report=report, status=status
    )


@require_POST
@member_required(MANAGE)
def contact_delete(request: MemberRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get_for_member(member=request.member, pk=pk)
    services.contact_delete(member=request.member, contact=contact)
    flash.success(request, f"Removed {contact.name} from the trusted contacts.")
    return redirect("mailguard:contacts")


@member_required(MANAGE)
def domains(request: MemberRequest) -> HttpResponse:
    office = request.member.office
    form = DomainsForm(request.POST or None, initial={"domains": "\n".join(office.own_domains)})
    if request.method == "POST" and form.is_valid():
        try:
            services.office_domains_update(
                member=request.member, domains=[form.cleaned_data["domains"]]
            )
        except ValidationError as exc:
            form.add_error("domains", exc)
        else:
            flash.success(request, "Saved the office's own domains.")
            return redirect("mailguard:mailboxes")
    learned = selectors.seen_domain_summary(office=office)
    return render(request, "mailguard/domains.html", {"form": form, "learned": learned})


@member_required(MANAGE)
def mailboxes(request: MemberRequest) -> HttpResponse:
    return render(
        request,
        "mailguard/mailboxes.html",
        {"rows": selectors.mailbox_list_for_member(member=request.member)},
    )


@member_required(MANAGE)
@require_reauth
def mailbox_connect(request: MemberRequest) -> HttpResponse:
    form = ImapMailboxForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mailbox = services.mailbox_connect_imap(member=request.member, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            flash.success(
                request,
                f"Connected {mailbox.name}. New emails will be checked within a few minutes; "
                "the password is stored encrypted and will not be shown again.",
            )
            return redirect("mailguard:mailboxes")
    return render(request, "mailguard/connect.html", {"form": form, "cloud": False})


@require_GET
@member_required(MANAGE)
@require_reauth
def mailbox_connect_cloud(request: MemberRequest) -> HttpResponse:
    """ "Connect with Microsoft 365" / "Connect with Google", for those the server has set up."""
    return render(
        request,
        "mailguard/connect_cloud.html",
        {
            "form": SignInForm(),
            "providers": signin.providers_status(),
            "callback_url": signin.redirect_uri(),
            "exchange_configured": exchange_app_provider() is not None,
        },
    )


def _reauth_first(request: MemberRequest, come_back_to: str) -> HttpResponse | None:
    """Signing in hands CivicShield lasting access: confirm who you are first, as for a password.

    These views take POST, so after confirming the person comes back to the page they started
    from (``come_back_to``), not to the POST address."""
    if recently_reauthenticated(request):
        return None
    return redirect(reverse("accounts:reauth") + "?" + urlencode({"next": come_back_to}))


def _start_sign_in(request: MemberRequest, back: str, **start: Any) -> HttpResponse:
    """Send the person to the provider's sign-in (the pending flow kept in their session), or
    back to ``back`` with the reason when it cannot start."""
    try:
        url, pending = signin.oauth_connect_start(member=request.member, **start)
    except ValidationError as exc:
        flash.error(request, " ".join(exc.messages))
        return redirect(back)
    request.session[signin.SESSION_KEY] = pending
    return redirect(url)


@require_POST
@member_required(MANAGE)
def oauth_start(request: MemberRequest) -> HttpResponse:
    back = reverse("mailguard:mailbox_connect_cloud")
    if (reauth := _reauth_first(request, back)) is not None:
        return reauth
    form = SignInForm(request.POST)
    if not form.is_valid():
        flash.error(request, "Choose Microsoft 365 or Google.")
        return redirect(back)
    return _start_sign_in(
        request,
        back,
        provider_key=form.cleaned_data["provider"],
        name=form.cleaned_data["name"],
        watch_mail=form.cleaned_data["watch_mail"],
        move_phishing=form.cleaned_data["move_phishing"],
    )


@require_POST
@member_required(MANAGE)
def mailbox_reconnect(request: MemberRequest, pk: int) -> HttpResponse:
    mailbox = selectors.mailbox_get_for_member(member=request.member, pk=pk)
    back = reverse("mailguard:mailboxes")
    if (reauth := _reauth_first(request, back)) is not None:
        return reauth
    return _start_sign_in(request, back, mailbox=mailbox)


@require_POST
@member_required(MANAGE)
def mailbox_watch_mail(request: MemberRequest, pk: int) -> HttpResponse:
    """Turn "check new email for phishing" on (a new sign-in asking to read email) or off."""
    mailbox = selectors.mailbox_get_for_member(member=request.member, pk=pk)
    back = reverse("mailguard:mailboxes")
    if request.POST.get("watch_mail") != "on":
        signin.mailbox_watch_mail_off(member=request.member, mailbox=mailbox)
        flash.success(request, f"New email in {mailbox.name} is no longer checked for phishing.")
        return redirect(back)
    if (reauth := _reauth_first(request, back)) is not None:
        return reauth
    return _start_sign_in(request, back, mailbox=mailbox, watch_mail=True)


@require_GET
@member_required(MANAGE)
def oauth_callback(request: MemberRequest) -> HttpResponse:
    """Where Microsoft and Google send the person back. The pending flow is used once."""
    pending = request.session.pop(signin.SESSION_KEY, None)
    try:
        mailbox = signin.oauth_connect_finish(
            member=request.member,
            pending=pending,
            query=request.GET.dict(),
        )
    except ValidationError as exc:
        flash.error(request, " ".join(exc.messages))
        return redirect("mailguard:mailboxes")
    watching = (
        " New email is checked for phishing from now on."
        if mailbox.watch_mail
        else " New email is not checked for phishing."
        if pending and pending.get("watch_mail")
        else ""
    )
    if pending and pending.get("watch_mail") and not mailbox.watch_mail:
        watching += " (The permission to read email was not given on the sign-in page.)"
    flash.success(
        request,
        f"Connected {mailbox.address}. Its forwarding check is running now and will run every "
        f"day; CivicShield keeps the sign-in encrypted and never shows it.{watching}",
    )
    return redirect("mailguard:forwarding", pk=mailbox.pk)


@require_POST
@member_required(MANAGE)
def mailbox_disconnect(request: MemberRequest, pk: int) -> HttpResponse:
    mailbox = selectors.mailbox_get_for_member(member=request.member, pk=pk)
    services.mailbox_disconnect(member=request.member, mailbox=mailbox)
    flash.success(request, f"Disconnected {mailbox.name}; its password or sign-in was deleted.")
    return redirect("mailguard:mailboxes")


@member_required(MANAGE)
def forwarding(request: MemberRequest, pk: int) -> HttpResponse:
    mailbox = selectors.mailbox_get_for_member(member=request.member, pk=pk)
    runs = selectors.audit_runs_for_member(member=request.member, mailbox=mailbox)
    page = Paginator(runs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "mailguard/forwarding.html",
        {"mailbox": mailbox, "page": page, "emergency_advice": EMERGENCY_ADVICE},
    )


@member_required(MANAGE)
def forwarding_all(request: MemberRequest) -> HttpResponse:
    runs = selectors.audit_runs_for_member(member=request.member)
    page = Paginator(runs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "mailguard/forwarding.html",
        {"mailbox": None, "page": page, "emergency_advice": EMERGENCY_ADVICE},
    )


@require_POST
@member_required(MANAGE)
def forwarding_run(request: MemberRequest, pk: int) -> HttpResponse:
    mailbox = selectors.mailbox_get_for_member(member=request.member, pk=pk)
    services.forwarding_audit_request(member=request.member, mailbox=mailbox)
    flash.success(
        request, "The forwarding check is running. Its result will appear here in a minute."
    )
    return redirect("mailguard:forwarding", pk=mailbox.pk)
