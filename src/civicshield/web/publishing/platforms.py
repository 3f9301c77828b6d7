"""The one place the publishing app builds platform connectors from an account's stored secrets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from civicshield.connectors.publishing import (
    Account,
    MediaItem,
    Mention,
    PlatformConnector,
    Profile,
    PublishedPost,
)

if TYPE_CHECKING:
    from civicshield.web.publishing.models import ConnectedAccount

APP_NAME = "CivicShield"


class DemoConnector:
    """For demonstration accounts: pretends to post, sends nothing anywhere."""

    platform = "demo"
    max_characters = 500
    can_edit = True
    idempotency_window: dt.timedelta | None = None

    def __init__(self, handle: str) -> None:
        self.handle = handle

    def publish(
        self, text: str, *, media: Sequence[MediaItem] = (), idempotency_key: str
    ) -> PublishedPost:
        return PublishedPost(f"demo-{idempotency_key}", "https://demo.invalid/" + idempotency_key)

    def find_published(
        self, idempotency_key: str, *, text: str = "", since: dt.datetime | None = None
    ) -> PublishedPost | None:
        return None

    def delete(self, platform_id: str) -> None:
        return None

    def edit(self, platform_id: str, text: str) -> PublishedPost:
        return PublishedPost(platform_id, "https://demo.invalid/" + platform_id)

    def fetch_mentions(self, cursor: str | None) -> tuple[list[Mention], str | None]:
        return [], cursor

    def fetch_profile(self, handle: str) -> Profile:
        return Profile(handle, handle, handle, "", "", None, "https://demo.invalid/")

    def block(self, account: Account) -> None:
        return None

    def mute(self, account: Account) -> None:
        return None

    def report(self, account: Account, post_ids: Sequence[str], comment: str) -> None:
        return None


def connector_for(account: ConnectedAccount) -> PlatformConnector:
    """A connector signed in as ``account`` (secrets decrypted here and handed over, nowhere else)."""
    if account.is_demo:
        return DemoConnector(account.handle)
    if account.platform == "mastodon":
        from civicshield.connectors.mastodon import MastodonConnector

        return MastodonConnector(account.server_url, account.access_token)
    from civicshield.connectors.bluesky import BlueskyConnector
    from civicshield.web.publishing.models import ConnectedAccount

    def save(session: str) -> None:
        # update(): no other field of a possibly stale instance is written back.
        ConnectedAccount.objects.filter(pk=account.pk, is_active=True).update(session=session)

    return BlueskyConnector(
        account.server_url,
        account.handle,
        account.app_password,
        session=account.session,
        on_session=save,
    )


def bluesky_sign_in(server_url: str, handle: str, app_password: str) -> str:
    """Check an app password by signing in; return the account's handle."""
    from civicshield.connectors.bluesky import BlueskyConnector

    return BlueskyConnector(server_url, handle, app_password).sign_in()


def mastodon_register(server_url: str, redirect_uri: str) -> tuple[str, str]:
    from civicshield.connectors import mastodon

    return mastodon.register_app(server_url, redirect_uri=redirect_uri, app_name=APP_NAME)


def mastodon_authorize_url(
    server_url: str, client_id: str, client_secret: str, redirect_uri: str, state: str
) -> str:
    from civicshield.connectors import mastodon

    return mastodon.authorize_url(
        server_url,
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        state=state,
    )


def mastodon_exchange(
    server_url: str, client_id: str, client_secret: str, redirect_uri: str, code: str
) -> tuple[str, str]:
    """Swap the code for an access token; return ``(token, handle)``."""
    from civicshield.connectors import mastodon

    token = mastodon.exchange_code(
        server_url,
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        code=code,
    )
    return token, mastodon.MastodonConnector(server_url, token).whoami()
