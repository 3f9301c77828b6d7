"""View decorators: who may open a page."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render

from civicshield.web.accounts.http import is_verified
from civicshield.web.accounts.roles import Capability
from civicshield.web.accounts.selectors import membership_for_request

View = TypeVar("View", bound=Callable[..., HttpResponseBase])

NO_OFFICE_TEMPLATE = "accounts/no_office.html"


def member_required(capability: Capability | None = None) -> Callable[[View], View]:
    """Require a signed-in, two-factor-verified member of an office (with ``capability``, if given).

    Sets ``request.member``. A person whose role is too weak gets 403; objects of other
    offices are not found at all (selectors filter by ``member.office``), so they get 404.
    """

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not is_verified(request.user):
                # The two-factor middleware normally catches this first.
                raise PermissionDenied("Two-factor sign-in is required.")
            member = membership_for_request(request)
            if member is None:
                return render(request, NO_OFFICE_TEMPLATE, status=403)
            if capability is not None and not member.can(capability):
                raise PermissionDenied("Your role in this office does not allow this.")
            request.member = member  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        # Read by the authorization matrix test (web/tests/test_authorization_matrix.py).
        wrapper.member_capability = capability or "member"  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator
