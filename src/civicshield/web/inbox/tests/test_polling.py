"""Polling a real mailbox on a real Dovecot server that the test starts."""

from __future__ import annotations

import pytest

from civicshield.web.inbox.models import Message, Source
from civicshield.web.inbox.polling import source_poll

pytestmark = [pytest.mark.django_db, pytest.mark.dovecot]


def _append(account, subject: str, body: str, message_id: str) -> None:
    import imapclient

    client = imapclient.IMAPClient(account.server.host, port=account.server.imap_port, ssl=False)
    client.login(account.address, account.password)
    raw = (
        f"From: Angry Person <angry@example.net>\r\nTo: {account.address}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{message_id}>\r\nDate: Mon, 02 Nov 2026 10:00:00 +0000\r\n\r\n{body}\r\n"
    ).encode()
    client.append("INBOX", raw)
    client.logout()


def test_a_mailbox_is_polled_once_per_message(cast, mail_account):
    source = Source.objects.create(
        office=cast.office_a,
        kind=Source.Kind.IMAP,
        name="Office inbox",
        settings={
            "host": mail_account.server.host,
            "port": mail_account.server.imap_port,
            "username": mail_account.address,
            "use_ssl": False,
        },
        secret=mail_account.password,
    )
    _append(mail_account, "You", "I know where you live and I will hurt you", "m1@example.net")
    report = source_poll(source)
    assert report.added == 1
    message = Message.objects.get()
    assert message.platform == "email" and message.author.handle == "angry@example.net"
    assert message.severity == "critical" and message.platform_id == "<m1@example.net>"
    # The raw email is kept so that evidence holds the original byte for byte.
    import base64

    assert b"Message-ID: <m1@example.net>" in base64.b64decode(message.raw["rfc822_b64"])
    source.refresh_from_db()
    assert source.cursor["last_uid"] >= 1 and not source.last_error
    # Polling again adds nothing; a new message is picked up.
    assert source_poll(source).added == 0
    _append(mail_account, "Again", "Thanks for your help with my housing case", "m2@example.net")
    assert source_poll(source).added == 1
    assert Message.objects.count() == 2


def test_a_wrong_password_is_recorded_on_the_source(cast, mail_account):
    source = Source.objects.create(
        office=cast.office_a,
        kind=Source.Kind.IMAP,
        name="Office inbox",
        settings={
            "host": mail_account.server.host,
            "port": mail_account.server.imap_port,
            "username": mail_account.address,
            "use_ssl": False,
        },
        secret="not the password",
    )
    with pytest.raises(Exception):  # noqa: B017 - any connector error; the message is what matters
        source_poll(source)
    source.refresh_from_db()
    assert source.last_error and "not the password" not in source.last_error
