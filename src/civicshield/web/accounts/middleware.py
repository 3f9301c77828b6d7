"""Request-wide rules: two-factor sign-in for everyone, the member's office, and security headers."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from civicshield.web.accounts.http import is_verified

# Pages a signed-in but not yet two-factor-verified person may still reach.
_TWO_FACTOR_EXEMPT_NAMES = (
    "accounts:login",
    "accounts:logout",
    "accounts:two_factor_setup",
    "accounts:two_factor_verify",
    "favicon",
)

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class RequireTwoFactorMiddleware:
    """Send a signed-in person to two-factor set-up or verification before anything else.

    Two-factor sign-in is mandatory (NCSC: "switch on 2FA ... on the management tool").
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not is_verified(user):
            path = request.path_info
            exempt = {reverse(name) for name in _TWO_FACTOR_EXEMPT_NAMES}
            if path not in exempt and not path.startswith(settings.STATIC_URL):
                target = "accounts:two_factor_verify"
                if not getattr(user, "has_two_factor", False):
                    target = "accounts:two_factor_setup"
                return redirect(target)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """No inline scripts or styles, nothing framed: user content can never run as code."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if request.user.is_authenticated:
            # Pages with office data must not be kept by shared computers' caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
