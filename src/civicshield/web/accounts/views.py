"""Sign-in, two-factor set-up and verification, sign-out, and the person's own security page."""

from __future__ import annotations

import base64
import io
from typing import Any
from urllib.parse import urlsplit

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicshield.web.accounts import services
from civicshield.web.accounts.decorators import member_required
from civicshield.web.accounts.forms import (
    ChangePasswordForm,
    CodeForm,
    ReauthForm,
    SignInForm,
    VerifyForm,
)
from civicshield.web.accounts.http import MemberRequest, is_verified
from civicshield.web.accounts.models import User
from civicshield.web.accounts.reauth import mark_reauthenticated
from civicshield.web.accounts.selectors import SESSION_OFFICE_KEY, user_memberships
from civicshield.web.audit import services as audit
from civicshield.web.navigation import back_url

SETUP_SESSION_KEY = "civicshield_totp_setup_device"
CODES_SESSION_KEY = "civicshield_new_recovery_codes"
ERROR_WRONG_CODE = (
    "That code did not work. Codes change every 30 seconds: type the one showing now."
)
ERROR_REAUTH = "That password or code did not match. Try again."
ERROR_THROTTLED = "Too many wrong codes in a row. Wait a few seconds, then try again."


class SignInView(LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


def _qr_data_uri(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied("Sign in first.")
    return request.user


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code (or type the key), confirm with a code."""
    user = _user(request)
    if user.has_two_factor and is_verified(user):
        return redirect("accounts:security")
    if user.has_two_factor:
        # Already enrolled on another visit: prove it with a code instead of enrolling again.
        return redirect("accounts:two_factor_verify")
    device = None
    device_id = request.session.get(SETUP_SESSION_KEY)
    if device_id is not None:
        device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
    if device is None:
        device = services.totp_device_start(user=user)
        request.session[SETUP_SESSION_KEY] = device.pk
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.totp_device_confirm(
            user=user, device=device, token=form.cleaned_data["code"]
        )
        if codes is not None:
            otp_login(request, device)
            request.session.pop(SETUP_SESSION_KEY, None)
            request.session[CODES_SESSION_KEY] = codes
            return redirect("accounts:recovery_codes")
        form.add_error("code", ERROR_WRONG_CODE)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    context: dict[str, Any] = {
        "form": form,
        "qr": _qr_data_uri(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "secret_raw": secret,
    }
    return render(request, "accounts/two_factor_setup.html", context)


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.has_two_factor:
        return redirect("accounts:two_factor_setup")
    if is_verified(user):
        return redirect("dashboard")
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        devices = [d for d in devices_for_user(user, confirmed=True) if d.verify_is_allowed()[0]]
        if not devices:
            form.add_error("code", ERROR_THROTTLED)
        else:
            for device in devices:
                if device.verify_token(code):
                    otp_login(request, device)
                    if isinstance(device, StaticDevice):
                        audit.record(
                            action="accounts.2fa.recovery_code_used",
                            office=services.office_of_user(user),
                            actor=user,
                        )
                    return redirect("dashboard")
            audit.record(
                action="accounts.2fa.failed", office=services.office_of_user(user), actor=user
            )
            form.add_error("code", ERROR_WRONG_CODE)
    return render(request, "accounts/two_factor_verify.html", {"form": form})


@member_required()
def recovery_codes(request: MemberRequest) -> HttpResponse:
    """Show freshly made recovery codes once; they are not shown again."""
    codes = request.session.pop(CODES_SESSION_KEY, None)
    if codes is None:
        return redirect("accounts:security")
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@require_POST
@member_required()
def replace_recovery_codes(request: MemberRequest) -> HttpResponse:
    request.session[CODES_SESSION_KEY] = services.recovery_codes_replace(user=_user(request))
    return redirect("accounts:recovery_codes")


@member_required()
def security(request: MemberRequest) -> HttpResponse:
    """The person's own sign-in security: password, two-factor, recent sign-ins."""
    user = _user(request)
    form = ChangePasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        audit.record(
            action="accounts.password.changed",
            office=request.member.office,
            actor=user,
            target=user,
        )
        messages.success(request, "Your password has been changed.")
        return redirect("accounts:security")
    return render(
        request,
        "accounts/security.html",
        {"form": form, "memberships": user_memberships(user=user)},
    )


@require_POST
@member_required()
def switch_office(request: MemberRequest) -> HttpResponse:
    office_id = request.POST.get("office", "")
    if (
        office_id.isdigit()
        and user_memberships(user=_user(request)).filter(office_id=int(office_id)).exists()
    ):
        request.session[SESSION_OFFICE_KEY] = int(office_id)
    return redirect("dashboard")


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You have signed out.")
    return redirect("accounts:login")


@member_required()
def reauth(request: MemberRequest) -> HttpResponse:
    """Confirm password and a two-factor code before a sensitive action."""
    user = request.user
    form = ReauthForm(request.POST or None)
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("dashboard")
    # Cancel goes back where the person was, never on into the page that asked for this.
    cancel_url = back_url(request, fallback=reverse("dashboard"), avoid=[urlsplit(next_url).path])
    if request.method == "POST" and form.is_valid():
        password_ok = user.check_password(form.cleaned_data["password"])
        code = form.cleaned_data["code"]
        code_ok = password_ok and any(
            d.verify_is_allowed()[0] and d.verify_token(code)
            for d in devices_for_user(user, confirmed=True)
        )
        if code_ok:
            mark_reauthenticated(request)
            audit.record(action="accounts.reauth", office=request.member.office, actor=user)
            return redirect(next_url)
        audit.record(action="accounts.reauth_failed", office=request.member.office, actor=user)
        form.add_error(None, ERROR_REAUTH)
    return render(request, "accounts/reauth.html", {"form": form, "cancel_url": cancel_url})
