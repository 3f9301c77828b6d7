"""OAuth 2.0 sign-in to Microsoft 365 and Google, for the forwarding check of cloud mailboxes.

The authorization-code flow with PKCE (S256) and a ``state`` value, through Authlib's
``OAuth2Session``: ``authorization_start`` gives the URL to send the person to,
``authorization_finish`` trades the code that comes back for tokens, ``token_refresh`` gets a
new access token from the refresh token before each check. Nothing here stores anything: the
web app keeps the refresh token (encrypted) and the pending flow (in the person's session).

Errors become the shared ConnectorError types. A refresh token the provider no longer honours
(``invalid_grant``: revoked, expired, password changed, consent withdrawn) is ``GrantRevoked``,
which the web app shows as "Sign-in expired — reconnect". A token is never put into a message.

``client_credentials_token`` is the other flow: no person signs in; the organisation's own app
registration gets an app-only token for Exchange Online (``exchange_app``), which
``AppTokenCache`` keeps in memory until shortly before it runs out.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oauth2.rfc6749.errors import MismatchingStateException, MissingCodeException

from civicshield.connectors.base import AuthenticationFailed, ConnectorError

MICROSOFT = "microsoft"
GOOGLE = "google"

MICROSOFT_LOGIN_URL = "https://login.microsoftonline.com"
# Graph: read the inbox rules (MailboxSettings.Read) and the signed-in mailbox's address
# (User.Read); offline_access is what makes Microsoft return a refresh token.
MICROSOFT_SCOPES = ("offline_access", "User.Read", "MailboxSettings.Read")
GOOGLE_AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL, not a secret
# Each of the read calls (forwardingAddresses.list, getAutoForwarding, filters.list,
# sendAs.list) accepts gmail.settings.basic or gmail.readonly. gmail.readonly would let us read
# every email in the mailbox (constituents' casework); settings.basic reads no email at all.
# It could change filters and forwarding, which CivicShield never does. Of the two, settings
# access is the smaller harm if the stored token were ever stolen.
GOOGLE_SCOPES = ("https://www.googleapis.com/auth/gmail.settings.basic",)
# Only when the office turns on "check new email for phishing" (least privilege otherwise).
# Microsoft: Mail.ReadWrite reads each new email's MIME source, sets a category on it and moves
# phishing to a folder. Mail.Read would do for reading alone, but then nobody would see the
# verdict in Outlook, which is the point; neither scope can send mail (that is Mail.Send).
MICROSOFT_MAIL_SCOPES = ("Mail.ReadWrite",)
# Google: gmail.modify reads raw messages and history and adds or removes labels; it cannot
# delete mail permanently or send it. gmail.readonly would read but could not label.
GOOGLE_MAIL_SCOPES = ("https://www.googleapis.com/auth/gmail.modify",)

ERROR_STATE = (
    "The sign-in could not be matched to the one this page started (it may be old, or opened "
    "in another browser). Start again from the Connect page."
)
ERROR_NO_CODE = "The sign-in page sent no answer CivicShield can use. Start again."
ERROR_REFUSED = "{provider} did not allow the sign-in ({reason}). Nothing was connected."
ERROR_GRANT = (
    "{provider} no longer accepts CivicShield's sign-in for this mailbox (it was revoked, "
    "expired, or the password changed). Reconnect the mailbox."
)
ERROR_NO_REFRESH = (
    "{provider} did not give CivicShield lasting access (no refresh token), so the daily check "
    "would stop within an hour. Try again; if it keeps happening, ask your administrator."
)
ERROR_APP_REFUSED = "{provider} refused an app-only token for CivicShield's app ({reason})."
ERROR_UNREACHABLE = "Could not reach {provider}'s sign-in service ({reason}); try again later."
PROVIDER_NAMES = {MICROSOFT: "Microsoft", GOOGLE: "Google"}


class GrantRevoked(AuthenticationFailed):
    """The refresh token (or code) was refused with ``invalid_grant``: sign in again."""


class AppRefused(AuthenticationFailed):
    """The token endpoint refused an app-only token; ``reason`` is its OAuth error code only
    (``invalid_client``, ``unauthorized_client``...), never its description."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Provider:
    """One OAuth provider as a registered app sees it.

    ``key`` is ``microsoft`` or ``google``; ``authorize_params`` are the extra query parameters
    that make the provider return a refresh token and ask for consent.
    """

    key: str
    client_id: str
    client_secret: str = field(repr=False)
    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    authorize_params: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return PROVIDER_NAMES.get(self.key, self.key)


def microsoft(
    client_id: str,
    client_secret: str,
    *,
    tenant: str = "organizations",
    login_url: str = MICROSOFT_LOGIN_URL,
    watch_mail: bool = False,
) -> Provider:
    """Microsoft identity platform v2.0; ``tenant`` is a tenant id, a domain or ``organizations``.
    ``watch_mail`` adds the scope to read and tag new email (MICROSOFT_MAIL_SCOPES)."""
    base = f"{login_url.rstrip('/')}/{tenant}/oauth2/v2.0"
    return Provider(
        key=MICROSOFT,
        client_id=client_id,
        client_secret=client_secret,
        authorize_url=f"{base}/authorize",
        token_url=f"{base}/token",
        scopes=MICROSOFT_SCOPES + (MICROSOFT_MAIL_SCOPES if watch_mail else ()),
        # select_account: an office manager signing in for a shared mailbox picks the account.
        authorize_params={"prompt": "select_account"},
    )


def google(
    client_id: str,
    client_secret: str,
    *,
    authorize_url: str = GOOGLE_AUTHORIZE_URL,
    token_url: str = GOOGLE_TOKEN_URL,
    watch_mail: bool = False,
) -> Provider:
    """Google; ``access_type=offline`` and ``prompt=consent`` so a refresh token comes back
    every time (Google sends one only on the first consent otherwise). ``watch_mail`` adds
    the scope to read and label new email (GOOGLE_MAIL_SCOPES)."""
    return Provider(
        key=GOOGLE,
        client_id=client_id,
        client_secret=client_secret,
        authorize_url=authorize_url,
        token_url=token_url,
        scopes=GOOGLE_SCOPES + (GOOGLE_MAIL_SCOPES if watch_mail else ()),
        authorize_params={"access_type": "offline", "prompt": "consent"},
    )


@dataclass(frozen=True)
class AuthorizationStart:
    """Where to send the person, and what to keep (in their session) for the way back."""

    url: str
    state: str
    code_verifier: str = field(repr=False)


@dataclass(frozen=True)
class Tokens:
    """A token response. ``refresh_token`` is empty when the provider did not rotate it."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: dt.datetime | None
    scopes: tuple[str, ...] | None = None
    """The scopes granted, when the provider said (Google lets a person untick some)."""


def _session(provider: Provider, redirect_uri: str = "", timeout: float = 30.0) -> OAuth2Session:
    session = OAuth2Session(
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        scope=" ".join(provider.scopes),
        redirect_uri=redirect_uri or None,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_post",  # noqa: S106 - a method name
        default_timeout=timeout,
    )
    return session


def authorization_start(provider: Provider, *, redirect_uri: str) -> AuthorizationStart:
    """The provider's sign-in URL with a fresh ``state`` and a PKCE S256 code challenge."""
    code_verifier = secrets.token_urlsafe(64)  # 86 characters: RFC 7636 asks for 43 to 128
    url, state = _session(provider, redirect_uri).create_authorization_url(
        provider.authorize_url, code_verifier=code_verifier, **provider.authorize_params
    )
    return AuthorizationStart(url=url, state=state, code_verifier=code_verifier)


def _tokens(token: dict[str, Any], *, previous_refresh: str = "") -> Tokens:
    expires_at = token.get("expires_at")
    return Tokens(
        access_token=str(token.get("access_token") or ""),
        refresh_token=str(token.get("refresh_token") or previous_refresh or ""),
        expires_at=dt.datetime.fromtimestamp(int(expires_at), tz=dt.UTC) if expires_at else None,
        scopes=tuple(str(token["scope"]).split()) if token.get("scope") else None,
    )


def _token_error(provider: Provider, exc: Exception) -> ConnectorError:
    if isinstance(exc, OAuthError):
        if exc.error == "invalid_grant":
            return GrantRevoked(ERROR_GRANT.format(provider=provider.name))
        # The provider's error code only (invalid_client, unauthorized_client...): its
        # description can echo request details, and the reason ends up in the audit log.
        return AuthenticationFailed(ERROR_REFUSED.format(provider=provider.name, reason=exc.error))
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        reason = f"HTTP {exc.response.status_code}"
    else:
        reason = type(exc).__name__
    return ConnectorError(
        ERROR_UNREACHABLE.format(provider=provider.name, reason=reason), retryable=True
    )


def authorization_finish(
    provider: Provider,
    *,
    redirect_uri: str,
    authorization_response: str,
    state: str,
    code_verifier: str,
) -> Tokens:
    """Trade the code in ``authorization_response`` (the full callback URL) for tokens.

    Authlib checks the callback's ``state`` against ``state`` again before any request is
    sent. Raises AuthenticationFailed (state, refusal, no refresh token) or ConnectorError.
    """
    session = _session(provider, redirect_uri)
    try:
        token = session.fetch_token(
            provider.token_url,
            authorization_response=authorization_response,
            state=state,
            code_verifier=code_verifier,
        )
    except MismatchingStateException as exc:
        raise AuthenticationFailed(ERROR_STATE) from exc
    except MissingCodeException as exc:
        raise AuthenticationFailed(ERROR_NO_CODE) from exc
    except (OAuthError, requests.RequestException, ValueError) as exc:
        raise _token_error(provider, exc) from exc
    tokens = _tokens(token)
    if not tokens.refresh_token:
        raise AuthenticationFailed(ERROR_NO_REFRESH.format(provider=provider.name))
    return tokens


def token_refresh(provider: Provider, *, refresh_token: str) -> Tokens:
    """A new access token; the refresh token too if the provider rotated it (Microsoft does).

    Raises GrantRevoked on ``invalid_grant``, AuthenticationFailed on another refusal, and a
    retryable ConnectorError when the service cannot be reached or is failing.
    """
    try:
        token = _session(provider).refresh_token(provider.token_url, refresh_token=refresh_token)
    except (OAuthError, requests.RequestException, ValueError) as exc:
        raise _token_error(provider, exc) from exc
    return _tokens(token, previous_refresh=refresh_token)


# --- App-only access (client credentials) for the organisation's Exchange Online -------------

# The Exchange Online admin API (``InvokeCommand``) is the resource; ``.default`` asks for the
# application permissions an administrator consented to (``Exchange.ManageAsApp``).
EXCHANGE_APP_SCOPE = "https://outlook.office365.com/.default"
# A cached app token this close to running out is replaced first, so it cannot lapse mid-check.
APP_TOKEN_LEEWAY = dt.timedelta(minutes=5)


def exchange_app(
    client_id: str,
    client_secret: str,
    *,
    tenant: str,
    login_url: str = MICROSOFT_LOGIN_URL,
) -> Provider:
    """The organisation's own app registration, for the client-credentials flow against one
    tenant (an id or a domain; never ``organizations``: an app token is for one tenant)."""
    return Provider(
        key=MICROSOFT,
        client_id=client_id,
        client_secret=client_secret,
        authorize_url="",  # no person signs in
        token_url=f"{login_url.rstrip('/')}/{tenant}/oauth2/v2.0/token",
        scopes=(EXCHANGE_APP_SCOPE,),
    )


def client_credentials_token(provider: Provider) -> Tokens:
    """An app-only access token (``grant_type=client_credentials``, the client secret in the
    body). No refresh token comes back: a new one is fetched when it runs out.

    Raises AuthenticationFailed when Microsoft refuses the app (its error code only, such as
    ``invalid_client`` for a wrong or expired secret, ``unauthorized_client`` for an app that is
    not in the tenant), and a retryable ConnectorError when the service cannot be reached.
    """
    try:
        token = _session(provider).fetch_token(provider.token_url, grant_type="client_credentials")
    except OAuthError as exc:
        reason = str(exc.error or "refused")
        message = ERROR_APP_REFUSED.format(provider=provider.name, reason=reason)
        raise AppRefused(message, reason=reason) from exc
    except (requests.RequestException, ValueError) as exc:
        raise _token_error(provider, exc) from exc
    tokens = _tokens(token)
    if not tokens.access_token:
        message = ERROR_APP_REFUSED.format(provider=provider.name, reason="no access token")
        raise AppRefused(message, reason="no access token")
    return tokens


class AppTokenCache:
    """App-only access tokens kept in memory until shortly before they run out.

    One per process: every mailbox audited in a run (and in later runs, within the hour a
    Microsoft token lasts) reuses one token instead of asking the token endpoint each time.
    Keyed by token URL, client id and scopes, so a changed configuration never gets an old
    token. Nothing is written anywhere; a restarted process fetches a new token.
    """

    def __init__(
        self,
        *,
        fetch: Callable[[Provider], Tokens] = client_credentials_token,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._fetch = fetch
        self._now = now
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, str, tuple[str, ...]], Tokens] = {}

    def access_token(self, provider: Provider) -> str:
        key = (provider.token_url, provider.client_id, provider.scopes)
        # The lock is held across the fetch on purpose: threads of one worker that need a token
        # at once wait for the first one's answer instead of each asking Microsoft.
        with self._lock:
            cached = self._tokens.get(key)
            if cached is not None and cached.expires_at is not None:
                if cached.expires_at > self._now() + APP_TOKEN_LEEWAY:
                    return cached.access_token
            tokens = self._fetch(provider)
            self._tokens[key] = tokens
            return tokens.access_token

    def forget(self, provider: Provider) -> None:
        """Drop the cached token (Exchange refused it before its time: HTTP 401)."""
        with self._lock:
            self._tokens.pop((provider.token_url, provider.client_id, provider.scopes), None)
