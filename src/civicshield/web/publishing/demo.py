"""Demo content for ``civicshield demo``: posts in every state on clearly marked demo accounts.

No real account is connected; the demo accounts' connector sends nothing anywhere.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from civicshield.web.accounts.models import Membership, Office
from civicshield.web.accounts.roles import Role
from civicshield.web.publishing import connections, publish, services
from civicshield.web.publishing.models import ApprovalPolicy, Draft


def _member(office: Office, role: str) -> Membership:
    return Membership.objects.select_related("user", "office").get(
        office=office, role=role, is_active=True
    )


@transaction.atomic
def seed_demo_publishing(office: Office) -> list[Draft]:
    """Two demo accounts and six posts: draft, in review, approved, scheduled, published, rejected."""
    manager = _member(office, Role.OFFICE_MANAGER)
    representative = _member(office, Role.REPRESENTATIVE)
    comms = _member(office, Role.COMMS_OFFICER)
    volunteer = _member(office, Role.VOLUNTEER)
    mastodon = connections.account_create_demo(
        member=manager, platform="mastodon", handle="@demo-office@mastodon.invalid"
    )
    bluesky = connections.account_create_demo(
        member=manager, platform="bluesky", handle="demo-office.bsky.invalid"
    )
    connections.policy_update(
        member=manager,
        account=mastodon,
        approvals_required=1,
        approver_roles=["representative", "office_manager"],
        representative_sign_off=ApprovalPolicy.SignOff.TOPICS,
        sign_off_topics=["election", "housing"],
    )
    connections.check_settings_update(
        member=manager,
        private_names=["Sophie: daughter", "Acacia Avenue: home street"],
        allowed_details=["020 7219 3000"],
    )

    def draft(member: Membership, account: object, text: str) -> Draft:
        return services.draft_create(member=member, account=account, text=text)  # type: ignore[arg-type]

    made = [
        draft(
            volunteer,
            mastodon,
            "Great turnout at the litter pick today! Call me on 07700 900123 to join next time.",
        )
    ]
    review = draft(
        volunteer, mastodon, "Our plan for housing: 500 new homes for local families by 2030."
    )
    services.draft_submit(member=volunteer, draft=review)
    services.draft_approve(member=manager, draft=review)
    made.append(review)

    approved = draft(comms, bluesky, "Advice surgery this Friday, 10am to 1pm, at the library.")
    services.draft_submit(member=comms, draft=approved)
    made.append(services.draft_approve(member=manager, draft=approved))

    scheduled = draft(comms, mastodon, "Reminder: the consultation on the bus routes closes soon.")
    services.draft_submit(member=comms, draft=scheduled)
    services.draft_approve(member=representative, draft=scheduled)
    made.append(
        services.draft_schedule(
            member=comms, draft=scheduled, when=timezone.now() + dt.timedelta(days=2)
        )
    )

    published = draft(comms, bluesky, "Thank you to everyone who came to the town hall meeting.")
    services.draft_submit(member=comms, draft=published)
    services.draft_approve(member=manager, draft=published)
    services.draft_schedule(member=comms, draft=published)
    # Published at once through the demo connector (which sends nothing anywhere).
    made.append(publish.draft_publish(draft_id=published.pk))

    rejected = draft(volunteer, mastodon, "The council are useless and everyone knows it.")
    services.draft_submit(member=volunteer, draft=rejected)
    made.append(
        services.draft_reject(
            member=manager, draft=rejected, reason="Keep it constructive: say what we will do."
        )
    )
    return made
