"""Alert and digest emails: what was said, by whom, where, and a link. Other channels plug in here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from civicshield.web.accounts.models import Membership
from civicshield.web.inbox.models import Alert, Message


class AlertChannel(Protocol):
    """A way to reach a person (email now; SMS, Signal or Slack plug in the same way)."""

    name: str

    def send(self, *, recipient: Membership, subject: str, body: str) -> None:
        """Deliver or raise; a raised error is retried by the job system."""


class EmailChannel:
    name = "email"

    def send(self, *, recipient: Membership, subject: str, body: str) -> None:
        EmailMessage(subject=subject, body=body, to=[recipient.user.email]).send(
            fail_silently=False
        )


CHANNELS: dict[str, AlertChannel] = {"email": EmailChannel()}


def message_link(message: Message) -> str:
    return settings.SITE_URL + reverse("inbox:message", kwargs={"pk": message.pk})


def alert_text(message: Message) -> tuple[str, str]:
    author = message.author
    who = author.handle + (f" ({author.display_name})" if author.display_name else "")
    where = message.get_platform_display() + (" direct message" if message.is_direct else "")
    subject = f"URGENT: {', '.join(message.labels) or 'serious'} message on {where} from {who}"
    lines = [
        f"CivicShield flagged a message to {message.office.name} as CRITICAL.",
        "",
        f"From: {who}",
        f"Where: {where}" + (f" - {message.url}" if message.url else ""),
        f"When: {(message.posted_at or message.received_at):%d %b %Y %H:%M} UTC",
        "",
        "What was said:",
        message.text,
        "",
        "Why it was flagged:",
        *[f"- {reason}" for reason in message.reasons],
        "",
        f"Open it in CivicShield: {message_link(message)}",
        "",
        "If anyone is in immediate danger, call 999. Otherwise report it to the police on 101",
        "and record the message as evidence in CivicShield before it can be deleted.",
    ]
    return subject, "\n".join(lines)


def alert_deliver(alert: Alert) -> None:
    """Send one alert; mark it sent. Raises on failure (the job retries)."""
    if alert.status == Alert.Status.SENT:
        return  # already delivered: a retry must not send it twice
    subject, body = alert_text(alert.message)
    channel = CHANNELS[alert.channel]
    try:
        channel.send(recipient=alert.recipient, subject=subject, body=body)
    except Exception as exc:
        Alert.objects.filter(pk=alert.pk).update(
            attempts=alert.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:1000]
        )
        raise
    Alert.objects.filter(pk=alert.pk).update(
        status=Alert.Status.SENT, attempts=alert.attempts + 1, sent_at=timezone.now(), last_error=""
    )


def digest_text(office_name: str, messages: Sequence[Message]) -> tuple[str, str]:
    subject = f"CivicShield: {len(messages)} high-severity message(s) for {office_name}"
    lines = ["These messages were flagged as high severity since the last digest:", ""]
    for message in messages:
        lines += [
            f"- {message.author.handle} on {message.get_platform_display()}: {message.text[:200]}",
            f"  {message_link(message)}",
        ]
    return subject, "\n".join(lines)
