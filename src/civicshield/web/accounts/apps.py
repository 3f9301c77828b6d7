from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "civicshield.web.accounts"
    label = "accounts"
    verbose_name = "Accounts and offices"

    def ready(self) -> None:
        from civicshield.web.accounts import checks, signals  # noqa: F401 - registers handlers
