"""``civicshield manage rotate_encryption_key``: re-encrypt every stored secret with the newest key.

Rotation: put a new key first in CIVICSHIELD_ENCRYPTION_KEYS (keeping the old ones after it),
run this command, then drop the old keys. Every model's ``EncryptedTextField`` is covered, in
every app (connected accounts, mailbox passwords, ...), not only publishing's, and every
``EncryptedBinaryField`` (emails kept for reporting).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from civicshield.web.audit import services as audit
from civicshield.web.encryption import EncryptedBinaryField, EncryptedTextField


class Command(BaseCommand):
    help = "Re-encrypt every stored secret with the first key in CIVICSHIELD_ENCRYPTION_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = 0
        with transaction.atomic():
            for model in apps.get_models():
                names = [
                    f.name
                    for f in model._meta.concrete_fields
                    if isinstance(f, (EncryptedTextField, EncryptedBinaryField))
                ]
                if not names:
                    continue
                # Reading decrypts with whichever key fits; writing encrypts with the newest.
                for values in model._base_manager.values("pk", *names).iterator():
                    pk = values.pop("pk")
                    secrets = {k: v for k, v in values.items() if v}
                    if secrets:
                        model._base_manager.filter(pk=pk).update(**secrets)
                        rows += 1
            audit.record(action="encryption.rotated", office=None, details={"rows": rows})
        # Counts only: never a secret on the screen.
        self.stdout.write(f"Re-encrypted the secrets of {rows} row(s) with the newest key.")
