"""Start Django for the commands that need it, with the data directory from the injected environment."""

from __future__ import annotations

import os

from civicshield.cli.env import Environment


def setup_django(env: Environment, *, migrate: bool = False) -> None:
    os.environ["CIVICSHIELD_DATA_DIR"] = str(env.data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicshield.web.settings")
    env.data_dir.mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
