"""Reading people and memberships. Every selector takes the acting member and stays in their office."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from civicshield.web.accounts.models import Membership, User

SESSION_OFFICE_KEY = "civicshield_office_id"


def membership_for_request(request: HttpRequest) -> Membership | None:
    """The signed-in person's active membership for the office chosen in this session.

    Falls back to their first active membership; ``None`` when they belong to no office.
    """
    user = request.user
    if not user.is_authenticated:
        return None
    cached: Membership | None = getattr(request, "_membership_cache", None)
    if cached is not None:
        return cached
    memberships = Membership.objects.select_related("office", "user").filter(
        user=user, is_active=True
    )
    wanted = request.session.get(SESSION_OFFICE_KEY)
    membership = None
    if wanted is not None:
        membership = memberships.filter(office_id=wanted).first()
    if membership is None:
        membership = memberships.order_by("created", "pk").first()
    request._membership_cache = membership  # type: ignore[attr-defined]
    return membership


def member_list_for_member(*, member: Membership) -> QuerySet[Membership]:
    return (
        Membership.objects.select_related("user")
        .filter(office=member.office)
        .order_by("-is_active", "user__full_name")
    )


def user_memberships(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.select_related("office").filter(user=user, is_active=True)
