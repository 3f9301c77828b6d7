"""Misconfiguration is a system check with a hint, not a surprise at run time."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register


@register()
def settings_check(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    data_dir = settings.DATA_DIR
    if not os.access(data_dir, os.W_OK):
        problems.append(
            Error(
                f"The data directory {data_dir} is not writable.",
                hint="Set CIVICSHIELD_DATA_DIR to a folder this user can write to.",
                id="civicshield.E001",
            )
        )
    if not settings.EMAIL_HOST:
        problems.append(
            Warning(
                "No mail server is configured: emails (alerts included) are saved in "
                f"{settings.EMAIL_FILE_PATH} instead of being sent.",
                hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD) "
                "so that threat alerts reach people.",
                id="civicshield.W001",
            )
        )
    if (
        settings.SITE_URL.startswith("http://")
        and "127.0.0.1" not in settings.SITE_URL
        and "localhost" not in settings.SITE_URL
    ):
        problems.append(
            Warning(
                "SITE_URL is not HTTPS: cookies are sent unencrypted.",
                hint="Serve CivicShield over HTTPS and set SITE_URL=https://...",
                id="civicshield.W002",
            )
        )
    problems.extend(_half_configured_sign_ins())
    return problems


def _half_configured_sign_ins() -> list[CheckMessage]:
    """A client id without its secret (or the reverse) fails only when someone tries to sign
    in, or in the middle of the night's forwarding check: say so at start-up instead."""
    pairs = [
        (
            "Microsoft 365 sign-in",
            "CIVICSHIELD_MICROSOFT_CLIENT",
            settings.MICROSOFT_CLIENT_ID,
            settings.MICROSOFT_CLIENT_SECRET,
        ),
        (
            "Google sign-in",
            "CIVICSHIELD_GOOGLE_CLIENT",
            settings.GOOGLE_CLIENT_ID,
            settings.GOOGLE_CLIENT_SECRET,
        ),
    ]
    if settings.EXCHANGE_APP_TENANT:
        pairs.append(
            (
                "Exchange Online connection",
                "CIVICSHIELD_EXCHANGE_APP_CLIENT",
                settings.EXCHANGE_APP_CLIENT_ID,
                settings.EXCHANGE_APP_CLIENT_SECRET,
            )
        )
    return [
        Warning(
            f"The {what} is half set up: it has a client id but no secret, or a secret but no "
            "client id, so it cannot work.",
            hint=f"Set both {prefix}_ID and {prefix}_SECRET (or {prefix}_SECRET_FILE).",
            id="civicshield.W003",
        )
        for what, prefix, client_id, secret in pairs
        if bool(client_id) != bool(secret)
    ]
