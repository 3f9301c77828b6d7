"""Signing in to Microsoft 365 and Google for the forwarding check of cloud mailboxes.

1. ``oauth_connect_start``: the provider's sign-in URL, and the pending flow (state, PKCE
   verifier, office, member, mailbox) that the view keeps in the person's session.
2. ``oauth_connect_finish``: the callback. The ``state`` must match the pending flow of this
   session, office and member; the code is traded for tokens; the mailbox's address is read
   with the new access token; the mailbox is created (or reconnected) with its refresh token
   encrypted, and its first forwarding check is queued.
3. ``mailbox_access_token``: before each check, a fresh access token, refreshed if it ran out.
   A refresh token the provider refuses (``invalid_grant``) marks the mailbox "Sign-in expired".

Every failure is written to the audit log; no token ever is.
"""

from __future__ import annotations

import datetime as dt
import hmac
import urllib.parse
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from civicshield.connectors import oauth
from civicshield.connectors.base import ConnectorError
from civicshield.web.accounts.models import Membership
from civicshield.web.accounts.roles import Capability
from civicshield.web.audit import services as audit
from civicshield.web.jobs import services as jobs
from civicshield.web.mailguard.models import WatchedMailbox
from civicshield.web.mailguard.services import ERROR_NOT_ALLOWED, NotAllowed, require

SESSION_KEY = "mailguard_oauth_flow"
FLOW_VALID_SECONDS = 15 * 60
# An access token this close to running out is refreshed first, so it cannot lapse mid-check.
REFRESH_LEEWAY = dt.timedelta(minutes=5)

KIND_OF_PROVIDER = {
    oauth.MICROSOFT: WatchedMailbox.Kind.MICROSOFT365,
    oauth.GOOGLE: WatchedMailbox.Kind.GMAIL,
}
PROVIDER_OF_KIND = {kind: key for key, kind in KIND_OF_PROVIDER.items()}
SETTINGS_NEEDED = {
    oauth.MICROSOFT: ("CIVICSHIELD_MICROSOFT_CLIENT_ID", "CIVICSHIELD_MICROSOFT_CLIENT_SECRET"),
    oauth.GOOGLE: ("CIVICSHIELD_GOOGLE_CLIENT_ID", "CIVICSHIELD_GOOGLE_CLIENT_SECRET"),
}

ERROR_NOT_CONFIGURED = (
    "Signing in with {provider} is not set up on this CivicShield server. Ask your "
    "administrator to set {needed}."
)
ERROR_SIGN_IN_EXPIRED = (
    "Sign-in expired — reconnect. {provider} no longer accepts CivicShield's sign-in for this "
    "mailbox (it was revoked, expired or the password changed), so its forwarding could not be "
    "checked. Press Reconnect on the Watched mailboxes page and sign in again."
)
ERROR_NO_ADDRESS = "{provider} did not say which mailbox was signed in to. Nothing was connected."
ERROR_OTHER_MAILBOX = (
    "You signed in as {signed_in}, but this mailbox is {expected}. Reconnect it by signing in "
    "as {expected}."
)
ERROR_NOT_CLOUD = "Only Microsoft 365 and Gmail mailboxes are connected by signing in."


def redirect_uri() -> str:
    """The one callback address both providers send people back to (register it with them)."""
    return settings.SITE_URL + reverse("mailguard:oauth_callback")


def provider_get(key: str, *, watch_mail: bool = False) -> oauth.Provider | None:
    """The provider as configured by environment variables, or None if it is not set up.

    ``watch_mail`` asks for the mail scope too (only when the office chose "check new email
    for phishing"). A refresh keeps the scopes first granted whatever is asked here."""
    if key == oauth.MICROSOFT and settings.MICROSOFT_CLIENT_ID:
        return oauth.microsoft(
            settings.MICROSOFT_CLIENT_ID,
            settings.MICROSOFT_CLIENT_SECRET,
            tenant=settings.MICROSOFT_TENANT,
            login_url=settings.MICROSOFT_LOGIN_URL,
            watch_mail=watch_mail,
        )
    if key == oauth.GOOGLE and settings.GOOGLE_CLIENT_ID:
        return oauth.google(
            settings.GOOGLE_CLIENT_ID,
            settings.GOOGLE_CLIENT_SECRET,
            authorize_url=settings.GOOGLE_AUTHORIZE_URL,
            token_url=settings.GOOGLE_TOKEN_URL,
            watch_mail=watch_mail,
        )
    return None


def mail_scope_granted(key: str, granted: tuple[str, ...] | None) -> bool:
    """Whether a token response granted the mail scope (True when the provider did not say:
    RFC 6749 omits ``scope`` when it is the one requested)."""
    if granted is None:
        return True
    wanted = oauth.MICROSOFT_MAIL_SCOPES if key == oauth.MICROSOFT else oauth.GOOGLE_MAIL_SCOPES
    # Microsoft answers with full scope URIs for Graph (https://graph.microsoft.com/Mail.ReadWrite).
    names = {g.rsplit("/", 1)[-1].lower() for g in granted} | {g.lower() for g in granted}
    return all(w.lower() in names or w.rsplit("/", 1)[-1].lower() in names for w in wanted)


def providers_status() -> list[dict[str, Any]]:
    """For the connect page: each provider, whether it is set up, and what is missing if not."""
    return [
        {
            "key": key,
            "name": oauth.PROVIDER_NAMES[key],
            "label": WatchedMailbox.Kind(kind).label,
            "configured": provider_get(key) is not None,
            "needed": SETTINGS_NEEDED[key],
        }
        for key, kind in KIND_OF_PROVIDER.items()
    ]


def _not_configured(key: str) -> str:
    return ERROR_NOT_CONFIGURED.format(
        provider=oauth.PROVIDER_NAMES.get(key, key), needed=" and ".join(SETTINGS_NEEDED[key])
    )


def oauth_connect_start(
    *,
    member: Membership,
    provider_key: str = "",
    name: str = "",
    mailbox: WatchedMailbox | None = None,
    watch_mail: bool | None = None,
    move_phishing: bool | None = None,
) -> tuple[str, dict[str, Any]]:
    """The provider's sign-in URL and the pending flow to keep in the session.

    ``mailbox`` reconnects that mailbox instead of adding one. ``watch_mail`` (the office's
    "check new email for phishing") asks for the mail scope; None keeps a reconnected
    mailbox's choice.
    """
    require(member, Capability.MANAGE_MAILBOXES)
    if mailbox is not None:
        if mailbox.office_id != member.office_id:
            raise NotAllowed(ERROR_NOT_ALLOWED)
        if not mailbox.is_cloud:
            raise ValidationError(ERROR_NOT_CLOUD)
        provider_key = PROVIDER_OF_KIND[WatchedMailbox.Kind(mailbox.kind)]
        if watch_mail is None:
            watch_mail = mailbox.watch_mail
    watch_mail = bool(watch_mail)
    provider = provider_get(provider_key, watch_mail=watch_mail)
    if provider is None:
        raise ValidationError(_not_configured(provider_key))
    start = oauth.authorization_start(provider, redirect_uri=redirect_uri())
    pending = {
        "state": start.state,
        "code_verifier": start.code_verifier,
        "provider": provider_key,
        "office": member.office_id,
        "member": member.pk,
        "mailbox": mailbox.pk if mailbox is not None else None,
        "name": name[:200],
        "watch_mail": watch_mail,
        "move_phishing": move_phishing,
        "started": timezone.now().timestamp(),
    }
    return start.url, pending


def _fail(member: Membership, reason: str, message: str, **details: Any) -> ValidationError:
    """Record a failed connection in the audit log; the error for the page."""
    audit.record(
        action="mailguard.mailbox.connect_failed",
        office=member.office,
        actor=member.user,
        details={"reason": reason, "error": message[:300], **details},
    )
    return ValidationError(message)


def _pending_matches(pending: Mapping[str, Any] | None, member: Membership, state: str) -> bool:
    if not pending or not state:
        return False
    expected = str(pending.get("state") or "")
    return (
        hmac.compare_digest(expected.encode(), state.encode())
        and pending.get("office") == member.office_id
        and pending.get("member") == member.pk
        and timezone.now().timestamp() - float(pending.get("started") or 0) < FLOW_VALID_SECONDS
    )


def _signed_in_address(provider_key: str, access_token: str) -> str:
    if provider_key == oauth.MICROSOFT:
        from civicshield.connectors.graph import GraphClient

        me = GraphClient(access_token, base_url=settings.MICROSOFT_GRAPH_URL).me()
        return str(me.get("mail") or me.get("userPrincipalName") or "")
    from civicshield.connectors.gmail import GmailClient

    return GmailClient(access_token, base_url=settings.GMAIL_API_URL).primary_address()


def oauth_connect_finish(
    *,
    member: Membership,
    pending: Mapping[str, Any] | None,
    query: Mapping[str, str],
) -> WatchedMailbox:
    """Finish a sign-in: check it is this session's, trade the code, store the mailbox.

    ``pending`` is the flow the session held (already removed from it: a flow is used once);
    ``query`` the parameters the provider sent the person back with. Raises ValidationError with plain words; each failure is in the audit log.
    """
    require(member, Capability.MANAGE_MAILBOXES)
    if not _pending_matches(pending, member, query.get("state", "")):
        raise _fail(member, "state", oauth.ERROR_STATE)
    assert pending is not None  # noqa: S101 - _pending_matches checked it; for mypy
    key = str(pending["provider"])
    watch_mail = bool(pending.get("watch_mail"))
    provider = provider_get(key, watch_mail=watch_mail)
    if provider is None:
        raise _fail(member, "not_configured", _not_configured(key), provider=key)
    if error := query.get("error"):
        # access_denied when the person pressed Cancel, or consent_required / admin approval.
        message = oauth.ERROR_REFUSED.format(provider=provider.name, reason=error[:100])
        raise _fail(member, "refused", message, provider=key)
    try:
        tokens = oauth.authorization_finish(
            provider,
            redirect_uri=redirect_uri(),
            authorization_response=redirect_uri() + "?" + urllib.parse.urlencode(query),
            state=str(pending["state"]),
            code_verifier=str(pending["code_verifier"]),
        )
        address = _signed_in_address(key, tokens.access_token).strip()
    except ConnectorError as exc:
        raise _fail(member, "token", str(exc), provider=key) from exc
    if not address:
        raise _fail(
            member, "no_address", ERROR_NO_ADDRESS.format(provider=provider.name), provider=key
        )
    kind = KIND_OF_PROVIDER[key]
    mailbox: WatchedMailbox | None = None
    if pending.get("mailbox"):
        mailbox = WatchedMailbox.objects.filter(
            office=member.office, pk=pending["mailbox"], kind=kind
        ).first()
        if mailbox is None:
            raise _fail(member, "mailbox_gone", oauth.ERROR_STATE, provider=key)
        if mailbox.address and mailbox.address.lower() != address.lower():
            message = ERROR_OTHER_MAILBOX.format(signed_in=address, expected=mailbox.address)
            raise _fail(member, "other_mailbox", message, provider=key)
    else:
        mailbox = WatchedMailbox.objects.filter(
            office=member.office, kind=kind, address__iexact=address
        ).first()
    reconnected = mailbox is not None
    with transaction.atomic():
        if mailbox is None:
            mailbox = WatchedMailbox(office=member.office, kind=kind)
        mailbox.name = str(pending.get("name") or "") or mailbox.name or address
        mailbox.address = address
        mailbox.oauth_token = tokens.access_token
        mailbox.oauth_refresh_token = tokens.refresh_token
        mailbox.oauth_expires_at = tokens.expires_at
        mailbox.sign_in_expired_at = None
        mailbox.last_error = ""
        mailbox.enabled = True
        # Watched only if the person also agreed to the mail scope on the provider's page.
        mailbox.watch_mail = watch_mail and mail_scope_granted(key, tokens.scopes)
        if pending.get("move_phishing") is not None:  # None: a reconnect keeps the choice
            mailbox.move_phishing = bool(pending["move_phishing"])
        # A signed-in Microsoft token is for Graph only: the Exchange admin API (mailbox-wide
        # forwarding) needs a token for another resource, so a tenant id left from a pasted
        # token must not send this one there.
        mailbox.settings = {k: v for k, v in mailbox.settings.items() if k != "tenant_id"}
        mailbox.save()
        audit.record(
            action="mailguard.mailbox.connected",
            office=member.office,
            actor=member.user,
            target=mailbox,
            details={
                "kind": kind,
                "via": "sign-in",
                "reconnected": reconnected,
                "watch_mail": mailbox.watch_mail,
            },
        )
        jobs.enqueue("mailguard.forwarding_audit", office=member.office, mailbox_id=mailbox.pk)
        if mailbox.watch_mail:
            # The first watch only notes where the inbox is now; mail from then on is checked.
            # (watch_enqueue: a reconnect while a watch is queued must not start a second one.)
            from civicshield.web.mailguard.watcher import watch_enqueue

            watch_enqueue(mailbox)
    return mailbox


def mailbox_access_token(mailbox: WatchedMailbox, *, force: bool = False) -> str:
    """A usable access token for a cloud mailbox, refreshed first if it has run out (or
    ``force``: the service refused the token before its time, HTTP 401).

    A rotated refresh token is saved. Two checks of one mailbox at once may both refresh; that
    is harmless (Google does not rotate refresh tokens; Microsoft keeps the old one valid until
    it expires), so no row lock is held across the HTTP call, which on SQLite would block every
    other write for up to the request timeout.
    Raises ConnectorError; ``invalid_grant`` marks the mailbox "Sign-in expired" first.
    """
    key = PROVIDER_OF_KIND[WatchedMailbox.Kind(mailbox.kind)]
    name = oauth.PROVIDER_NAMES[key]
    if mailbox.sign_in_expired_at is not None:
        raise ConnectorError(ERROR_SIGN_IN_EXPIRED.format(provider=name), retryable=False)
    if not mailbox.oauth_refresh_token:
        return str(mailbox.oauth_token)  # connected before sign-in existed: a pasted token
    now = timezone.now()
    if (
        not force
        and mailbox.oauth_token
        and mailbox.oauth_expires_at
        and mailbox.oauth_expires_at > now + (REFRESH_LEEWAY)
    ):
        return str(mailbox.oauth_token)
    provider = provider_get(key)
    if provider is None:
        raise ConnectorError(_not_configured(key), retryable=False)
    try:
        tokens = oauth.token_refresh(provider, refresh_token=mailbox.oauth_refresh_token)
    except oauth.GrantRevoked as exc:
        message = ERROR_SIGN_IN_EXPIRED.format(provider=name)
        with transaction.atomic():
            # The refused tokens are of no further use: keep no secret we do not need.
            mailbox.sign_in_expired_at = now
            mailbox.oauth_token = ""
            mailbox.oauth_refresh_token = ""
            mailbox.save(update_fields=["sign_in_expired_at", "oauth_token", "oauth_refresh_token"])
            audit.record(
                action="mailguard.mailbox.sign_in_expired",
                office=mailbox.office,
                actor_label="forwarding check",
                target=mailbox,
                details={"provider": key, "error": "invalid_grant"},
            )
        raise ConnectorError(message, retryable=False) from exc
    except ConnectorError as exc:
        audit.record(
            action="mailguard.mailbox.token_refresh_failed",
            office=mailbox.office,
            actor_label="forwarding check",
            target=mailbox,
            details={"provider": key, "error": str(exc)[:300]},
        )
        raise
    mailbox.oauth_token = tokens.access_token
    mailbox.oauth_expires_at = tokens.expires_at
    mailbox.oauth_refresh_token = tokens.refresh_token
    mailbox.save(update_fields=["oauth_token", "oauth_expires_at", "oauth_refresh_token"])
    return tokens.access_token


def mailbox_watch_mail_off(*, member: Membership, mailbox: WatchedMailbox) -> WatchedMailbox:
    """Stop checking new email of a cloud mailbox (the forwarding check goes on).

    Turning it on needs a new sign-in with the mail scope: ``oauth_connect_start(...,
    watch_mail=True)``. Turning it off needs none; the provider keeps the permission granted
    until someone removes CivicShield's access in the account (the page says so).
    """
    require(member, Capability.MANAGE_MAILBOXES)
    if mailbox.office_id != member.office_id:
        raise NotAllowed(ERROR_NOT_ALLOWED)
    with transaction.atomic():
        mailbox.watch_mail = False
        mailbox.save(update_fields=["watch_mail"])
        audit.record(
            action="mailguard.mailbox.watch_mail_off",
            office=member.office,
            actor=member.user,
            target=mailbox,
            details={"kind": mailbox.kind},
        )
    return mailbox
