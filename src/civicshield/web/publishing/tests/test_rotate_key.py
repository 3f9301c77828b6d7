from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from civicshield.web import encryption
from civicshield.web.audit.models import AuditEntry
from civicshield.web.publishing.models import ConnectedAccount

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forget_test_keys():
    yield
    encryption.reset_keys_cache()  # after monkeypatch has put the environment back


def _use(monkeypatch, *keys):
    monkeypatch.setenv("CIVICSHIELD_ENCRYPTION_KEYS", ",".join(keys))
    encryption.reset_keys_cache()


def test_rotation_re_encrypts_tokens_with_the_new_key(cast, monkeypatch):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    _use(monkeypatch, old)
    account = ConnectedAccount.objects.create(
        office=cast.office_a,
        platform="mastodon",
        handle="@a@b.example",
        server_url="https://b.example",
        access_token="token-to-keep",
    )
    _use(monkeypatch, new, old)
    out = io.StringIO()
    call_command("rotate_encryption_key", stdout=out)
    assert "token-to-keep" not in out.getvalue()
    _use(monkeypatch, new)  # the old key is gone: everything must still read
    assert ConnectedAccount.objects.get(pk=account.pk).access_token == "token-to-keep"
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token FROM publishing_connectedaccount")
        assert "token-to-keep" not in cursor.fetchone()[0]
    assert AuditEntry.objects.filter(action="encryption.rotated").exists()
