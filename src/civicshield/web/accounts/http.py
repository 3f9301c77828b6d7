"""Typed requests, so views can use ``request.member`` and ``request.user`` without casts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

if TYPE_CHECKING:
    from civicshield.web.accounts.models import Membership, User


class MemberRequest(HttpRequest):
    """A request from a signed-in, two-factor-verified member (set by ``member_required``)."""

    user: User
    member: Membership


def is_verified(user: Any) -> bool:
    """Whether this session passed two-factor verification (django-otp adds ``is_verified``)."""
    check = getattr(user, "is_verified", None)
    return bool(check is not None and check())
