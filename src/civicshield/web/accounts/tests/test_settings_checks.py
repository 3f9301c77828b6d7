"""Start-up checks: a half-configured sign-in is reported before anyone tries to use it."""

from __future__ import annotations

from civicshield.web.accounts.checks import settings_check


def ids(_settings):
    return [m.id for m in settings_check(None)]


def test_a_client_id_without_its_secret_is_reported(settings):
    settings.MICROSOFT_CLIENT_ID = "app-id"
    settings.MICROSOFT_CLIENT_SECRET = ""
    messages = [m for m in settings_check(None) if m.id == "civicshield.W003"]
    assert len(messages) == 1
    assert "Microsoft 365 sign-in" in messages[0].msg
    assert "CIVICSHIELD_MICROSOFT_CLIENT_SECRET" in str(messages[0].hint)


def test_complete_or_absent_sign_ins_are_not_reported(settings):
    settings.MICROSOFT_CLIENT_ID = "app-id"
    settings.MICROSOFT_CLIENT_SECRET = "secret"
    settings.GOOGLE_CLIENT_ID = ""
    settings.GOOGLE_CLIENT_SECRET = ""
    settings.EXCHANGE_APP_TENANT = ""
    assert "civicshield.W003" not in ids(settings)


def test_the_exchange_connection_is_checked_only_when_turned_on(settings):
    settings.MICROSOFT_CLIENT_ID = ""
    settings.MICROSOFT_CLIENT_SECRET = ""
    settings.EXCHANGE_APP_CLIENT_ID = "exchange-app"
    settings.EXCHANGE_APP_CLIENT_SECRET = ""
    settings.EXCHANGE_APP_TENANT = ""
    assert "civicshield.W003" not in ids(settings)
    settings.EXCHANGE_APP_TENANT = "contoso.onmicrosoft.com"
    messages = [m for m in settings_check(None) if m.id == "civicshield.W003"]
    assert ["Exchange Online connection" in m.msg for m in messages] == [True]
