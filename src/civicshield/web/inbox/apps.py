from __future__ import annotations

from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "civicshield.web.inbox"
    label = "inbox"
    verbose_name = "Abuse inbox"
