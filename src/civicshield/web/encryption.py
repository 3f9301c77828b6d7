"""Secrets at rest: platform tokens, mailbox passwords and API keys are stored encrypted.

Keys come from ``CIVICSHIELD_ENCRYPTION_KEYS`` (comma-separated Fernet keys, newest first) or,
by default, a key file generated once in the data directory. Several keys make rotation
possible: new values are encrypted with the first key, old ones still decrypt with the rest,
and ``civicshield manage rotate_encryption_key`` re-encrypts every stored secret.
Decrypted values are never logged, shown on a page, or put into an error message.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

KEY_FILE = "encryption_keys"
ERROR_CANNOT_DECRYPT = (
    "A stored secret could not be decrypted: the encryption key has changed. "
    "Restore the old key in CIVICSHIELD_ENCRYPTION_KEYS or reconnect the account."
)


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted with any configured key."""


def _load_keys() -> list[bytes]:
    configured = os.environ.get("CIVICSHIELD_ENCRYPTION_KEYS", "")
    if configured:
        return [k.strip().encode() for k in configured.split(",") if k.strip()]
    path = settings.DATA_DIR / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "wb") as handle:
            handle.write(Fernet.generate_key() + b"\n")
    return [line.strip() for line in path.read_bytes().splitlines() if line.strip()]


@functools.cache
def _box() -> MultiFernet:
    keys = _load_keys()
    if not keys:
        raise ImproperlyConfigured("No encryption key: set CIVICSHIELD_ENCRYPTION_KEYS.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "CIVICSHIELD_ENCRYPTION_KEYS must hold Fernet keys (32 url-safe base64 bytes)."
        ) from exc


def reset_keys_cache() -> None:
    """Forget loaded keys (after rotation, and in tests)."""
    _box.cache_clear()


def encrypt(plaintext: str) -> str:
    return _box().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _box().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as exc:
        raise SecretUnreadable(ERROR_CANNOT_DECRYPT) from exc


def encrypt_bytes(plaintext: bytes) -> bytes:
    return _box().encrypt(plaintext)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return _box().decrypt(token)
    except (InvalidToken, ValueError) as exc:
        raise SecretUnreadable(ERROR_CANNOT_DECRYPT) from exc


def rotate(token: str) -> str:
    """Re-encrypt with the newest key."""
    return _box().rotate(token.encode("ascii")).decode("ascii")


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text column whose value is stored encrypted and read back decrypted.

    Empty strings stay empty (nothing to hide). Use it only for secrets that the application
    must send on (tokens, passwords); never put one in a form's initial value or a template.
    """

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))


class EncryptedBinaryField(models.BinaryField):  # type: ignore[type-arg]
    """A binary column stored encrypted (emails kept for reporting: they hold what the office
    was sent, names and addresses included). Empty bytes stay empty. Not for large files:
    the whole value is encrypted and decrypted in memory."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> bytes | None:
        if value is None:
            return None
        data = bytes(value)
        return decrypt_bytes(data) if data else b""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return value
        data = bytes(value)
        return encrypt_bytes(data) if data else b""
