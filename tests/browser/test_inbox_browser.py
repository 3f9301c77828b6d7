"""In a real browser: connect a real mailbox (Dovecot), see abuse ranked with reasons, the
on-call alert email arrive at a real SMTP server (aiosmtpd), and download a verified evidence pack."""

from __future__ import annotations

import io
import re
import zipfile

import imapclient
import pytest

from civicshield.core.evidence import verify_pack
from civicshield.web.jobs.worker import Worker
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.dovecot, pytest.mark.django_db(transaction=True)]

THREAT = "I know where you live and I am going to hurt you"


def _append(account, subject: str, body: str, message_id: str) -> None:
    client = imapclient.IMAPClient(account.server.host, port=account.server.imap_port, ssl=False)
    client.login(account.address, account.password)
    raw = (
        f"From: Menace <menace@example.net>\r\nTo: {account.address}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{message_id}>\r\nDate: Mon, 02 Nov 2026 10:00:00 +0000\r\n\r\n{body}\r\n"
    ).encode()
    client.append("INBOX", raw)
    client.logout()


def _run_jobs() -> None:
    worker = Worker()
    while worker.run_once():
        pass


def _sign_in(page, live_server, user) -> None:
    sign_in(page, live_server, user)


def test_connect_a_mailbox_triage_a_threat_and_get_the_alert(
    page, live_server, cast, mail_account, smtp_sink, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_sink.host, smtp_sink.port
    _sign_in(page, live_server, cast.manager.user)

    page.goto(f"{live_server.url}/inbox/sources/")
    page.get_by_label("IMAP server").fill(mail_account.server.host)
    page.get_by_label("Port", exact=True).fill(str(mail_account.server.imap_port))
    page.get_by_label(re.compile("User name")).fill(mail_account.address)
    page.get_by_label(re.compile("Password or app password")).fill(mail_account.password)
    page.get_by_label(re.compile("Use TLS")).uncheck()
    page.get_by_role("button", name="Connect").click()
    page.wait_for_url(re.compile(r"/inbox/sources/"))
    assert "Connected Office mailbox" in page.content()
    assert mail_account.password not in page.content()

    _append(mail_account, "hello", "Thanks for helping my mum with her pension", "calm@example.net")
    _append(mail_account, "you", THREAT, "threat@example.net")
    _run_jobs()  # the first poll (queued when the mailbox was connected) and the alerts

    page.goto(f"{live_server.url}/inbox/")
    first_row = page.locator("table.queue tbody tr").first
    assert "critical" in first_row.inner_text().lower()
    first_row.get_by_role("link", name=re.compile("I know where you live")).click()
    assert page.get_by_role("heading", name="Why it was flagged").is_visible()
    assert "999" in page.content()
    page.get_by_role("button", name="Actioned").click()
    assert "Actioned" in page.locator("text=State:").locator("..").inner_text()

    # Record it as evidence and hand over a pack that verifies.
    page.get_by_role("button", name="Record as evidence").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download evidence pack").click()
    pack = download.value.path().read_bytes()
    report = verify_pack(pack)
    assert report.ok, report
    with zipfile.ZipFile(io.BytesIO(pack)) as archive:
        assert THREAT in archive.read("items.json").decode()
        assert archive.read("summary.pdf").startswith(b"%PDF")

    alerts = [m for m in smtp_sink.messages if "URGENT" in m.message["Subject"]]
    assert {r for m in alerts for r in m.recipients} == {
        cast.representative.user.email,
        cast.manager.user.email,
    }
    assert THREAT in alerts[0].message.get_content()
