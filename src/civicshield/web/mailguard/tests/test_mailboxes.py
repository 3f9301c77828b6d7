"""Watched mailboxes: connect (after re-confirming), list, disconnect, run the check now."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicshield.connectors.base import WRONG_PASSWORD
from civicshield.web.accounts.roles import Role
from civicshield.web.audit.models import AuditEntry
from civicshield.web.jobs.models import Job
from civicshield.web.mailguard.forms import ERROR_PLAIN_REMOTE
from civicshield.web.mailguard.forwarding import EMERGENCY_ADVICE
from civicshield.web.mailguard.models import ForwardingAuditRun, ScannedEmail, WatchedMailbox
from civicshield.web.testing import reauthenticated_client, signed_in_client

pytestmark = pytest.mark.django_db
LIST = reverse("mailguard:mailboxes")
CONNECT = reverse("mailguard:mailbox_connect")
CONNECT_CLOUD = reverse("mailguard:mailbox_connect_cloud")
SECRET = "correct-horse-battery-staple-42"

IMAP_FORM = {
    "name": "Constituency office",
    "address": "office@parliament.uk",
    "host": "imap.parliament.uk",
    "port": "993",
    "security": "ssl",
    "username": "",
    "password": SECRET,
    "folder": "INBOX",
    "sieve_port": "4190",
    "move_phishing": "on",
}


def test_connecting_asks_the_manager_to_confirm_who_they_are_first(cast):
    response = signed_in_client(cast.manager.user).get(CONNECT)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:reauth"))


def real_server_form(account, **changes):
    """The connect form filled in for the test Dovecot (loopback, so no TLS)."""
    return {
        **IMAP_FORM,
        "address": account.address,
        "host": account.server.host,
        "port": str(account.server.imap_port),
        "security": "none",
        "password": account.password,
        "sieve_port": str(account.server.sieve_port),
        **changes,
    }


@pytest.mark.dovecot
def test_a_manager_connects_an_imap_mailbox_and_the_password_is_never_shown(cast, mail_account):
    client = reauthenticated_client(cast.manager.user)
    response = client.post(CONNECT, real_server_form(mail_account))
    assert response.status_code == 302
    mailbox = WatchedMailbox.objects.get()
    assert mailbox.password == mail_account.password
    assert mailbox.settings == {
        "host": mail_account.server.host,
        "port": mail_account.server.imap_port,
        "username": "",
        "security": "none",
        "folder": "INBOX",
    }
    assert (mailbox.sieve_port, mailbox.move_phishing) == (mail_account.server.sieve_port, True)
    assert Job.objects.filter(name="mailguard.watch_mailbox").count() == 1
    assert AuditEntry.objects.filter(action="mailguard.mailbox.connected").exists()
    # Watching starts after what is already in the folder (here: an empty one).
    assert mailbox.cursor["last_uid"] == 0 and mailbox.cursor["uidvalidity"] > 0
    for page in (client.get(LIST), client.get(CONNECT)):
        assert mail_account.password not in page.content.decode()
    # Encrypted at rest: the stored column is not the password.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM mailguard_watchedmailbox")
        assert mail_account.password not in cursor.fetchone()[0]


@pytest.mark.dovecot
def test_a_wrong_password_is_shown_on_the_form_and_nothing_is_saved(cast, mail_account):
    client = reauthenticated_client(cast.manager.user)
    response = client.post(CONNECT, real_server_form(mail_account, password="wrong-password"))
    assert response.status_code == 200
    expected = WRONG_PASSWORD.format(host=mail_account.server.host, username=mail_account.address)
    assert expected.replace("'", "&#x27;") in response.content.decode()
    assert not WatchedMailbox.objects.exists()


@pytest.mark.dovecot
def test_a_wrong_managesieve_port_is_shown_on_the_form(cast, mail_account):
    from tests.servers.dovecot import free_port

    port = free_port()
    client = reauthenticated_client(cast.manager.user)
    response = client.post(CONNECT, real_server_form(mail_account, sieve_port=str(port)))
    assert f"Could not reach the server {mail_account.server.host} on port {port}" in (
        response.content.decode()
    )
    assert not WatchedMailbox.objects.exists()


def test_an_unencrypted_connection_is_only_allowed_on_this_computer(cast):
    client = reauthenticated_client(cast.manager.user)
    response = client.post(CONNECT, {**IMAP_FORM, "security": "none"})
    assert ERROR_PLAIN_REMOTE in response.content.decode()
    assert not WatchedMailbox.objects.exists()


def test_a_cloud_mailbox_is_connected_by_signing_in_not_by_pasting_a_token(cast):
    """Pasted access tokens lasted an hour, so the daily check stopped: the form is gone
    (test_signin.py covers signing in)."""
    client = reauthenticated_client(cast.manager.user)
    response = client.post(
        CONNECT_CLOUD,
        {"kind": "gmail", "name": "Gmail", "address": "mp@gmail.com", "token": SECRET},
    )
    assert response.status_code == 405
    assert not WatchedMailbox.objects.exists()
    assert 'name="token"' not in client.get(CONNECT_CLOUD).content.decode()


@pytest.mark.parametrize("role", [Role.COMMS_OFFICER, Role.CASEWORKER, Role.VOLUNTEER])
def test_only_managers_manage_mailboxes(cast, role):
    client = reauthenticated_client(cast.by_role()[role].user)
    assert client.get(LIST).status_code == 403
    assert client.post(CONNECT, IMAP_FORM).status_code == 403
    assert not WatchedMailbox.objects.exists()


@pytest.fixture
def mailbox(cast):
    return WatchedMailbox.objects.create(
        office=cast.office_a,
        name="Constituency office",
        address="office@parliament.uk",
        settings={"host": "imap.parliament.uk", "port": 993, "security": "ssl"},
        password=SECRET,
        sieve_port=4190,
    )


def test_the_list_shows_last_check_counts_and_recent_flagged_emails(cast, mailbox):
    for verdict, subject in [("phishing", "Your parcel"), ("clean", "Agenda"), ("clean", "Hi")]:
        ScannedEmail.objects.create(
            office=cast.office_a,
            mailbox=mailbox,
            verdict=verdict,
            subject=subject,
            raw_sha256=subject,
        )
    ForwardingAuditRun.objects.create(office=cast.office_a, mailbox=mailbox, status="found")
    page = signed_in_client(cast.manager.user).get(LIST).content.decode()
    assert "1 phishing, 0 suspicious, 2 with nothing found" in page
    assert "Your parcel" in page
    assert "Agenda" not in page  # only flagged emails are listed
    assert "Forwarding outside the office found" in page


def test_disconnecting_deletes_the_password_and_keeps_the_history(cast, mailbox):
    ForwardingAuditRun.objects.create(office=cast.office_a, mailbox=mailbox, status="ok")
    url = reverse("mailguard:mailbox_disconnect", kwargs={"pk": mailbox.pk})
    assert signed_in_client(cast.manager.user).post(url).status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.enabled, mailbox.password) == (False, "")
    assert mailbox.audits.count() == 1
    assert AuditEntry.objects.filter(action="mailguard.mailbox.disconnected").exists()


def test_run_the_check_now_enqueues_the_audit_job(cast, mailbox):
    url = reverse("mailguard:forwarding_run", kwargs={"pk": mailbox.pk})
    response = signed_in_client(cast.manager.user).post(url)
    assert response["Location"] == reverse("mailguard:forwarding", kwargs={"pk": mailbox.pk})
    job = Job.objects.get(name="mailguard.forwarding_audit")
    assert job.payload == {"mailbox_id": mailbox.pk, "requested_by": cast.manager.pk}
    assert AuditEntry.objects.filter(action="mailguard.forwarding_audit.requested").exists()


def test_a_caseworker_cannot_run_the_check(cast, mailbox):
    url = reverse("mailguard:forwarding_run", kwargs={"pk": mailbox.pk})
    assert signed_in_client(cast.caseworker.user).post(url).status_code == 403
    assert not Job.objects.filter(name="mailguard.forwarding_audit").exists()


def test_the_history_page_lists_runs_with_their_findings(cast, mailbox):
    ForwardingAuditRun.objects.create(
        office=cast.office_a,
        mailbox=mailbox,
        status="found",
        findings=[
            {
                "detail": "A rule named 'Keep a copy' sends every email to x@evil.example",
                "alert": True,
                "target": "x@evil.example",
            }
        ],
        checked=["filter script 'roundcube' (in use)"],
    )
    ForwardingAuditRun.objects.create(
        office=cast.office_a, mailbox=mailbox, status="failed", error="Server unreachable"
    )
    client = signed_in_client(cast.manager.user)
    page = client.get(reverse("mailguard:forwarding", kwargs={"pk": mailbox.pk})).content
    text = page.decode()
    assert "Keep a copy" in text
    assert "Server unreachable" in text
    assert "Run the check now" in text
    assert EMERGENCY_ADVICE in text
    assert "Keep a copy" in client.get(reverse("mailguard:forwarding_all")).content.decode()
