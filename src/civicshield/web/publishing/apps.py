from __future__ import annotations

from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "civicshield.web.publishing"
    label = "publishing"
    verbose_name = "Safe publishing"
