"""In a real browser: the office manager offboards a caseworker, who is signed out at once and
cannot sign back in, and a password-change task appears for each account they could reach.
Then incident mode pauses scheduled posts and emails the plan's contacts through a real local
SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import re
import socket
import time
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from civicshield.web.accounts import services as accounts
from civicshield.web.team import services as team
from civicshield.web.team.models import Task
from civicshield.web.testing import PASSWORD
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class _Inbox:
    """aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server(settings):
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.JOBS_RUN_EAGERLY = True
    yield inbox
    controller.stop()


def _sign_in(page, live_server, user) -> None:
    sign_in(page, live_server, user)


def _confirm_identity(page, code: str) -> None:
    page.wait_for_url(re.compile(r"/accounts/confirm/"))
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(code)
    page.get_by_role("button", name="Confirm").click()


def test_offboarding_signs_the_caseworker_out_and_opens_rotation_tasks(chromium, live_server, cast):
    team.account_create(
        actor=cast.manager, platform="facebook", name="Constituency page", access=[cast.caseworker]
    )
    team.account_create(
        actor=cast.manager, platform="email", name="Office mailbox", owner=cast.caseworker
    )
    team.account_create(
        actor=cast.manager, platform="x", name="MP's X account", access=[cast.comms]
    )
    recovery = accounts.recovery_codes_replace(user=cast.manager.user)

    leaver_context = chromium.new_context()
    manager_context = chromium.new_context()
    try:
        leaver = leaver_context.new_page()
        manager = manager_context.new_page()
        leaver.set_default_timeout(15_000)
        manager.set_default_timeout(15_000)
        _sign_in(leaver, live_server, cast.caseworker.user)
        assert "Cara Lee" in leaver.get_by_role("heading", level=1).inner_text()

        _sign_in(manager, live_server, cast.manager.user)
        manager.get_by_role("link", name="Team").click()
        assert "Constituency page" in manager.locator("#access-matrix").inner_text()
        manager.get_by_role("link", name="Offboard Cara Lee").click()
        _confirm_identity(manager, recovery[0])
        manager.wait_for_url(re.compile(r"/offboard/"))
        assert manager.locator("#reachable-accounts li").count() == 2
        manager.get_by_label("Reason (kept in the record)").fill("Left the office")
        manager.get_by_label(re.compile("I understand")).check()
        manager.get_by_role("button", name="Offboard now").click()
        manager.wait_for_url(re.compile(r"/team/offboardings/\d+/"))
        record = manager.locator("#rotation-tasks").inner_text()
        assert "Change the password of Constituency page" in record
        assert "Change the password of Office mailbox" in record
        assert "MP's X account" not in record

        # The caseworker is signed out at once...
        leaver.reload()
        leaver.wait_for_url(re.compile(r"/accounts/sign-in/"))
        # ...and cannot sign back in.
        leaver.get_by_label("Email address").fill(cast.caseworker.user.email)
        leaver.get_by_label("Password").fill(PASSWORD)
        leaver.get_by_role("button", name="Sign in").click()
        leaver.wait_for_load_state()
        assert re.search(r"/accounts/sign-in/", leaver.url)
        assert "do not match" in leaver.content()

        manager.goto(f"{live_server.url}/team/tasks/")
        tasks = manager.locator("#open-task-list").inner_text()
        assert "Constituency page" in tasks
        assert "Office mailbox" in tasks
        assert Task.objects.filter(kind=Task.Kind.ROTATION, done_at__isnull=True).count() == 2
    finally:
        leaver_context.close()
        manager_context.close()


def test_incident_mode_pauses_posts_and_emails_the_contacts(page, live_server, cast, smtp_server):
    _sign_in(page, live_server, cast.manager.user)
    page.get_by_role("link", name="Emergency").click()
    assert "Report Fraud" in page.locator("#plan-contacts").inner_text()
    page.get_by_role("link", name="Start incident mode").click()
    page.get_by_label("What has happened?").select_option("damaging_post")
    page.get_by_label("In a sentence (optional)").fill("A draft went out early")
    page.get_by_role("button", name="Start").click()
    page.wait_for_url(re.compile(r"/emergency/incidents/\d+/"))
    assert "Every scheduled post was paused." in page.locator("#incident-timeline").inner_text()
    assert page.locator("#incident-steps li").count() == 7

    cast.office_a.refresh_from_db()
    assert cast.office_a.publishing_paused

    deadline = time.monotonic() + 15
    while len(smtp_server.messages) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    recipients = sorted(rcpt for rcpts, _ in smtp_server.messages for rcpt in rcpts)
    assert recipients == sorted([cast.representative.user.email, cast.manager.user.email])
    message = message_from_bytes(smtp_server.messages[0][1])
    assert "URGENT" in message["Subject"]
    assert "A draft went out early" in message.get_payload()

    page.reload()
    assert "Emailed" in page.locator("#incident-timeline").inner_text()
    page.goto(f"{live_server.url}/")
    assert "scheduled posts are paused" in page.content()


def test_cancel_by_keyboard_leads_back_from_confirm_and_offboard(page, live_server, cast):
    """Neither page is a dead end: Tab reaches Cancel, and Enter goes back to the Team page."""
    page.set_default_timeout(15_000)
    _sign_in(page, live_server, cast.manager.user)
    page.get_by_role("link", name="Team").click()
    page.wait_for_url(re.compile(r"/team/$"))
    page.get_by_role("link", name="Offboard Cara Lee").click()
    page.wait_for_url(re.compile(r"/accounts/confirm/"))
    page.get_by_label("Code from your authenticator app").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Confirm"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Cancel"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/team/$"))

    recovery = accounts.recovery_codes_replace(user=cast.manager.user)
    page.get_by_role("link", name="Offboard Cara Lee").click()
    _confirm_identity(page, recovery[0])
    page.wait_for_url(re.compile(r"/offboard/"))
    page.get_by_role("button", name="Offboard now").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Cancel"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/team/$"))
    cast.caseworker.refresh_from_db()
    assert cast.caseworker.is_active
