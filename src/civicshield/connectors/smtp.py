"""Send one email over SMTP (alerts to the on-call person, notices), with errors a job can act on.

Every failure is a ConnectorError whose ``retryable`` tells the job what to do: a 4xx reply, a
dropped connection or an unreachable server are worth retrying later; a 5xx reply, a wrong
password or a TLS problem need a person to change something first.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses

from civicshield.connectors.base import (
    TLS_FAILED,
    UNREACHABLE,
    WRONG_PASSWORD,
    AuthenticationFailed,
    ConnectorError,
    ServerUnreachable,
    SmtpSettings,
    TlsFailed,
    refuse_plaintext_password,
    tls_reason,
)

SEND_REFUSED_TEMPORARILY = (
    "The mail server {host} could not take the email just now ({code} {reason}); "
    "it will be tried again."
)
SEND_REFUSED = (
    "The mail server {host} refused the email ({code} {reason}). "
    "Check the addresses and the sending settings."
)
NO_RECIPIENTS = "The email has no recipients (no To, Cc or Bcc address)."
UNKNOWN_SECURITY = "Unknown SMTP security setting {value!r}: use 'ssl', 'starttls' or 'none'."


class MessageRefused(ConnectorError):
    """The server answered but would not take the message; retryable for 4xx replies."""


@dataclass(frozen=True, slots=True)
class SendResult:
    """What the server accepted."""

    accepted: tuple[str, ...]
    """Recipients the server took."""
    refused: dict[str, str] = field(default_factory=dict)
    """Recipients the server refused while taking others: address -> ``"550 reason"``."""


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _refusal(host: str, code: int, reason: bytes | str) -> MessageRefused:
    text = _text(reason)
    if 400 <= code < 500:
        return MessageRefused(
            SEND_REFUSED_TEMPORARILY.format(host=host, code=code, reason=text), retryable=True
        )
    return MessageRefused(SEND_REFUSED.format(host=host, code=code, reason=text), retryable=False)


def _recipients(message: EmailMessage) -> list[str]:
    fields = [str(v) for key in ("To", "Cc", "Bcc") for v in message.get_all(key, [])]
    return [address for _, address in getaddresses(fields) if address]


def send_message(
    settings: SmtpSettings,
    message: EmailMessage,
    *,
    recipients: Sequence[str] | None = None,
) -> SendResult:
    """Send ``message``; recipients default to its To, Cc and Bcc (Bcc is not transmitted).

    Raises ServerUnreachable (retryable), TlsFailed, AuthenticationFailed or MessageRefused
    (retryable for 4xx replies). If some recipients are refused while others are accepted, the
    refused ones are in ``SendResult.refused`` rather than raised: the email did go out.
    """
    s = settings
    to = list(recipients) if recipients is not None else _recipients(message)
    if not to:
        raise MessageRefused(NO_RECIPIENTS, retryable=False)
    if s.security not in ("ssl", "starttls", "none"):
        raise ConnectorError(UNKNOWN_SECURITY.format(value=s.security))
    if s.security == "none" and s.username:
        refuse_plaintext_password(s.host, s.username)
    context = ssl.create_default_context()
    try:
        client: smtplib.SMTP
        if s.security == "ssl":
            client = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
    except ssl.SSLError as exc:
        raise TlsFailed(
            TLS_FAILED.format(host=s.host, port=s.port, reason=tls_reason(exc))
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise ServerUnreachable(
            UNREACHABLE.format(host=s.host, port=s.port, reason=_reason(exc))
        ) from exc
    try:
        if s.security == "starttls":
            try:
                client.starttls(context=context)
            except (smtplib.SMTPNotSupportedError, ssl.SSLError) as exc:
                raise TlsFailed(
                    TLS_FAILED.format(host=s.host, port=s.port, reason=tls_reason(exc))
                ) from exc
        if s.username:
            try:
                client.login(s.username, s.password)
            except smtplib.SMTPAuthenticationError as exc:
                raise AuthenticationFailed(
                    WRONG_PASSWORD.format(host=s.host, username=s.username)
                ) from exc
        refused = client.send_message(message, to_addrs=to)
    except smtplib.SMTPRecipientsRefused as exc:
        # Every recipient refused: retry only if all refusals were temporary.
        replies = {a: (code, _text(text)) for a, (code, text) in exc.recipients.items()}
        code = max(c for c, _ in replies.values())
        reason = "; ".join(f"{a}: {t}" for a, (_, t) in replies.items())
        if all(400 <= c < 500 for c, _ in replies.values()):
            code = min(c for c, _ in replies.values())
        raise _refusal(s.host, code, reason) from exc
    except smtplib.SMTPResponseException as exc:  # sender refused, data refused, ...
        raise _refusal(s.host, exc.smtp_code, exc.smtp_error) from exc
    except smtplib.SMTPServerDisconnected as exc:
        raise ServerUnreachable(
            UNREACHABLE.format(host=s.host, port=s.port, reason="the server hung up")
        ) from exc
    except ssl.SSLError as exc:
        raise TlsFailed(
            TLS_FAILED.format(host=s.host, port=s.port, reason=tls_reason(exc))
        ) from exc
    except OSError as exc:
        raise ServerUnreachable(
            UNREACHABLE.format(host=s.host, port=s.port, reason=_reason(exc))
        ) from exc
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
    refused_text = {a: f"{code} {_text(text)}" for a, (code, text) in refused.items()}
    accepted = tuple(a for a in to if a not in refused)
    return SendResult(accepted, refused_text)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    return str(exc) or type(exc).__name__
