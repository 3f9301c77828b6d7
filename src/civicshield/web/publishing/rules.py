"""Who may do what to a post: the approval policy's rules, in one place, free of side effects."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from civicshield.web.accounts.models import Membership
from civicshield.web.accounts.roles import Capability, Role
from civicshield.web.publishing.models import (
    AccountAccess,
    ApprovalPolicy,
    ConnectedAccount,
    Draft,
)

# Roles that may ever be approvers (volunteers and caseworkers never sign posts off).
APPROVER_ROLE_CHOICES = (Role.REPRESENTATIVE, Role.OFFICE_MANAGER, Role.COMMS_OFFICER)


def _access(account: ConnectedAccount, member: Membership) -> AccountAccess | None:
    return AccountAccess.objects.filter(account=account, member=member).first()


def policy_for(account: ConnectedAccount) -> ApprovalPolicy:
    policy, _ = ApprovalPolicy.objects.get_or_create(account=account)
    return policy


def may_draft(member: Membership, account: ConnectedAccount) -> bool:
    row = _access(account, member)
    return (
        member.office_id == account.office_id
        and member.can(Capability.DRAFT_POSTS)
        and (row is None or row.can_draft)
    )


def may_approve(member: Membership, account: ConnectedAccount) -> bool:
    """Whether this person is one of the account's approvers (own drafts aside)."""
    row = _access(account, member)
    return (
        member.is_active
        and member.office_id == account.office_id
        and member.role in APPROVER_ROLE_CHOICES
        and member.role in policy_for(account).approver_roles
        and (row is None or row.can_approve)
    )


def may_publish(member: Membership, account: ConnectedAccount) -> bool:
    row = _access(account, member)
    return (
        member.office_id == account.office_id
        and member.can(Capability.PUBLISH_POSTS)
        and (row is None or row.can_publish)
    )


def contributors(draft: Draft) -> set[int]:
    """User ids of everyone who wrote any version: none of them may approve it."""
    ids = set(draft.versions.values_list("edited_by_id", flat=True))
    ids.add(draft.author_id)
    ids.update(draft.images.values_list("uploaded_by_id", flat=True))
    return ids


def needs_representative(draft: Draft, policy: ApprovalPolicy) -> list[str]:
    """Why the representative must sign this post off: the matching topics, or ``["all"]``."""
    if policy.representative_sign_off == ApprovalPolicy.SignOff.ALWAYS:
        return ["every post"]
    if policy.representative_sign_off == ApprovalPolicy.SignOff.NEVER:
        return []
    chosen = {t.strip().casefold() for t in draft.topics}
    matched = []
    for topic in policy.sign_off_topics:
        wanted = topic.strip().casefold()
        if not wanted:
            continue
        in_text = re.search(rf"(?<!\w){re.escape(wanted)}(?!\w)", draft.text.casefold())
        if wanted in chosen or in_text:
            matched.append(topic.strip())
    return matched


@dataclass(frozen=True)
class ApprovalStatus:
    """Where a draft's current version stands against its account's policy."""

    required: int
    have: int
    representative_reasons: list[str] = field(default_factory=list)
    """Why representative sign-off is needed (empty: not needed)."""
    has_representative: bool = False
    approvers: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.have >= self.required and (
            not self.representative_reasons or self.has_representative
        )

    @property
    def missing(self) -> list[str]:
        gaps = []
        if self.have < self.required:
            gaps.append(f"{self.required - self.have} more approval(s)")
        if self.representative_reasons and not self.has_representative:
            gaps.append(
                "the representative's own sign-off (" + ", ".join(self.representative_reasons) + ")"
            )
        return gaps


def approval_status(draft: Draft) -> ApprovalStatus:
    policy = policy_for(draft.account)
    approvals = list(draft.approvals.filter(version=draft.version).select_related("approver__user"))
    return ApprovalStatus(
        required=max(policy.approvals_required, 1),
        have=len(approvals),
        representative_reasons=needs_representative(draft, policy),
        has_representative=any(a.is_representative for a in approvals),
        approvers=[str(a.approver.user) for a in approvals],
    )
