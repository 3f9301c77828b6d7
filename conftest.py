"""Shared pytest set-up: a data directory per run, fast hashing, the test cast."""

from __future__ import annotations

import os
import tempfile

# Set before Django's settings load: keep test runs out of the developer's real data.
os.environ.setdefault("CIVICSHIELD_DATA_DIR", tempfile.mkdtemp(prefix="civicshield-test-"))

import pytest  # noqa: E402

# Real test servers (Dovecot, an SMTP sink) for any test that asks for them.
pytest_plugins = ["tests.servers.plugin"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    # For speed: Argon2 is the production hasher (tested on its own in accounts' tests).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(db):  # type: ignore[no-untyped-def]
    from civicshield.web.testing import make_cast

    return make_cast()
