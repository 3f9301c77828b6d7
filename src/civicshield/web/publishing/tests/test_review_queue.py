"""The "Waiting for your approval" section appears only for people who could approve.

The pages ask the same rule as ``draft_approve`` (``rules.may_approve``): a role that may
approve, the account's policy, and the person's access rights for that account.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicshield.web.accounts.roles import Role
from civicshield.web.publishing import rules
from civicshield.web.publishing.models import AccountAccess
from civicshield.web.testing import signed_in_client

pytestmark = pytest.mark.django_db

WAITING = "waiting for your approval"
MENU_LINK = ">Waiting for approval</a>"


def _pages(member):
    client = signed_in_client(member.user)
    return {
        "dashboard": client.get(reverse("dashboard")).content.decode(),
        "posts": client.get(reverse("publishing:drafts")).content.decode(),
        "review": client.get(reverse("publishing:review")).content.decode(),
    }


def _approve(member, draft):
    url = reverse("publishing:draft_action", kwargs={"pk": draft.pk, "action": "approve"})
    return signed_in_client(member.user).post(url)


@pytest.mark.parametrize("role", ["volunteer", "caseworker"])
def test_people_who_cannot_approve_see_no_approval_section(cast, in_review, role):
    member = getattr(cast, role)
    pages = _pages(member)
    assert WAITING not in pages["dashboard"].lower()
    assert MENU_LINK not in pages["posts"]
    assert "Posts you may approve" not in pages["review"]
    assert "You do not approve posts for any of the office's accounts" in pages["review"]
    assert 'href="/publishing/?state=in_review"' in pages["review"]
    assert _approve(member, in_review).status_code == 403


def test_an_approver_sees_the_post_waiting_for_them(cast, in_review):
    pages = _pages(cast.manager)
    assert "1 waiting for your approval" in pages["dashboard"]
    assert MENU_LINK in pages["posts"]
    assert "Posts you may approve" in pages["review"]
    assert "Surgery on Friday." in pages["review"]


def test_an_approver_with_nothing_waiting_still_sees_the_section(cast, account):
    assert "0 waiting for your approval" in _pages(cast.manager)["dashboard"]


def test_a_member_the_access_rights_exclude_sees_no_section(cast, account, in_review):
    AccountAccess.objects.create(account=account, member=cast.manager, can_approve=False)
    assert not rules.may_approve(cast.manager, account)
    pages = _pages(cast.manager)
    assert WAITING not in pages["dashboard"].lower()
    assert MENU_LINK not in pages["posts"]
    assert "Posts you may approve" not in pages["review"]
    assert _approve(cast.manager, in_review).status_code == 403


@pytest.mark.parametrize("comms_approves", [True, False])
def test_the_accounts_policy_decides_for_comms_officers(cast, account, in_review, comms_approves):
    policy = rules.policy_for(account)
    if comms_approves:
        policy.approver_roles = [*policy.approver_roles, Role.COMMS_OFFICER]
        policy.save()
    pages = _pages(cast.comms)
    assert ("1 waiting for your approval" in pages["dashboard"]) is comms_approves
    assert (MENU_LINK in pages["posts"]) is comms_approves
    assert ("Surgery on Friday." in pages["review"]) is comms_approves
    approved = _approve(cast.comms, in_review).status_code
    assert approved == (302 if comms_approves else 403)


@pytest.mark.parametrize("comms_approves", [True, False])
def test_the_staff_grid_says_approve_posts_by_the_same_rule(cast, account, comms_approves):
    from civicshield.web.team import selectors as team_selectors

    policy = rules.policy_for(account)
    if comms_approves:
        policy.approver_roles = [*policy.approver_roles, Role.COMMS_OFFICER]
        policy.save()
    AccountAccess.objects.create(account=account, member=cast.manager, can_approve=False)
    rows = {
        row.member.pk: row.capabilities
        for row in team_selectors.access_matrix_for_member(member=cast.manager).rows
    }
    assert ("approve posts" in rows[cast.comms.pk]) is comms_approves
    assert "approve posts" not in rows[cast.manager.pk]  # the access rights leave them out
    assert "approve posts" not in rows[cast.volunteer.pk]
