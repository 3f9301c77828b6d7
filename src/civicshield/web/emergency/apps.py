from __future__ import annotations

from django.apps import AppConfig


class EmergencyConfig(AppConfig):
    name = "civicshield.web.emergency"
    label = "emergency"
    verbose_name = "Emergency plan and incidents"
