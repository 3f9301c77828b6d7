"""Where the Mastodon and Bluesky connectors plug in to report, block and mute through the API.

The connectors themselves live on the ``publishing`` branch (another helper writes them). Each
only has to offer this small interface; ``case_report_via_api`` then sends one report covering
every post of a case on that platform, with the same text staff would paste into a form, and
records it as a ``PlatformReport`` (via "api", reference = the platform's report id).
Blocking and muting are recorded in the audit log against the case.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from django.db import transaction

from civicshield.web.accounts.models import Membership
from civicshield.web.audit import services as audit
from civicshield.web.evidence import reporting, services
from civicshield.web.evidence.models import Case, PlatformReport

ERROR_NO_POSTS = "This case has no posts on {platform} to report."
ERROR_NO_AUTHOR_ID = (
    "These posts did not come through a connected account, so the platform's id for the author "
    "is unknown: report them with the platform's form instead."
)


class ModerationConnector(Protocol):
    """What a platform connector offers for moderation (Mastodon.py / atproto underneath)."""

    platform: str
    """The inbox's platform value this connector serves: "mastodon" or "bluesky"."""

    def report(self, *, account: str, post_ids: Sequence[str], comment: str) -> str:
        """Report the account and these posts to the platform; return the platform's report id.

        Mastodon: ``report(account_id, status_ids, comment, category="violation")``;
        Bluesky: ``com.atproto.moderation.createReport`` (one per post if needed).
        """
        ...

    def block(self, *, account: str) -> None:
        """Block the account (Mastodon ``account_block``; Bluesky an app.bsky.graph.block record)."""
        ...

    def mute(self, *, account: str) -> None:
        """Mute the account (Mastodon ``account_mute``; Bluesky ``mute``)."""
        ...


def case_report_via_api(
    *, member: Membership, case: Case, connector: ModerationConnector, block: bool = False
) -> PlatformReport:
    """Report every post of ``case`` on the connector's platform through its API, and record it.

    The API call happens before the database transaction (it can be slow); if it fails, the
    exception propagates and nothing is recorded, so staff can fall back to the report form.
    """
    services._require(member)
    services._same_office(member, case.office_id)
    posts = list(case.items.filter(platform=connector.platform).order_by("posted_at", "pk"))
    if not posts:
        raise ValueError(ERROR_NO_POSTS.format(platform=connector.platform))
    office = member.office
    comment = reporting.report_text(
        author=case.author,
        messages=posts,
        platform=connector.platform,
        office_name=office.name,
        tz=office.time_zone,
    )
    reference = connector.report(
        account=case.author.handle, post_ids=[m.platform_id for m in posts], comment=comment
    )
    if block:
        connector.block(account=case.author.handle)
    with transaction.atomic():
        report = services.platform_report_add(
            member=member,
            case=case,
            platform=connector.platform,
            reference=str(reference or ""),
            via=PlatformReport.Via.API,
            notes=f"Sent through the {connector.platform} API with {len(posts)} post(s).",
        )
        if block:
            audit.record(
                action="evidence.author.blocked",
                office=office,
                actor=member.user,
                target=case,
                details={"platform": connector.platform, "handle": case.author.handle},
            )
    return report


class ConnectedAccountModeration:
    """Adapts a connected account's platform connector (publishing app) to ``ModerationConnector``.

    The case's posts carry the author's platform id (Mastodon account id, Bluesky DID) in
    ``raw["author_id"]`` when they came through the connector; that is what the APIs need.
    """

    def __init__(self, account: Any, case: Case) -> None:
        from civicshield.web.publishing.platforms import connector_for

        self.platform = str(account.platform)
        self._connector = connector_for(account)
        latest = case.items.filter(platform=self.platform).order_by("-received_at").first()
        self._author_id = str((latest.raw or {}).get("author_id") or "") if latest else ""

    def _account(self, handle: str) -> Any:
        from civicshield.connectors.publishing import Account

        if not self._author_id:
            raise ValueError(ERROR_NO_AUTHOR_ID)
        return Account(platform_id=self._author_id, handle=handle)

    def report(self, *, account: str, post_ids: Sequence[str], comment: str) -> str:
        self._connector.report(self._account(account), list(post_ids), comment)
        return ""  # neither API returns a reference a person could quote

    def block(self, *, account: str) -> None:
        self._connector.block(self._account(account))

    def mute(self, *, account: str) -> None:
        self._connector.mute(self._account(account))


def case_mute_via_api(*, member: Membership, case: Case, connector: ModerationConnector) -> None:
    """Mute the case's author from the office's account (their posts stop showing) and audit it."""
    services._require(member)
    services._same_office(member, case.office_id)
    connector.mute(account=case.author.handle)
    audit.record(
        action="evidence.author.muted",
        office=member.office,
        actor=member.user,
        target=case,
        details={"platform": connector.platform, "handle": case.author.handle},
    )


def connected_accounts_for_case(case: Case) -> list[Any]:
    """The office's connected accounts on the platforms this case's posts came from."""
    from civicshield.web.publishing.models import ConnectedAccount

    platforms = set(case.items.values_list("platform", flat=True)) & {"mastodon", "bluesky"}
    return list(
        ConnectedAccount.objects.filter(
            office_id=case.office_id, is_active=True, is_demo=False, platform__in=platforms
        ).order_by("platform", "handle")
    )
