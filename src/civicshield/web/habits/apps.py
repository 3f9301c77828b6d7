from __future__ import annotations

from django.apps import AppConfig


class HabitsConfig(AppConfig):
    name = "civicshield.web.habits"
    label = "habits"
    verbose_name = "Security habits"
