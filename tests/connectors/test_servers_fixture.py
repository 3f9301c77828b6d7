"""The test-server fixtures never skip silently on CI: without Dovecot they skip locally and fail
when CI=true."""

from __future__ import annotations

import pytest

from tests.servers import dovecot
from tests.servers.dovecot import NOT_INSTALLED, DovecotUnavailable, skip_or_fail, start_dovecot


def test_a_missing_dovecot_is_reported_with_the_packages_to_install(monkeypatch):
    monkeypatch.setattr(dovecot.shutil, "which", lambda name: None)
    monkeypatch.setattr(dovecot.os.path, "exists", lambda path: False)
    with pytest.raises(DovecotUnavailable) as caught:
        start_dovecot()
    assert str(caught.value) == NOT_INSTALLED
    assert "dovecot-imapd, dovecot-managesieved, dovecot-sieve" in NOT_INSTALLED


def test_it_skips_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no dovecot here"):
        skip_or_fail("no dovecot here")


def test_it_fails_on_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true and no dovecot here"):
        skip_or_fail("no dovecot here")


def test_a_missing_mail_user_names_the_command_that_creates_it(monkeypatch):
    monkeypatch.setattr(dovecot.os, "geteuid", lambda: 0)
    monkeypatch.setenv(dovecot.MAIL_USER_VARIABLE, "no-such-user-here")
    with pytest.raises(DovecotUnavailable, match="useradd --system --user-group"):
        dovecot._accounts()
