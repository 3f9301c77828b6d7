"""OAuth 2.0 sign-in to Microsoft 365 and Google (connectors/oauth.py) over real HTTP.

Microsoft's and Google's token endpoints cannot run here, so a local server on 127.0.0.1
replays RECORDED token responses of their documented shapes (tests/fixtures/oauth/, see the
README there). What is real: Authlib's OAuth2Session, its PKCE and state handling, the HTTP
request it sends, and how we read the answers.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import urllib.parse

import pytest

from civicshield.connectors import oauth
from civicshield.connectors.base import AuthenticationFailed, ConnectorError
from tests.servers.dovecot import free_port
from tests.servers.recorded import replay_server

REDIRECT = "https://civicshield.example/mail/mailboxes/oauth/callback/"
MS_TOKEN = "/organizations/oauth2/v2.0/token"


@pytest.fixture
def server():
    with replay_server() as replay:
        yield replay


def ms(server) -> oauth.Provider:
    return oauth.microsoft("ms-client", "ms-secret", login_url=server.base_url)


def gmail(server) -> oauth.Provider:
    return oauth.google(
        "g-client",
        "g-secret",
        authorize_url=f"{server.base_url}/auth",
        token_url=f"{server.base_url}/token",
    )


def query(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def form(body: bytes) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(body.decode()))


def test_the_microsoft_sign_in_url_carries_pkce_state_and_the_read_only_scopes(server):
    start = oauth.authorization_start(ms(server), redirect_uri=REDIRECT)
    assert start.url.startswith(f"{server.base_url}/organizations/oauth2/v2.0/authorize?")
    params = query(start.url)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(start.code_verifier.encode()).digest())
        .rstrip(b"=")
        .decode()
    )
    assert params["code_challenge"] == challenge
    assert params["code_challenge_method"] == "S256"
    assert params["state"] == start.state and len(start.state) >= 20
    assert params["scope"].split() == ["offline_access", "User.Read", "MailboxSettings.Read"]
    assert (params["response_type"], params["client_id"]) == ("code", "ms-client")
    assert params["redirect_uri"] == REDIRECT
    # The verifier is the secret half of PKCE: it never appears in the URL.
    assert start.code_verifier not in start.url
    # Two starts never share a state or verifier.
    again = oauth.authorization_start(ms(server), redirect_uri=REDIRECT)
    assert (again.state, again.code_verifier) != (start.state, start.code_verifier)


def test_the_google_sign_in_url_asks_for_a_refresh_token_and_settings_only(server):
    params = query(oauth.authorization_start(gmail(server), redirect_uri=REDIRECT).url)
    assert (params["access_type"], params["prompt"]) == ("offline", "consent")
    assert params["scope"] == "https://www.googleapis.com/auth/gmail.settings.basic"
    assert params["code_challenge_method"] == "S256"


def test_the_code_is_traded_for_tokens_with_the_pkce_verifier(server):
    """Recorded Microsoft token response (tests/fixtures/oauth/microsoft-token.json)."""
    server.route("POST", MS_TOKEN, "oauth/microsoft-token.json")
    start = oauth.authorization_start(ms(server), redirect_uri=REDIRECT)
    before = dt.datetime.now(dt.UTC)

    tokens = oauth.authorization_finish(
        ms(server),
        redirect_uri=REDIRECT,
        authorization_response=f"{REDIRECT}?code=the-code&state={start.state}",
        state=start.state,
        code_verifier=start.code_verifier,
    )

    assert (tokens.access_token, tokens.refresh_token) == (
        "recorded-ms-access-1",
        "recorded-ms-refresh-1",
    )
    assert tokens.expires_at is not None
    assert dt.timedelta(minutes=58) < tokens.expires_at - before < dt.timedelta(minutes=61)
    [request] = server.requests
    sent = form(request.body)
    assert sent["grant_type"] == "authorization_code"
    assert (sent["code"], sent["code_verifier"]) == ("the-code", start.code_verifier)
    assert (sent["redirect_uri"], sent["client_id"]) == (REDIRECT, "ms-client")
    assert "recorded-ms-refresh-1" not in repr(tokens)


def test_a_callback_with_another_state_is_refused_before_any_request(server):
    server.route("POST", MS_TOKEN, "oauth/microsoft-token.json")
    start = oauth.authorization_start(ms(server), redirect_uri=REDIRECT)
    with pytest.raises(AuthenticationFailed) as caught:
        oauth.authorization_finish(
            ms(server),
            redirect_uri=REDIRECT,
            authorization_response=f"{REDIRECT}?code=the-code&state=forged",
            state=start.state,
            code_verifier=start.code_verifier,
        )
    assert str(caught.value) == oauth.ERROR_STATE
    assert server.requests == []


def test_a_token_response_without_a_refresh_token_is_refused(server):
    """Recorded Google refresh response, which has no refresh_token, used as a code answer."""
    server.route("POST", "/token", "oauth/google-token-refreshed.json")
    start = oauth.authorization_start(gmail(server), redirect_uri=REDIRECT)
    with pytest.raises(AuthenticationFailed) as caught:
        oauth.authorization_finish(
            gmail(server),
            redirect_uri=REDIRECT,
            authorization_response=f"{REDIRECT}?code=c&state={start.state}",
            state=start.state,
            code_verifier=start.code_verifier,
        )
    assert str(caught.value) == oauth.ERROR_NO_REFRESH.format(provider="Google")


def test_a_refresh_keeps_a_rotated_refresh_token(server):
    """Recorded Microsoft refresh response that rotates the refresh token."""
    server.route("POST", MS_TOKEN, "oauth/microsoft-token-rotated.json")
    tokens = oauth.token_refresh(ms(server), refresh_token="recorded-ms-refresh-1")
    assert (tokens.access_token, tokens.refresh_token) == (
        "recorded-ms-access-2",
        "recorded-ms-refresh-2",
    )
    sent = form(server.requests[0].body)
    assert (sent["grant_type"], sent["refresh_token"]) == ("refresh_token", "recorded-ms-refresh-1")
    assert sent["client_secret"] == "ms-secret"


def test_a_refresh_without_rotation_keeps_the_old_refresh_token(server):
    """Recorded Google refresh response (Google does not send a new refresh token)."""
    server.route("POST", "/token", "oauth/google-token-refreshed.json")
    tokens = oauth.token_refresh(gmail(server), refresh_token="recorded-google-refresh-1")
    assert (tokens.access_token, tokens.refresh_token) == (
        "recorded-google-access-2",
        "recorded-google-refresh-1",
    )


@pytest.mark.parametrize(
    ("fixture", "path", "provider"),
    [
        ("oauth/microsoft-invalid-grant.json", MS_TOKEN, ms),
        ("oauth/google-invalid-grant.json", "/token", gmail),
    ],
)
def test_invalid_grant_means_sign_in_again(server, fixture, path, provider):
    """Recorded invalid_grant answers (HTTP 400) of Microsoft and Google."""
    server.route("POST", path, fixture, status=400)
    with pytest.raises(oauth.GrantRevoked) as caught:
        oauth.token_refresh(provider(server), refresh_token="old")
    assert caught.value.retryable is False
    # The provider's description (trace ids, dates) stays out of what we show and log.
    assert "AADSTS" not in str(caught.value) and "Trace" not in str(caught.value)


def test_a_failing_token_endpoint_is_retryable(server):
    server.route("POST", MS_TOKEN, "oauth/microsoft-invalid-grant.json", status=503)
    with pytest.raises(ConnectorError) as caught:
        oauth.token_refresh(ms(server), refresh_token="old")
    assert not isinstance(caught.value, AuthenticationFailed)
    assert caught.value.retryable is True
    assert "HTTP 503" in str(caught.value)


def test_an_unreachable_token_endpoint_is_retryable():
    provider = oauth.microsoft("c", "s", login_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ConnectorError) as caught:
        oauth.token_refresh(provider, refresh_token="old")
    assert caught.value.retryable is True
