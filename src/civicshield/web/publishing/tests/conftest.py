from __future__ import annotations

import pytest

from civicshield.web.publishing import connections, services


@pytest.fixture
def account(cast):
    return connections.account_create_demo(
        member=cast.manager, platform="mastodon", handle="@alice@demo.invalid"
    )


@pytest.fixture
def draft(cast, account):
    return services.draft_create(member=cast.volunteer, account=account, text="Surgery on Friday.")


@pytest.fixture
def in_review(cast, draft):
    return services.draft_submit(member=cast.volunteer, draft=draft)
