"""On a phone (390 px wide, the page fixture's viewport): no page scrolls sideways, and the
columns that matter (an audit entry's "what", a post's state, a person's two-factor) are on screen.

Sideways scrolling came from three things: visually-hidden labels inside a scrolling table (an
absolutely positioned element escapes an unpositioned scroller), long handles and addresses
that never wrap, and wide tables whose last columns sat off to the side.
"""

from __future__ import annotations

import pytest

from civicshield.web.audit import services as audit
from civicshield.web.publishing import connections
from civicshield.web.publishing import services as publishing
from civicshield.web.team import services as team
from civicshield.web.testing import make_message
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_HANDLE = "@a.very.persistent.correspondent@mastodon.social.example"
SIDEWAYS = "() => document.documentElement.scrollWidth - window.innerWidth"


def _on_screen(page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    width = page.viewport_size["width"]
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


def test_the_managers_pages_fit_a_phone(page, live_server, cast):
    message = make_message(cast.office_a, "I know where you live", author=LONG_HANDLE)
    team.account_create(
        actor=cast.manager,
        platform="facebook",
        name="Constituency Facebook page",
        access=[cast.comms],
    )
    account = connections.account_create_demo(
        member=cast.manager, platform="mastodon", handle="@alice@demo.invalid"
    )
    publishing.draft_create(member=cast.volunteer, account=account, text="Surgery on Friday")
    audit.record(
        action="emergency.incident.forwarding_audit_checked",
        office=cast.office_a,
        actor=cast.manager.user,
    )
    sign_in(page, live_server, cast.manager.user)
    for path in (
        "/team/",
        "/audit/",
        "/publishing/",
        "/mail/",
        f"/inbox/messages/{message.pk}/",
        f"/inbox/authors/{message.author_id}/",
        f"/evidence/authors/{message.author_id}/cases/",
    ):
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate(SIDEWAYS) <= 0, path
        if path == "/audit/":
            assert _on_screen(page, "td[data-label='What happened']")
        if path == "/publishing/":
            assert _on_screen(page, "td[data-label='State']")
        if path == "/team/":
            assert _on_screen(page, "td[data-label='Two-factor sign-in']")
