"""Sensitive pages ask the person to confirm who they are again ("sudo mode").

Used for connected-account tokens, offboarding and emergency-plan edits: a stolen, unlocked
session alone cannot do the most damaging things.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

REAUTH_SESSION_KEY = "civicshield_reauth_at"
REAUTH_VALID_SECONDS = 10 * 60

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def mark_reauthenticated(request: HttpRequest) -> None:
    request.session[REAUTH_SESSION_KEY] = time.time()


def recently_reauthenticated(request: HttpRequest) -> bool:
    when = request.session.get(REAUTH_SESSION_KEY)
    return isinstance(when, int | float) and time.time() - when < REAUTH_VALID_SECONDS


def require_reauth(view: View) -> View:
    """Send the person to confirm their password and a two-factor code first (10 minutes' grace)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not recently_reauthenticated(request):
            target = reverse("accounts:reauth") + "?" + urlencode({"next": request.get_full_path()})
            return redirect(target)
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
