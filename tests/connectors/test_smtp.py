"""Sending through a real SMTP server: an aiosmtpd sink on loopback (tests/servers/smtp.py)."""

from __future__ import annotations

import re
from email.message import EmailMessage

import pytest

from civicshield.connectors.base import (
    PLAINTEXT_REFUSED,
    UNREACHABLE,
    WRONG_PASSWORD,
    AuthenticationFailed,
    ServerUnreachable,
    SmtpSettings,
    TlsFailed,
)
from civicshield.connectors.smtp import (
    NO_RECIPIENTS,
    SEND_REFUSED,
    SEND_REFUSED_TEMPORARILY,
    MessageRefused,
    send_message,
)
from tests.servers.dovecot import free_port
from tests.servers.smtp import running_smtp_sink


def alert_email(to: str = "oncall@example.gov.uk", bcc: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "CivicShield <alerts@example.gov.uk>"
    message["To"] = to
    if bcc:
        message["Bcc"] = bcc
    message["Subject"] = "Critical: a threat needs your attention"
    message.set_content("Open CivicShield to see it.")
    return message


def settings_for(sink, **extra) -> SmtpSettings:
    return SmtpSettings(host=sink.host, port=sink.port, security="none", timeout=10, **extra)


def test_it_sends_to_every_recipient_without_leaking_bcc(smtp_sink):
    result = send_message(settings_for(smtp_sink), alert_email(bcc="manager@example.gov.uk"))
    assert result.accepted == ("oncall@example.gov.uk", "manager@example.gov.uk")
    [received] = smtp_sink.messages
    assert received.mail_from == "alerts@example.gov.uk"
    assert received.recipients == ["oncall@example.gov.uk", "manager@example.gov.uk"]
    assert received.message["Subject"] == "Critical: a threat needs your attention"
    assert received.message["Bcc"] is None


def test_it_logs_in_when_given_a_username():
    with running_smtp_sink(credentials={"alerts": "s3cret words"}) as sink:
        send_message(settings_for(sink, username="alerts", password="s3cret words"), alert_email())
        assert len(sink.messages) == 1


def test_a_wrong_password_is_not_retryable():
    with running_smtp_sink(credentials={"alerts": "s3cret words"}) as sink:
        settings = settings_for(sink, username="alerts", password="nope")
        with pytest.raises(AuthenticationFailed) as caught:
            send_message(settings, alert_email())
    assert str(caught.value) == WRONG_PASSWORD.format(host=sink.host, username="alerts")
    assert caught.value.retryable is False


def test_a_permanently_refused_recipient_is_not_retryable(smtp_sink):
    smtp_sink.refuse["gone@example.gov.uk"] = "550 No such user"
    with pytest.raises(MessageRefused) as caught:
        send_message(settings_for(smtp_sink), alert_email(to="gone@example.gov.uk"))
    assert str(caught.value) == SEND_REFUSED.format(
        host=smtp_sink.host, code=550, reason="gone@example.gov.uk: No such user"
    )
    assert caught.value.retryable is False


def test_a_temporarily_refused_recipient_is_retryable(smtp_sink):
    smtp_sink.refuse["busy@example.gov.uk"] = "451 Try again later"
    with pytest.raises(MessageRefused) as caught:
        send_message(settings_for(smtp_sink), alert_email(to="busy@example.gov.uk"))
    assert str(caught.value) == SEND_REFUSED_TEMPORARILY.format(
        host=smtp_sink.host, code=451, reason="busy@example.gov.uk: Try again later"
    )
    assert caught.value.retryable is True


def test_one_refused_recipient_among_several_is_reported_not_raised(smtp_sink):
    smtp_sink.refuse["gone@example.gov.uk"] = "550 No such user"
    result = send_message(
        settings_for(smtp_sink), alert_email(to="oncall@example.gov.uk, gone@example.gov.uk")
    )
    assert result.accepted == ("oncall@example.gov.uk",)
    assert result.refused == {"gone@example.gov.uk": "550 No such user"}
    assert smtp_sink.messages[0].recipients == ["oncall@example.gov.uk"]


def test_an_unreachable_server_is_retryable():
    port = free_port()
    settings = SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=5)
    with pytest.raises(ServerUnreachable) as caught:
        send_message(settings, alert_email())
    assert str(caught.value) == UNREACHABLE.format(
        host="127.0.0.1", port=port, reason="the connection was refused"
    )
    assert caught.value.retryable is True


def test_starttls_on_a_server_without_it_is_a_tls_problem(smtp_sink):
    settings = SmtpSettings(host=smtp_sink.host, port=smtp_sink.port, security="starttls")
    with pytest.raises(TlsFailed):
        send_message(settings, alert_email())
    assert smtp_sink.messages == []


def test_an_email_without_recipients_is_refused_before_connecting():
    message = alert_email()
    del message["To"]
    settings = SmtpSettings(host="127.0.0.1", port=free_port(), security="none")
    with pytest.raises(MessageRefused, match=re.escape(NO_RECIPIENTS)):
        send_message(settings, message)


def test_a_password_is_never_sent_unencrypted_to_another_machine():
    settings = SmtpSettings(
        host="smtp.example.org", username="alerts", password="x", security="none"
    )
    with pytest.raises(TlsFailed) as caught:
        send_message(settings, alert_email())
    assert str(caught.value) == PLAINTEXT_REFUSED.format(host="smtp.example.org", username="alerts")
