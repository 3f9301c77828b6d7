from __future__ import annotations

from django.apps import AppConfig


class MailguardConfig(AppConfig):
    name = "civicshield.web.mailguard"
    label = "mailguard"
    verbose_name = "Mail security"
