"""Offboarding in one action (NCSC: remove access before staff leave; change every password they knew).

``member_offboard`` does, in one transaction:

1. ends the membership (``accounts.services.member_deactivate``, which keeps the last manager);
2. ends every signed-in session of the person, at once, on every device;
3. revokes the API tokens they created for this office; and when they belong to no other
   office, removes their two-factor devices and closes their user account so they cannot
   sign back in;
4. takes them off every inventory account's access list and opens a password-change task,
   with a due date, for every account they could reach (owned, listed, or shared), and a
   renewal task for every publishing connection they set up (their per-account publishing
   permissions are deleted);
5. writes it all to the audit log and keeps an ``Offboarding`` record to print.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from typing import Any

from django.apps import apps as django_apps
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicshield.web.accounts import services as accounts
from civicshield.web.accounts.models import Membership, Office, User
from civicshield.web.accounts.roles import Capability
from civicshield.web.audit import services as audit
from civicshield.web.team.models import Offboarding, PlatformAccount, Task
from civicshield.web.team.services import require, same_office, task_create, team_settings_for

ERROR_SELF = "You cannot offboard yourself. Ask another office manager."
ERROR_ALREADY_LEFT = "This person has already left the office."

# Other apps that give people tokens register a revoker here:
# ``revoker(user, office) -> number of tokens revoked``. The inbox's push-API tokens are
# revoked directly (``_revoke_inbox_tokens``).
TokenRevoker = Callable[[User, Office], int]
TOKEN_REVOKERS: list[TokenRevoker] = []


def register_token_revoker(revoker: TokenRevoker) -> TokenRevoker:
    if revoker not in TOKEN_REVOKERS:
        TOKEN_REVOKERS.append(revoker)
    return revoker


def sessions_end_for_user(user: User) -> int:
    """Delete every stored session of ``user`` (database session store); return how many.

    Sessions carry the user id inside their encoded data, so each row is decoded; offices
    have few staff, so the table stays small. Expired rows are skipped cheaply first.
    """
    ended = 0
    wanted = str(user.pk)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id", "")) == wanted:
            session.delete()
            ended += 1
    return ended


def _revoke_inbox_tokens(membership: Membership) -> int:
    """Revoke the API tokens the leaver created (they saw each token once, in full)."""
    if not django_apps.is_installed("civicshield.web.inbox"):
        return 0
    from civicshield.web.inbox.models import ApiToken

    return ApiToken.objects.filter(
        office=membership.office_id, created_by=membership, revoked__isnull=True
    ).update(revoked=timezone.now())


def connected_accounts_set_up_by(membership: Membership) -> list[Any]:
    """Publishing's connected accounts whose credentials the leaver typed in or authorised.

    Staff never see a connected account's token, but whoever connected it chose or saw its
    app password or authorised it, so it must be renewed. Empty when publishing is not
    installed.
    """
    if not django_apps.is_installed("civicshield.web.publishing"):
        return []
    # Imported by name: publishing is an optional neighbour, not a dependency.
    models = importlib.import_module("civicshield.web.publishing.models")
    return list(
        models.ConnectedAccount.objects.filter(
            office=membership.office_id, connected_by=membership.user_id, is_active=True
        )
    )


def _remove_publishing_access(membership: Membership) -> int:
    """Delete the leaver's per-account publishing permissions (nothing to keep once they left)."""
    if not django_apps.is_installed("civicshield.web.publishing"):
        return 0
    models = importlib.import_module("civicshield.web.publishing.models")
    return int(models.AccountAccess.objects.filter(member=membership).delete()[0])


def accounts_reachable_by(membership: Membership) -> list[PlatformAccount]:
    """Open inventory accounts the person owns or can reach."""
    return list(
        PlatformAccount.objects.filter(office=membership.office_id, is_closed=False)
        .filter(Q(access=membership) | Q(owner=membership))
        .distinct()
        .order_by("platform", "name")
    )


@transaction.atomic
def member_offboard(*, actor: Membership, membership: Membership, reason: str = "") -> Offboarding:
    require(actor, Capability.MANAGE_STAFF)
    same_office(actor, membership.office_id)
    if membership.pk == actor.pk:
        raise ValidationError(ERROR_SELF)
    if not membership.is_active:
        raise ValidationError(ERROR_ALREADY_LEFT)
    user = membership.user
    office = membership.office
    reachable = accounts_reachable_by(membership)
    connected = connected_accounts_set_up_by(membership)

    accounts.member_deactivate(actor=actor, membership=membership, reason=reason)

    sessions = sessions_end_for_user(user)
    elsewhere = Membership.objects.filter(user=user, is_active=True).exists()
    # Tokens belong to this office, so they go whether or not the person works elsewhere.
    tokens = _revoke_inbox_tokens(membership) + sum(
        revoke(user, office) for revoke in TOKEN_REVOKERS
    )
    devices = 0
    deactivated = False
    if not elsewhere:
        totp, static = TOTPDevice.objects.filter(user=user), StaticDevice.objects.filter(user=user)
        devices = totp.count() + static.count()
        totp.delete()
        static.delete()
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["is_active", "password"])
        deactivated = True

    publishing_access_removed = _remove_publishing_access(membership)
    for account in reachable:
        account.access.remove(membership)
    PlatformAccount.objects.filter(owner=membership).update(owner=None)

    record = Offboarding.objects.create(
        office=office,
        membership=membership,
        leaver_name=user.full_name or user.email,
        leaver_email=user.email,
        actor=actor.user,
        reason=reason[:300],
        sessions_ended=sessions,
        devices_removed=devices,
        tokens_revoked=tokens,
        user_deactivated=deactivated,
        accounts=[str(a) for a in reachable] + [str(c) for c in connected],
    )
    due = timezone.now() + dt.timedelta(days=team_settings_for(office).rotation_due_days)
    for account in reachable:
        detail = (
            f"{record.leaver_name} could reach this account. Change its password, check that "
            "the recovery email and phone are still the office's own, remove their own login "
            "or admin role on the platform if they had one, and sign out other sessions."
        )
        task_create(
            office=office,
            kind=Task.Kind.ROTATION,
            title=f"Change the password of {account}",
            detail=detail,
            account=account,
            due=due,
            actor=actor.user,
            offboarding=record,
        )
    for connection in connected:
        task_create(
            office=office,
            kind=Task.Kind.ROTATION,
            title=f"Renew the connection to {connection}",
            detail=(
                f"{record.leaver_name} connected this account to CivicShield, so they know or "
                "authorised its credentials. Revoke that app password or authorisation on the "
                "platform, then connect the account again."
            ),
            due=due,
            actor=actor.user,
            offboarding=record,
        )
    audit.record(
        action="team.member.offboarded",
        office=office,
        actor=actor.user,
        target=membership,
        details={
            "reason": reason[:300],
            "sessions_ended": sessions,
            "devices_removed": devices,
            "tokens_revoked": tokens,
            "user_deactivated": deactivated,
            "rotation_tasks": [str(a) for a in reachable] + [str(c) for c in connected],
            "publishing_access_removed": publishing_access_removed,
            "offboarding": record.pk,
        },
    )
    return record
