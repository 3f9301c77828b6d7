"""What every connector shares: the settings they take and the errors they raise.

The Django apps talk to outside systems only through these types and the connectors' small
interfaces (``imap.MailSource`` for the watcher), so a test or a new provider can stand in for a
real server; nothing here imports a platform SDK.
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass

# Error texts are constants so tests (and the web app) can match them exactly.
WRONG_PASSWORD = (
    "The server {host} refused the username or password for {username}. "  # noqa: S105 - a message
    "Check both and try again; some providers need an app password instead of the normal one."
)
UNREACHABLE = (
    "Could not reach the server {host} on port {port} ({reason}). "
    "Check the server name and port, and that this computer is online."
)
TLS_FAILED = (
    "Could not set up a secure (encrypted) connection with {host} on port {port} ({reason}). "
    "Check the port and the encryption setting (SSL/TLS or STARTTLS)."
)
PROTOCOL_FAILED = "The server {host} answered something unexpected: {reason}"
PLAINTEXT_REFUSED = (
    "CivicShield will not send the password for {username} to {host} unencrypted. "
    "Turn on SSL/TLS or STARTTLS in the connection settings."
)
UNTRUSTED_CERTIFICATE = "the server's certificate is not trusted: {why}"
NOT_TLS = "the server did not answer in TLS on this port"


def refuse_plaintext_password(host: str, username: str) -> None:
    """Raise TlsFailed unless ``host`` is this machine: a password must not cross a network in
    clear text. Loopback stays allowed for local relays and the test servers."""
    if host.lower() == "localhost":
        return
    try:
        if ipaddress.ip_address(host.strip("[]")).is_loopback:
            return
    except ValueError:
        pass
    raise TlsFailed(PLAINTEXT_REFUSED.format(host=host, username=username))


def tls_reason(exc: BaseException) -> str:
    """Plain words for a TLS failure, for the ``reason`` in TLS_FAILED."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return UNTRUSTED_CERTIFICATE.format(why=exc.verify_message or exc.reason)
    if isinstance(exc, ssl.SSLError) and exc.reason in ("WRONG_VERSION_NUMBER", "UNKNOWN_PROTOCOL"):
        return NOT_TLS
    return str(exc) or type(exc).__name__


class ConnectorError(Exception):
    """Something went wrong talking to an outside system; ``str(error)`` is a plain-words message.

    ``retryable`` says whether trying again later may succeed (the server was down or busy) or
    whether a person must change something first (wrong password, bad address).
    """

    retryable: bool = False

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        if retryable is not None:
            self.retryable = retryable


class AuthenticationFailed(ConnectorError):
    """The server refused the credentials. Not retryable: someone must fix the password."""

    retryable = False


class ServerUnreachable(ConnectorError):
    """No connection (DNS, refused, timed out, dropped). Retryable: the server may come back."""

    retryable = True


class TlsFailed(ConnectorError):
    """The encrypted connection could not be set up (certificate, wrong port, no STARTTLS)."""

    retryable = False


class ProtocolFailed(ConnectorError):
    """The server answered, but not as expected (a command was refused, bad data)."""

    retryable = False


@dataclass(frozen=True, slots=True)
class MailboxSettings:
    """How to reach one IMAP mailbox. Stored encrypted by the web app; never shown to staff."""

    host: str
    """Server name, e.g. ``outlook.office365.com`` or ``imap.example.gov.uk``."""
    port: int = 993
    """TCP port: 993 for IMAP over TLS, 143 for plain IMAP or STARTTLS."""
    username: str = ""
    """Login name, usually the full email address."""
    password: str = ""
    """Password or app password. Never logged; excluded from ``repr``."""
    use_ssl: bool = True
    """Encrypt from the first byte (port 993). When False, see ``starttls``."""
    folder: str = "INBOX"
    """The folder to watch or read."""
    starttls: bool = False
    """With ``use_ssl=False``: upgrade to TLS with STARTTLS before logging in (port 143)."""
    timeout: float = 30.0
    """Seconds to wait for the server before giving up on one network operation."""

    def __repr__(self) -> str:  # the password must never reach a log line or a traceback
        return (
            f"MailboxSettings(host={self.host!r}, port={self.port}, username={self.username!r}, "
            f"use_ssl={self.use_ssl}, folder={self.folder!r}, starttls={self.starttls})"
        )


@dataclass(frozen=True, slots=True)
class SieveSettings:
    """How to reach a ManageSieve server (RFC 5804), where a mailbox's filter scripts live."""

    host: str
    """Server name; often the same as the IMAP server."""
    port: int = 4190
    """ManageSieve's registered port."""
    username: str = ""
    """Login name, usually the full email address."""
    password: str = ""
    """Password. Never logged; excluded from ``repr``."""
    starttls: bool = True
    """Upgrade to TLS before logging in. Only loopback tests turn this off."""
    use_ssl: bool = False
    """Encrypt from the first byte (rare for ManageSieve)."""

    def __repr__(self) -> str:
        return (
            f"SieveSettings(host={self.host!r}, port={self.port}, username={self.username!r}, "
            f"starttls={self.starttls}, use_ssl={self.use_ssl})"
        )


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """How to send email (alerts to the on-call person, notices)."""

    host: str
    """Server name, e.g. ``smtp.office365.com``."""
    port: int = 587
    """587 for STARTTLS submission, 465 for SSL, 25 for server-to-server."""
    username: str = ""
    """Login name; empty means send without logging in (a local relay)."""
    password: str = ""
    """Password. Never logged; excluded from ``repr``."""
    security: str = "starttls"
    """``"ssl"`` (port 465), ``"starttls"`` (port 587) or ``"none"`` (loopback relay only)."""
    timeout: float = 30.0
    """Seconds to wait for the server before giving up."""

    def __repr__(self) -> str:
        return (
            f"SmtpSettings(host={self.host!r}, port={self.port}, username={self.username!r}, "
            f"security={self.security!r})"
        )
