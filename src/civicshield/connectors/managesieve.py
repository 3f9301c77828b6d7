"""Read a mailbox's Sieve filter scripts over ManageSieve (RFC 5804), for the forwarding audit.

Built on sievelib's client. sievelib reports most failures as one ``Error`` class with a text, or
as ``False`` from ``connect``; they are turned into the shared ConnectorError types here so the
web app shows the same plain messages as for IMAP.
"""

from __future__ import annotations

import ssl
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sievelib import managesieve

from civicshield.connectors.base import (
    PROTOCOL_FAILED,
    TLS_FAILED,
    UNREACHABLE,
    WRONG_PASSWORD,
    AuthenticationFailed,
    ConnectorError,
    ProtocolFailed,
    ServerUnreachable,
    SieveSettings,
    TlsFailed,
    refuse_plaintext_password,
    tls_reason,
)
from civicshield.core.forwarding import ForwardingAudit, analyse_sieve_scripts

SCRIPT_REFUSED = "The server refused the filter script '{name}': {reason}"


@dataclass(frozen=True, slots=True)
class SieveScripts:
    """Every Sieve script of one mailbox, as stored on the server."""

    scripts: dict[str, str]
    """Script name -> script text."""
    active: str | None
    """The name of the script that runs on incoming mail, or None if none is active."""


class SieveAccount:
    """A logged-in ManageSieve session. Use as ``with SieveAccount(settings) as account:``."""

    def __init__(self, settings: SieveSettings) -> None:
        self.settings = settings
        self._client: managesieve.Client | None = None

    def __enter__(self) -> SieveAccount:
        self.connect()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def connect(self) -> None:
        """Connect and log in; raises ServerUnreachable, TlsFailed or AuthenticationFailed."""
        s = self.settings
        if not s.use_ssl and not s.starttls:
            refuse_plaintext_password(s.host, s.username)
        client = managesieve.Client(s.host, s.port)
        try:
            ok = self._login(client)
        except ConnectorError:
            _drop(client)
            raise
        if not ok:
            _close(client)
            if s.starttls and not s.use_ssl and not client.authenticated and not client.errmsg:
                raise TlsFailed(
                    TLS_FAILED.format(host=s.host, port=s.port, reason="STARTTLS was refused")
                )
            raise AuthenticationFailed(WRONG_PASSWORD.format(host=s.host, username=s.username))
        self._client = client

    def _login(self, client: managesieve.Client) -> bool:
        """sievelib's connect (TLS, capabilities, AUTHENTICATE), its errors made plain."""
        s = self.settings
        try:
            with warnings.catch_warnings():
                # sievelib warns about plain-text logins; only loopback tests turn TLS off.
                warnings.simplefilter("ignore", UserWarning)
                return bool(
                    client.connect(
                        s.username,
                        s.password,
                        starttls=s.starttls and not s.use_ssl,
                        ssl=s.use_ssl,
                        authmech="PLAIN",
                    )
                )
        except managesieve.Error as exc:
            text = str(exc)
            if text.startswith("Connection to server failed"):
                reason = text.split(":", 1)[-1].strip()
                if "refused" in reason.lower():
                    reason = "the connection was refused"
                raise ServerUnreachable(
                    UNREACHABLE.format(host=s.host, port=s.port, reason=reason)
                ) from exc
            if "SSL" in text or "STARTTLS" in text:
                # sievelib re-raises ssl errors as text; the original is the exception's context.
                cause = exc.__context__
                reason = tls_reason(cause) if isinstance(cause, ssl.SSLError) else text
                raise TlsFailed(TLS_FAILED.format(host=s.host, port=s.port, reason=reason)) from exc
            raise ProtocolFailed(PROTOCOL_FAILED.format(host=s.host, reason=text)) from exc
        except ssl.SSLError as exc:
            raise TlsFailed(
                TLS_FAILED.format(host=s.host, port=s.port, reason=tls_reason(exc))
            ) from exc
        except OSError as exc:
            raise ServerUnreachable(
                UNREACHABLE.format(host=s.host, port=s.port, reason=exc)
            ) from exc

    def close(self) -> None:
        """Log out (best effort)."""
        if self._client is not None:
            _close(self._client)
            self._client = None

    @property
    def client(self) -> managesieve.Client:
        if self._client is None:
            raise ProtocolFailed("Not connected: call connect() or use 'with SieveAccount(...)'.")
        return self._client

    def list_scripts(self) -> tuple[list[str], str | None]:
        """All script names (the active one included) and the active script's name, if any."""
        listing = self._checked(self.client.listscripts)
        if listing is None:
            raise self._refused("LISTSCRIPTS")
        active, others = listing
        names = sorted({*others, *([active] if active else [])})
        return names, active

    def get_script(self, name: str) -> str:
        """The text of script ``name``."""
        text = self._checked(self.client.getscript, name)
        if text is None:
            raise self._refused(name)
        return str(text)

    def fetch_all(self) -> SieveScripts:
        """Every script's text and which one is active."""
        names, active = self.list_scripts()
        return SieveScripts({name: self.get_script(name) for name in names}, active)

    def put_script(self, name: str, text: str) -> None:
        """Upload (or replace) a script. The server checks its syntax and may refuse it."""
        if not self._checked(self.client.putscript, name, text):
            raise self._refused(name)

    def activate(self, name: str) -> None:
        """Make ``name`` the active script; an empty name switches all scripts off."""
        if not self._checked(self.client.setactive, name):
            raise self._refused(name)

    def delete_script(self, name: str) -> None:
        """Delete a script (the server refuses to delete the active one)."""
        if not self._checked(self.client.deletescript, name):
            raise self._refused(name)

    def _refused(self, name: str) -> ProtocolFailed:
        reason = (
            self.client.errmsg.decode("utf-8", "replace") if self.client.errmsg else "no reason"
        )
        return ProtocolFailed(SCRIPT_REFUSED.format(name=name, reason=reason))

    def _checked(self, function: Callable[..., Any], *args: object) -> Any:
        try:
            return function(*args)
        except managesieve.Error as exc:
            raise ProtocolFailed(
                PROTOCOL_FAILED.format(host=self.settings.host, reason=exc)
            ) from exc
        except OSError as exc:  # includes socket timeouts
            raise ServerUnreachable(
                UNREACHABLE.format(host=self.settings.host, port=self.settings.port, reason=exc)
            ) from exc


def _close(client: managesieve.Client) -> None:
    """LOGOUT politely, then drop the socket."""
    try:
        client.logout()
    except (managesieve.Error, OSError, ConnectorError):
        pass
    _drop(client)


def _drop(client: managesieve.Client) -> None:
    """Close the socket without a word (after a failed TLS handshake there is nobody to tell)."""
    if client.sock is not None:
        client.sock.close()
        client.sock = None


def audit_sieve(
    settings: SieveSettings, mailbox: str, office_domains: Iterable[str]
) -> ForwardingAudit:
    """Fetch every Sieve script of a mailbox and audit it for forwarding outside the office."""
    with SieveAccount(settings) as account:
        stored = account.fetch_all()
    return analyse_sieve_scripts(mailbox, stored.scripts, stored.active, office_domains)
