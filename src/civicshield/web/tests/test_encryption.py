from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from civicshield.web import encryption


@pytest.fixture
def keys(monkeypatch):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("CIVICSHIELD_ENCRYPTION_KEYS", old)
    encryption.reset_keys_cache()
    yield old, new
    encryption.reset_keys_cache()


def test_it_round_trips_and_hides_the_value(keys):
    token = encryption.encrypt("mastodon-access-token-123")
    assert "mastodon-access-token-123" not in token
    assert encryption.decrypt(token) == "mastodon-access-token-123"


def test_rotation_keeps_old_secrets_readable(keys, monkeypatch):
    old, new = keys
    token = encryption.encrypt("s3cret")
    monkeypatch.setenv("CIVICSHIELD_ENCRYPTION_KEYS", f"{new},{old}")
    encryption.reset_keys_cache()
    assert encryption.decrypt(token) == "s3cret"
    rotated = encryption.rotate(token)
    monkeypatch.setenv("CIVICSHIELD_ENCRYPTION_KEYS", new)
    encryption.reset_keys_cache()
    assert encryption.decrypt(rotated) == "s3cret"
    with pytest.raises(encryption.SecretUnreadable) as caught:
        encryption.decrypt(token)
    assert "s3cret" not in str(caught.value)
