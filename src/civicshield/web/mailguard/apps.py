from __future__ import annotations

from django.apps import AppConfig


class MailguardConfig(AppConfig):
    name = "civicshield.web.mailguard"
    label = "mailguard"
    verbose_name = "Mail security"

    def ready(self) -> None:
        # Registers the retention kind "mailguard.findings" and its purge.
        from civicshield.web.mailguard import retention  # noqa: F401
