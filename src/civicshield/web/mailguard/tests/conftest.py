"""Fixtures for the mail security tests: the real-server fixtures and the sample emails."""

from __future__ import annotations

from pathlib import Path

import imapclient
import pytest

# The real Dovecot and SMTP sink (see tests/connectors/conftest.py for why they are imported).
from tests.servers.plugin import (  # noqa: F401
    dovecot_factory,
    dovecot_server,
    mail_account,
    smtp_sink,
)

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def sarah(cast):
    from civicshield.web.mailguard.models import TrustedContact

    return TrustedContact.objects.create(
        office=cast.office_a,
        name="Sarah Jones",
        email="sarah.jones@parliament.uk",
        phone="020 7219 0000",
    )


def imap_login(account) -> imapclient.IMAPClient:
    client = imapclient.IMAPClient(account.server.host, port=account.server.imap_port, ssl=False)
    client.login(account.address, account.password)
    return client


def deliver(account, *messages: bytes) -> None:
    client = imap_login(account)
    try:
        for raw in messages:
            client.append("INBOX", raw)
    finally:
        client.logout()
