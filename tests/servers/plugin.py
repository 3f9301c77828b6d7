"""Pytest fixtures for the real test servers.

Register in the top-level conftest with ``pytest_plugins = ["tests.servers.plugin"]``.

- ``dovecot_server``: one private Dovecot (IMAP + ManageSieve, plain and TLS) for the session.
- ``dovecot_factory``: start more (e.g. with other users); all stop at the end of the session.
- ``mail_account``: a fresh login on ``dovecot_server`` for one test, so tests never see each
  other's mail or Sieve scripts.
- ``smtp_sink``: an aiosmtpd server for one test that keeps what it receives.

Without Dovecot the Dovecot fixtures skip with the reason, except with CI=true, where they fail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from tests.servers.dovecot import (
    DovecotServer,
    DovecotUnavailable,
    skip_or_fail,
    start_dovecot,
    stop_dovecot,
)
from tests.servers.smtp import SmtpSink, running_smtp_sink


@dataclass(frozen=True)
class MailAccount:
    """One login on a test Dovecot."""

    server: DovecotServer
    address: str
    password: str


@pytest.fixture(scope="session")
def dovecot_factory() -> Iterator[Callable[..., DovecotServer]]:
    started: list[DovecotServer] = []

    def start(users: dict[str, str] | None = None, *, tls: bool = False) -> DovecotServer:
        try:
            server = start_dovecot(users, tls=tls)
        except DovecotUnavailable as exc:
            skip_or_fail(str(exc))
            raise  # not reached: skip_or_fail always raises
        started.append(server)
        return server

    yield start
    for server in started:
        stop_dovecot(server)


@pytest.fixture(scope="session")
def dovecot_server(dovecot_factory: Callable[..., DovecotServer]) -> DovecotServer:
    # TLS on as well (STARTTLS and port imaps_port); plain logins on imap_port still work.
    return dovecot_factory(tls=True)


@pytest.fixture
def mail_account(dovecot_server: DovecotServer) -> MailAccount:
    address, password = dovecot_server.take_account()
    return MailAccount(dovecot_server, address, password)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    with running_smtp_sink() as sink:
        yield sink
