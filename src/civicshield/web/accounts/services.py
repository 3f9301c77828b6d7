"""Offices, memberships and two-factor devices: every change is checked and audited here."""

from __future__ import annotations

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicshield.web.accounts.models import Membership, Office, User
from civicshield.web.accounts.roles import Capability, Role
from civicshield.web.audit import services as audit

RECOVERY_CODE_COUNT = 10
ERROR_ALREADY_MEMBER = "This person is already a member of the office."
ERROR_LAST_MANAGER = "The office must keep at least one representative or office manager."
ERROR_NOT_ALLOWED = "Your role in this office does not allow managing staff."


class NotAllowed(PermissionDenied):
    """The acting member's role does not allow this change."""


def _require(member: Membership, capability: Capability) -> None:
    if not member.can(capability):
        raise NotAllowed(ERROR_NOT_ALLOWED)


@transaction.atomic
def office_create(
    *,
    name: str,
    kind: str = Office.Kind.MP,
    own_domains: list[str] | None = None,
    actor: User | None = None,
) -> Office:
    office = Office(name=name, kind=kind, own_domains=own_domains or [])
    office.full_clean()
    office.save()
    audit.record(action="accounts.office.created", office=office, actor=actor, target=office)
    return office


@transaction.atomic
def member_add(
    *,
    office: Office,
    email: str,
    full_name: str,
    role: str,
    password: str | None = None,
    on_call: bool = False,
    actor: Membership | None = None,
) -> Membership:
    """Add a person to an office (creating their user when new). ``actor`` None = set-up tooling."""
    if actor is not None:
        _require(actor, Capability.MANAGE_STAFF)
    if role not in Role.values:
        raise ValidationError({"role": "Choose one of the office roles."})
    email = email.strip().lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, full_name=full_name)
        if password is None:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    existing = Membership.objects.filter(office=office, user=user).first()
    if existing is not None and existing.is_active:
        raise ValidationError(ERROR_ALREADY_MEMBER)
    if existing is not None:
        existing.is_active, existing.role, existing.on_call, existing.ended = (
            True,
            role,
            on_call,
            None,
        )
        existing.save()
        membership = existing
    else:
        membership = Membership.objects.create(office=office, user=user, role=role, on_call=on_call)
    audit.record(
        action="accounts.membership.added",
        office=office,
        actor=actor.user if actor else None,
        target=membership,
        details={"email": email, "role": role, "on_call": on_call},
    )
    return membership


def _managers_left(office: Office, excluding: Membership) -> int:
    return (
        Membership.objects.filter(
            office=office, is_active=True, role__in=[Role.REPRESENTATIVE, Role.OFFICE_MANAGER]
        )
        .exclude(pk=excluding.pk)
        .count()
    )


@transaction.atomic
def member_change_role(
    *, actor: Membership, membership: Membership, role: str, on_call: bool | None = None
) -> Membership:
    _require(actor, Capability.MANAGE_STAFF)
    if membership.office_id != actor.office_id:
        raise NotAllowed(ERROR_NOT_ALLOWED)
    if role not in Role.values:
        raise ValidationError({"role": "Choose one of the office roles."})
    demoting = role not in (Role.REPRESENTATIVE, Role.OFFICE_MANAGER)
    if demoting and membership.role in (Role.REPRESENTATIVE, Role.OFFICE_MANAGER):
        if _managers_left(membership.office, membership) == 0:
            raise ValidationError(ERROR_LAST_MANAGER)
    before = {"role": membership.role, "on_call": membership.on_call}
    membership.role = role
    if on_call is not None:
        membership.on_call = on_call
    membership.save(update_fields=["role", "on_call"])
    audit.record(
        action="accounts.membership.changed",
        office=membership.office,
        actor=actor.user,
        target=membership,
        details={
            "before": before,
            "after": {"role": membership.role, "on_call": membership.on_call},
        },
    )
    return membership


@transaction.atomic
def member_deactivate(*, actor: Membership, membership: Membership, reason: str = "") -> Membership:
    """End a membership at once. (Full offboarding, with credential rotation, builds on this.)"""
    _require(actor, Capability.MANAGE_STAFF)
    if membership.office_id != actor.office_id:
        raise NotAllowed(ERROR_NOT_ALLOWED)
    if _managers_left(membership.office, membership) == 0 and membership.role in (
        Role.REPRESENTATIVE,
        Role.OFFICE_MANAGER,
    ):
        raise ValidationError(ERROR_LAST_MANAGER)
    membership.is_active = False
    membership.on_call = False
    membership.ended = timezone.now()
    membership.save(update_fields=["is_active", "on_call", "ended"])
    audit.record(
        action="accounts.membership.ended",
        office=membership.office,
        actor=actor.user,
        target=membership,
        details={"reason": reason},
    )
    return membership


# --- two-factor ------------------------------------------------------------------------------


def office_of_user(user: User) -> Office | None:
    membership = Membership.objects.filter(user=user, is_active=True).order_by("created").first()
    return membership.office if membership else None


def totp_device_start(*, user: User) -> TOTPDevice:
    """An unconfirmed authenticator-app device for the set-up page (one at a time)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


@transaction.atomic
def totp_device_confirm(*, user: User, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the device if ``token`` is right; return fresh recovery codes, else ``None``."""
    if device.user_id != user.pk or device.confirmed:
        return None
    if not device.verify_token(token.replace(" ", "")):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # Only one authenticator at a time: a new enrolment replaces any older one.
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    codes = recovery_codes_replace(user=user, audit_it=False)
    audit.record(
        action="accounts.2fa.enrolled", office=office_of_user(user), actor=user, target=user
    )
    return codes


@transaction.atomic
def recovery_codes_replace(*, user: User, audit_it: bool = True) -> list[str]:
    """Replace the person's one-time recovery codes; the old ones stop working at once."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Recovery codes")
    device.confirmed = True
    device.save()
    device.token_set.all().delete()
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    if audit_it:
        audit.record(
            action="accounts.2fa.recovery_codes_replaced",
            office=office_of_user(user),
            actor=user,
            target=user,
        )
    return codes


@transaction.atomic
def two_factor_reset(*, actor: Membership, membership: Membership) -> None:
    """Remove a colleague's two-factor devices so they enrol again (lost phone)."""
    _require(actor, Capability.MANAGE_STAFF)
    if membership.office_id != actor.office_id:
        raise NotAllowed(ERROR_NOT_ALLOWED)
    TOTPDevice.objects.filter(user=membership.user).delete()
    StaticDevice.objects.filter(user=membership.user).delete()
    audit.record(
        action="accounts.2fa.reset", office=actor.office, actor=actor.user, target=membership.user
    )
