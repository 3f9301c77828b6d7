"""Roles (DESIGN.md "Who uses it") and what each may do, in one table."""

from __future__ import annotations

import enum

from django.db import models


class Role(models.TextChoices):
    REPRESENTATIVE = "representative", "Representative"
    OFFICE_MANAGER = "office_manager", "Office manager"
    COMMS_OFFICER = "comms_officer", "Comms officer"
    CASEWORKER = "caseworker", "Caseworker"
    VOLUNTEER = "volunteer", "Volunteer"


class Capability(enum.StrEnum):
    """Things a member may do; views and services ask ``membership.can(Capability.X)``."""

    VIEW_DASHBOARD = "view_dashboard"
    VIEW_AUDIT = "view_audit"
    MANAGE_STAFF = "manage_staff"
    MANAGE_ACCOUNTS = "manage_accounts"
    MANAGE_EMERGENCY = "manage_emergency"
    TRIAGE_INBOX = "triage_inbox"
    VIEW_EVIDENCE = "view_evidence"
    CHECK_EMAIL = "check_email"
    MANAGE_MAILBOXES = "manage_mailboxes"
    DRAFT_POSTS = "draft_posts"
    APPROVE_POSTS = "approve_posts"
    PUBLISH_POSTS = "publish_posts"
    FINAL_SIGN_OFF = "final_sign_off"


_EVERYONE = {Capability.VIEW_DASHBOARD, Capability.DRAFT_POSTS, Capability.CHECK_EMAIL}
_TRIAGE = {Capability.TRIAGE_INBOX, Capability.VIEW_EVIDENCE}

CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.REPRESENTATIVE: frozenset(Capability),
    Role.OFFICE_MANAGER: frozenset(
        _EVERYONE
        | _TRIAGE
        | {
            Capability.VIEW_AUDIT,
            Capability.MANAGE_STAFF,
            Capability.MANAGE_ACCOUNTS,
            Capability.MANAGE_EMERGENCY,
            Capability.MANAGE_MAILBOXES,
            Capability.APPROVE_POSTS,
            Capability.PUBLISH_POSTS,
        }
    ),
    Role.COMMS_OFFICER: frozenset(_EVERYONE | _TRIAGE | {Capability.PUBLISH_POSTS}),
    Role.CASEWORKER: frozenset(_EVERYONE | _TRIAGE),
    # Volunteers draft posts and check emails they received: they never see direct messages
    # or evidence.
    Role.VOLUNTEER: frozenset(_EVERYONE),
}
