"""An SMTP sink on a free loopback port (aiosmtpd) that keeps every message it accepts.

Tests can make it refuse chosen recipients with a chosen reply (``sink.refuse["x@y"] = "550 ..."``)
to exercise permanent (5xx) and temporary (4xx) failures.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.servers.dovecot import free_port


@dataclass
class ReceivedMessage:
    """One message the sink accepted."""

    mail_from: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class SmtpSink:
    """A running sink: where it listens and what it received."""

    host: str
    port: int
    messages: list[ReceivedMessage] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    """Recipient -> SMTP reply sent instead of accepting it (e.g. ``550 No such user``)."""


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ):
        reply = self.sink.refuse.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        self.sink.messages.append(
            ReceivedMessage(envelope.mail_from, list(envelope.rcpt_tos), bytes(content))
        )
        return "250 Message accepted for delivery"


def _authenticator(credentials: dict[str, str]):
    def check(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any):
        if isinstance(auth_data, LoginPassword):
            login = auth_data.login.decode()
            ok = credentials.get(login) == auth_data.password.decode()
            return AuthResult(success=ok, handled=False)
        return AuthResult(success=False, handled=False)

    return check


@contextlib.contextmanager
def running_smtp_sink(credentials: dict[str, str] | None = None) -> Iterator[SmtpSink]:
    """``with running_smtp_sink() as sink:`` — an SMTP server on 127.0.0.1 for the block.

    With ``credentials`` (login -> password) it offers AUTH without TLS (loopback only) and
    refuses wrong passwords.
    """
    sink = SmtpSink("127.0.0.1", free_port())
    options: dict[str, Any] = {}
    if credentials:
        options = {
            "authenticator": _authenticator(credentials),
            "auth_require_tls": False,
        }
    controller = Controller(_Handler(sink), hostname=sink.host, port=sink.port, **options)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
