"""Sign-ins, sign-outs and failed sign-ins go into the audit log from the start."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from civicshield.web.accounts.models import Membership, Office, User
from civicshield.web.audit import services as audit


def _offices(user: User) -> list[Office | None]:
    """The person's offices, or ``[None]`` (the system chain) when they have none."""
    memberships = Membership.objects.select_related("office").filter(user=user, is_active=True)
    return [m.office for m in memberships] or [None]


def _client(request: HttpRequest | None) -> dict[str, str]:
    if request is None:
        return {}
    return {
        "ip": str(request.META.get("REMOTE_ADDR", "")),
        "user_agent": str(request.META.get("HTTP_USER_AGENT", ""))[:200],
    }


@receiver(user_logged_in)
def _signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    for office in _offices(user):
        audit.record(action="accounts.signin", office=office, actor=user, details=_client(request))


@receiver(user_logged_out)
def _signed_out(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is None:
        return
    for office in _offices(user):
        audit.record(action="accounts.signout", office=office, actor=user, details=_client(request))


@receiver(user_login_failed)
def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    email = str(credentials.get("username") or credentials.get("email") or "").strip().lower()[:254]
    user = User.objects.filter(email=email).first() if email else None
    details = {"email": email, **_client(request)}
    for office in _offices(user) if user is not None else [None]:
        audit.record(
            action="accounts.signin_failed",
            office=office,
            actor=None,
            actor_label=email,
            details=details,
        )
