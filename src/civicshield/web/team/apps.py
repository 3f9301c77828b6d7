from __future__ import annotations

from django.apps import AppConfig


class TeamConfig(AppConfig):
    name = "civicshield.web.team"
    label = "team"
    verbose_name = "Team and access"
