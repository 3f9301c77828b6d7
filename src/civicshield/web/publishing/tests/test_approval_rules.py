"""The approval policy: who may approve, self-approval, edits after approval, representative sign-off."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from civicshield.web.accounts.services import NotAllowed
from civicshield.web.audit.models import AuditEntry
from civicshield.web.publishing import connections, rules, services
from civicshield.web.publishing.models import ApprovalPolicy, Draft

pytestmark = pytest.mark.django_db


def _policy(cast, account, **changes):
    values: dict[str, Any] = {
        "approvals_required": 1,
        "approver_roles": ["representative", "office_manager"],
        "representative_sign_off": ApprovalPolicy.SignOff.NEVER,
        "sign_off_topics": [],
    }
    values.update(changes)
    return connections.policy_update(member=cast.manager, account=account, **values)


def test_it_approves_with_one_approval_and_audits(cast, account, in_review):
    _policy(cast, account)
    draft = services.draft_approve(member=cast.manager, draft=in_review)
    assert draft.state == Draft.State.APPROVED
    actions = list(
        AuditEntry.objects.filter(target_id=str(draft.pk)).values_list("action", "actor")
    )
    assert ("publishing.draft.approved", cast.manager.user_id) in actions
    assert ("publishing.draft.fully_approved", cast.manager.user_id) in actions


def test_it_refuses_self_approval(cast, account):
    _policy(cast, account)
    draft = services.draft_create(member=cast.manager, account=account, text="My own words")
    services.draft_submit(member=cast.manager, draft=draft)
    with pytest.raises(NotAllowed, match="wrote or edited"):
        services.draft_approve(member=cast.manager, draft=draft)
    assert Draft.objects.get(pk=draft.pk).state == Draft.State.IN_REVIEW


def test_it_refuses_approval_from_anyone_who_edited_the_draft(cast, account, in_review):
    _policy(cast, account)
    services.draft_edit(member=cast.manager, draft=in_review, text="Surgery on Saturday.")
    with pytest.raises(NotAllowed) as caught:
        services.draft_approve(member=cast.manager, draft=in_review)
    assert str(caught.value) == services.ERROR_OWN_DRAFT


@pytest.mark.parametrize("role", ["volunteer", "caseworker", "comms"])
def test_it_refuses_roles_that_are_not_approvers(cast, account, in_review, role):
    _policy(cast, account)
    with pytest.raises(NotAllowed) as caught:
        services.draft_approve(member=getattr(cast, role), draft=in_review)
    assert str(caught.value) == services.ERROR_CANNOT_APPROVE


def test_the_office_can_make_comms_officers_approvers(cast, account, in_review):
    _policy(cast, account, approver_roles=["office_manager", "comms_officer"])
    assert services.draft_approve(member=cast.comms, draft=in_review).state == "approved"


def test_per_account_access_can_withdraw_approval_rights(cast, account, in_review):
    _policy(cast, account)
    connections.account_access_set(
        member=cast.manager,
        account=account,
        target=cast.manager,
        can_draft=True,
        can_approve=False,
        can_publish=True,
    )
    with pytest.raises(NotAllowed):
        services.draft_approve(member=cast.manager, draft=in_review)


def test_an_edit_after_approval_sends_it_back_for_approval(cast, account, in_review):
    _policy(cast, account)
    services.draft_approve(member=cast.manager, draft=in_review)
    draft = services.draft_edit(member=cast.volunteer, draft=in_review, text="Changed after")
    assert draft.state == Draft.State.IN_REVIEW
    assert draft.version == 2
    assert rules.approval_status(draft).have == 0
    assert AuditEntry.objects.filter(action="publishing.draft.sent_back").count() == 1
    # The manager approved version 1 only; approving version 2 is a new approval.
    assert services.draft_approve(member=cast.manager, draft=draft).state == "approved"


def test_an_edit_of_a_scheduled_post_unschedules_it(cast, account, in_review):
    _policy(cast, account)
    services.draft_approve(member=cast.manager, draft=in_review)
    services.draft_schedule(member=cast.comms, draft=in_review)
    draft = services.draft_edit(member=cast.comms, draft=in_review, text="New text")
    assert (draft.state, draft.scheduled_for) == (Draft.State.IN_REVIEW, None)


def test_representative_sign_off_is_enforced_for_every_post(cast, account, in_review):
    _policy(cast, account, representative_sign_off=ApprovalPolicy.SignOff.ALWAYS)
    draft = services.draft_approve(member=cast.manager, draft=in_review)
    assert draft.state == Draft.State.IN_REVIEW
    assert "representative" in rules.approval_status(draft).missing[0]
    draft = services.draft_approve(member=cast.representative, draft=draft)
    assert draft.state == Draft.State.APPROVED


def test_representative_sign_off_for_chosen_topics(cast, account):
    _policy(
        cast,
        account,
        representative_sign_off=ApprovalPolicy.SignOff.TOPICS,
        sign_off_topics=["Housing", "election"],
    )
    plain = services.draft_create(member=cast.volunteer, account=account, text="Bin day moved")
    services.draft_submit(member=cast.volunteer, draft=plain)
    assert services.draft_approve(member=cast.manager, draft=plain).state == "approved"

    topical = services.draft_create(
        member=cast.volunteer, account=account, text="Our plan for housing in the town"
    )
    services.draft_submit(member=cast.volunteer, draft=topical)
    assert services.draft_approve(member=cast.manager, draft=topical).state == "in_review"
    assert rules.approval_status(topical).representative_reasons == ["Housing"]
    assert services.draft_approve(member=cast.representative, draft=topical).state == "approved"

    tagged = services.draft_create(
        member=cast.volunteer, account=account, text="Hustings tonight", topics=["election"]
    )
    services.draft_submit(member=cast.volunteer, draft=tagged)
    assert rules.approval_status(tagged).representative_reasons == ["election"]


def test_two_approvals_need_two_different_people(cast, account, in_review):
    _policy(cast, account, approvals_required=2)
    services.draft_approve(member=cast.manager, draft=in_review)
    with pytest.raises(ValidationError) as caught:
        services.draft_approve(member=cast.manager, draft=in_review)
    assert caught.value.messages == [services.ERROR_ALREADY_APPROVED]
    assert services.draft_approve(member=cast.representative, draft=in_review).state == "approved"


def test_a_rejected_draft_goes_back_to_draft_when_edited(cast, account, in_review):
    _policy(cast, account)
    services.draft_reject(member=cast.manager, draft=in_review, reason="Too long")
    assert Draft.objects.get(pk=in_review.pk).rejection_reason == "Too long"
    draft = services.draft_edit(member=cast.volunteer, draft=in_review, text="Shorter")
    assert draft.state == Draft.State.DRAFT


def test_only_approved_posts_can_be_scheduled_and_only_by_publishers(cast, account, in_review):
    _policy(cast, account)
    with pytest.raises(ValidationError):
        services.draft_schedule(member=cast.comms, draft=in_review)
    services.draft_approve(member=cast.manager, draft=in_review)
    with pytest.raises(NotAllowed):
        services.draft_schedule(member=cast.volunteer, draft=in_review)
    assert services.draft_schedule(member=cast.comms, draft=in_review).state == "scheduled"


def test_a_post_too_long_for_the_platform_cannot_be_submitted(cast, account):
    draft = services.draft_create(member=cast.volunteer, account=account, text="x" * 501)
    with pytest.raises(ValidationError, match="501 characters; Mastodon allows 500"):
        services.draft_submit(member=cast.volunteer, draft=draft)


def test_versions_and_comments_are_kept(cast, account, draft):
    services.draft_edit(member=cast.volunteer, draft=draft, text="Second")
    services.draft_comment(member=cast.manager, draft=draft, text="Add the time")
    assert list(draft.versions.values_list("number", "text")) == [
        (2, "Second"),
        (1, "Surgery on Friday."),
    ]
    assert draft.comments.get().version == 2
    assert AuditEntry.objects.filter(action="publishing.draft.commented").exists()


def test_a_policy_asking_for_sign_off_must_let_the_representative_approve(cast, account):
    with pytest.raises(ValidationError) as caught:
        _policy(
            cast,
            account,
            approver_roles=["office_manager"],
            representative_sign_off=ApprovalPolicy.SignOff.ALWAYS,
        )
    assert caught.value.messages == [connections.ERROR_SIGN_OFF_NEEDS_REPRESENTATIVE]


def test_it_refuses_to_approve_a_version_changed_while_reading(cast, account, in_review):
    _policy(cast, account)
    read = in_review.version
    services.draft_edit(member=cast.volunteer, draft=in_review, text="Changed meanwhile")
    with pytest.raises(ValidationError) as caught:
        services.draft_approve(member=cast.manager, draft=in_review, version=read)
    assert caught.value.messages == [services.ERROR_CHANGED_WHILE_READING]
    approved = services.draft_approve(member=cast.manager, draft=in_review, version=read + 1)
    assert approved.state == Draft.State.APPROVED
