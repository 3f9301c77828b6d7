"""Connecting, configuring and disconnecting the office's social media accounts.

Secrets are passed straight to the encrypted fields; no secret goes into an audit entry, a
message or an exception text (connector errors are written to be safe to show).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from civicshield.connectors.publishing import ConnectorError
from civicshield.web.accounts.models import Membership
from civicshield.web.accounts.roles import Capability
from civicshield.web.accounts.services import NotAllowed
from civicshield.web.audit import services as audit
from civicshield.web.publishing import platforms, rules
from civicshield.web.publishing.models import (
    AccountAccess,
    ApprovalPolicy,
    CheckMode,
    CheckSettings,
    ConnectedAccount,
    Platform,
)

ERROR_CANNOT_MANAGE = "Only the representative or office manager may manage connected accounts."
ERROR_NOT_BLUESKY = "Only a connected Bluesky account has an app password to replace."
ERROR_OAUTH_STATE = "That sign-in link has expired or was not started here: start again."
ERROR_APPROVER_ROLES = "Choose at least one role that may approve posts."
ERROR_APPROVALS = "Between 1 and 5 approvals."
ERROR_SIGN_OFF_NEEDS_REPRESENTATIVE = (
    "The representative's sign-off is asked for, so the representative must be an approver."
)


def _require_manage(member: Membership) -> None:
    if not member.can(Capability.MANAGE_ACCOUNTS):
        raise NotAllowed(ERROR_CANNOT_MANAGE)


def _record(action: str, *, member: Membership, account: ConnectedAccount, **details: Any) -> None:
    audit.record(
        action=f"publishing.account.{action}",
        office=account.office,
        actor=member.user,
        target=account,
        details={"account_id": account.pk, **details},
    )


def mastodon_redirect_uri() -> str:
    return settings.SITE_URL + reverse("publishing:mastodon_callback")


@transaction.atomic
def account_create_demo(*, member: Membership, platform: str, handle: str) -> ConnectedAccount:
    """A demonstration account: drafts and approvals work, publishing sends nothing anywhere."""
    _require_manage(member)
    account = ConnectedAccount.objects.create(
        office=member.office,
        platform=platform,
        handle=handle,
        server_url="https://demo.invalid/",
        is_demo=True,
        connected_by=member.user,
    )
    rules.policy_for(account)
    _record("connected", member=member, account=account, demo=True)
    return account


@transaction.atomic
def account_connect_bluesky(
    *, member: Membership, handle: str, app_password: str, server_url: str = "https://bsky.social"
) -> ConnectedAccount:
    """Connect a Bluesky account with an app password (checked by signing in once)."""
    _require_manage(member)
    try:
        identity = platforms.bluesky_sign_in(server_url, handle.strip().lstrip("@"), app_password)
    except ConnectorError as exc:
        raise ValidationError(str(exc)) from exc
    account = ConnectedAccount.objects.create(
        office=member.office,
        platform=Platform.BLUESKY,
        handle=identity,
        server_url=server_url,
        app_password=app_password,
        connected_by=member.user,
    )
    rules.policy_for(account)
    _record("connected", member=member, account=account, platform="bluesky")
    return account


@transaction.atomic
def account_start_mastodon(*, member: Membership, server_url: str) -> tuple[ConnectedAccount, str]:
    """Register CivicShield with the Mastodon server; return the account row and where to sign in.

    The account is not usable until ``account_finish_mastodon`` has exchanged the code.
    """
    _require_manage(member)
    server_url = server_url.strip().rstrip("/")
    if "://" not in server_url:
        server_url = f"https://{server_url}"
    redirect_uri = mastodon_redirect_uri()
    try:
        client_id, client_secret = platforms.mastodon_register(server_url, redirect_uri)
        state = secrets.token_urlsafe(24)
        url = platforms.mastodon_authorize_url(
            server_url, client_id, client_secret, redirect_uri, state
        )
    except ConnectorError as exc:
        raise ValidationError(str(exc)) from exc
    account = ConnectedAccount.objects.create(
        office=member.office,
        platform=Platform.MASTODON,
        handle="(signing in…)",
        server_url=server_url,
        client_id=client_id,
        client_secret=client_secret,
        oauth_state=state,
        connected_by=member.user,
        is_active=False,
    )
    _record("connect_started", member=member, account=account, server=server_url)
    return account, url


@transaction.atomic
def account_finish_mastodon(*, member: Membership, state: str, code: str) -> ConnectedAccount:
    _require_manage(member)
    account = (
        ConnectedAccount.objects.select_for_update()
        .filter(office=member.office, platform=Platform.MASTODON, is_active=False)
        .exclude(oauth_state="")
        .filter(oauth_state=state)
        .first()
    )
    if account is None or not state:
        raise ValidationError(ERROR_OAUTH_STATE)
    try:
        token, handle = platforms.mastodon_exchange(
            account.server_url,
            account.client_id,
            account.client_secret,
            mastodon_redirect_uri(),
            code,
        )
    except ConnectorError as exc:
        raise ValidationError(str(exc)) from exc
    account.access_token = token
    account.handle = handle
    account.oauth_state = ""
    account.is_active = True
    account.connected_at = timezone.now()
    account.save()
    rules.policy_for(account)
    _record("connected", member=member, account=account, platform="mastodon")
    return account


@transaction.atomic
def account_replace_app_password(
    *, member: Membership, account: ConnectedAccount, app_password: str
) -> ConnectedAccount:
    """Give a connected Bluesky account a new app password (checked by signing in once).

    For an app password made without "Allow access to your direct messages", or one revoked
    in Bluesky. The saved session is dropped too: it was made with the old password and keeps
    that password's permissions until it expires, so keeping it would hide the new ones.
    """
    _require_manage(member)
    if account.platform != Platform.BLUESKY or account.is_demo or not account.is_active:
        raise ValidationError(ERROR_NOT_BLUESKY)
    try:
        platforms.bluesky_sign_in(account.server_url, account.handle, app_password)
    except ConnectorError as exc:
        raise ValidationError(str(exc)) from exc
    account.app_password = app_password
    account.session = ""
    account.save(update_fields=["app_password", "session"])
    _record("app_password_replaced", member=member, account=account)
    return account


@transaction.atomic
def account_disconnect(*, member: Membership, account: ConnectedAccount) -> None:
    """Forget the account's secrets at once. Drafts stay (with their history)."""
    _require_manage(member)
    account.access_token = ""
    account.app_password = ""
    account.session = ""
    account.client_secret = ""
    account.oauth_state = ""
    account.is_active = False
    account.disconnected_at = timezone.now()
    account.save()
    _record("disconnected", member=member, account=account)


@transaction.atomic
def account_access_set(
    *,
    member: Membership,
    account: ConnectedAccount,
    target: Membership,
    can_draft: bool,
    can_approve: bool,
    can_publish: bool,
) -> AccountAccess:
    _require_manage(member)
    if target.office_id != account.office_id:
        raise NotAllowed(ERROR_CANNOT_MANAGE)
    row, _ = AccountAccess.objects.update_or_create(
        account=account,
        member=target,
        defaults={"can_draft": can_draft, "can_approve": can_approve, "can_publish": can_publish},
    )
    _record(
        "access_changed",
        member=member,
        account=account,
        person=target.user.email,
        can_draft=can_draft,
        can_approve=can_approve,
        can_publish=can_publish,
    )
    return row


@transaction.atomic
def policy_update(
    *,
    member: Membership,
    account: ConnectedAccount,
    approvals_required: int,
    approver_roles: list[str],
    representative_sign_off: str,
    sign_off_topics: list[str],
) -> ApprovalPolicy:
    _require_manage(member)
    roles = [r for r in approver_roles if r in rules.APPROVER_ROLE_CHOICES]
    if not roles:
        raise ValidationError(ERROR_APPROVER_ROLES)
    if not 1 <= approvals_required <= 5:
        raise ValidationError(ERROR_APPROVALS)
    if representative_sign_off != ApprovalPolicy.SignOff.NEVER and "representative" not in roles:
        # Otherwise no post needing the sign-off could ever be approved.
        raise ValidationError(ERROR_SIGN_OFF_NEEDS_REPRESENTATIVE)
    policy = rules.policy_for(account)
    policy.approvals_required = approvals_required
    policy.approver_roles = roles
    policy.representative_sign_off = representative_sign_off
    policy.sign_off_topics = [t.strip() for t in sign_off_topics if t.strip()]
    policy.full_clean()
    policy.save()
    _record(
        "policy_changed",
        member=member,
        account=account,
        approvals_required=approvals_required,
        approver_roles=roles,
        representative_sign_off=representative_sign_off,
        sign_off_topics=policy.sign_off_topics,
    )
    return policy


@transaction.atomic
def check_settings_update(*, member: Membership, **values: Any) -> CheckSettings:
    """Block or warn per check, and the office's private and allowed lists."""
    _require_manage(member)
    row, _ = CheckSettings.objects.get_or_create(office=member.office)
    for check in ("privacy", "images", "links", "tone"):
        if check in values:
            if values[check] not in CheckMode.values:
                raise ValidationError(f"Choose block or warn for {check}.")
            setattr(row, check, values[check])
    for name in ("private_names", "allowed_details"):
        if name in values:
            setattr(row, name, [v.strip() for v in values[name] if v.strip()])
    row.save()
    audit.record(
        action="publishing.checks.changed",
        office=member.office,
        actor=member.user,
        target=member.office,
        # The private names themselves stay out of the log: counts only.
        details={
            **{c: getattr(row, c) for c in ("privacy", "images", "links", "tone")},
            "private_names": len(row.private_names),
            "allowed_details": len(row.allowed_details),
        },
    )
    return row
