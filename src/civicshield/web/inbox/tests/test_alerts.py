"""Alert emails go through a real SMTP server (aiosmtpd, started by the test); failures retry."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
import time_machine
from django.utils import timezone

from civicshield.web.inbox.models import Alert
from civicshield.web.jobs.models import Job
from civicshield.web.jobs.worker import Worker
from civicshield.web.testing import make_message

pytestmark = pytest.mark.django_db

THREAT = "I know where you live. I am going to kill you and your kids"


@pytest.fixture
def smtp_settings(settings, smtp_sink):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_sink.host
    settings.EMAIL_PORT = smtp_sink.port
    settings.EMAIL_USE_TLS = False
    return smtp_sink


def test_a_threat_reaches_the_on_call_inbox_with_what_who_where(cast, smtp_settings):
    message = make_message(cast.office_a, THREAT, author="@menace")
    worker = Worker()
    while worker.run_once():
        pass
    received = smtp_settings.messages
    assert sorted(r for m in received for r in m.recipients) == sorted(
        [cast.representative.user.email, cast.manager.user.email]
    )
    body = received[0].message.get_content()
    assert THREAT in body and "@menace" in body and "999" in body
    assert f"/inbox/messages/{message.pk}/" in body
    assert "URGENT" in received[0].message["Subject"]
    assert set(Alert.objects.values_list("status", flat=True)) == {"sent"}
    # Running the jobs again sends nothing more.
    assert not worker.run_once()
    assert len(smtp_settings.messages) == 2


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_when_the_mail_server_is_down_the_alert_is_retried_and_visible(cast, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()
    make_message(cast.office_a, THREAT)
    worker = Worker()
    worker.run_once()
    alert = Alert.objects.filter(attempts__gt=0).first()
    assert alert is not None and alert.status == "pending" and alert.last_error
    job = Job.objects.get(name="inbox.send_alert", attempts=1)
    assert job.state == "queued" and job.run_after > timezone.now()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        from civicshield.web.inbox.selectors import dashboard_stats

        assert dashboard_stats(member=cast.manager)["pending_alerts"] == 2
