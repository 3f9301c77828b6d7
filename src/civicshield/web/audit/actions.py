"""What each audit action code means, in plain words, and which area of the office it belongs to.

The log stores codes such as ``emergency.contact.notified``: they are part of each entry's hash,
so they never change. People read the words here instead. Every code the app records must have
a line in ``ACTIONS`` (``tests/test_audit_actions.py`` collects them from the source and fails
on a missing one); a code from an old entry or a newer version still reads sensibly through
``humanise_code``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import formats, timezone

from civicshield.web.accounts.roles import Role
from civicshield.web.audit.models import AuditEntry


class Area(models.TextChoices):
    """The parts of CivicShield, named as in the menu, for filtering the log."""

    ACCESS = "access", "Sign-in and access"
    TEAM = "team", "Team"
    INBOX = "inbox", "Abuse inbox"
    EVIDENCE = "evidence", "Evidence"
    MAIL = "mail", "Mail security"
    POSTS = "posts", "Posts"
    EMERGENCY = "emergency", "Emergency"
    HABITS = "habits", "Habits"
    DATA_PROTECTION = "data-protection", "Data protection"


@dataclass(frozen=True)
class Action:
    label: str
    """What happened, in a few plain words: "Emergency contact notified"."""
    area: Area
    """Where it belongs, for the log's filter."""


def _table(area: Area, rows: dict[str, str]) -> dict[str, Action]:
    return {code: Action(label, area) for code, label in rows.items()}


ACTIONS: dict[str, Action] = {
    **_table(
        Area.ACCESS,
        {
            "accounts.signin": "Signed in",
            "accounts.signout": "Signed out",
            "accounts.signin_failed": "Sign-in refused (wrong email or password)",
            "accounts.2fa.enrolled": "Two-factor sign-in set up",
            "accounts.2fa.failed": "Wrong two-factor code entered",
            "accounts.2fa.recovery_code_used": "Signed in with a recovery code",
            "accounts.2fa.recovery_codes_replaced": "New recovery codes made",
            "accounts.2fa.reset": "Two-factor sign-in reset",
            "accounts.password.changed": "Password changed",
            "accounts.reauth": "Identity re-confirmed for a sensitive page",
            "accounts.reauth_failed": "Identity re-confirmation refused",
            "encryption.rotated": "Stored sign-in keys moved to a new encryption key",
        },
    ),
    **_table(
        Area.TEAM,
        {
            "accounts.office.created": "Office set up",
            "accounts.membership.added": "Person added to the office",
            "accounts.membership.changed": "Person's role or on-call duty changed",
            "accounts.membership.ended": "Person's access ended",
            "team.account.created": "Account added to the account list",
            "team.account.changed": "Account details changed",
            "team.invitation.sent": "Invitation sent",
            "team.invitation.accepted": "Invitation accepted",
            "team.invitation.withdrawn": "Invitation withdrawn",
            "team.member.offboarded": "Person offboarded",
            "team.review.started": "Access review started",
            "team.review.access_confirmed": "Person's access confirmed in a review",
            "team.review.completed": "Access review completed",
            "team.review.reminder_sent": "Access review reminder sent",
            "team.settings.changed": "Team settings changed",
            "team.task.opened": "Task opened",
            "team.task.done": "Task done",
            "team.task.reminder_sent": "Task reminder sent",
        },
    ),
    **_table(
        Area.INBOX,
        {
            "inbox.api.pushed": "Messages received from another tool",
            "inbox.api_token.created": "Access key for other tools created",
            "inbox.api_token.revoked": "Access key for other tools withdrawn",
            "inbox.import.started": "Message import started",
            "inbox.import.completed": "Message import finished",
            "inbox.message.assigned": "Message assigned",
            "inbox.message.corrected": "Message's rating corrected",
            "inbox.message.note_added": "Note added to a message",
            "inbox.message.state_changed": "Message status changed",
            "inbox.source.connected": "Message source connected",
            "inbox.source.disconnected": "Message source disconnected",
        },
    ),
    **_table(
        Area.EVIDENCE,
        {
            "evidence.recorded": "Evidence recorded",
            "evidence.corrected": "Evidence corrected (new version kept)",
            "evidence.screenshot.taken": "Screenshot taken",
            "evidence.screenshot.failed": "Screenshot could not be taken",
            "evidence.case.opened": "Case opened",
            "evidence.case.message_added": "Message added to a case",
            "evidence.case.status_changed": "Case status changed",
            "evidence.pack.exported": "Evidence pack downloaded",
            "evidence.platform_report.added": "Report to a platform noted",
            "evidence.platform_report.outcome": "Platform's answer to a report noted",
            "evidence.author.blocked": "Sender blocked",
            "evidence.author.muted": "Sender muted",
        },
    ),
    **_table(
        Area.MAIL,
        {
            "mailguard.email.checked": "Email checked for phishing",
            "mailguard.email.reported_to_ncsc": "Email reported to the NCSC",
            "mailguard.contact.added": "Trusted contact added",
            "mailguard.contact.deleted": "Trusted contact removed",
            "mailguard.contacts.imported": "Trusted contacts imported",
            "mailguard.domains.updated": "Office email domains changed",
            "mailguard.mailbox.connected": "Mailbox connected",
            "mailguard.mailbox.connect_failed": "Mailbox could not be connected",
            "mailguard.mailbox.disconnected": "Mailbox disconnected",
            "mailguard.mailbox.sign_in_expired": "Mailbox sign-in expired",
            "mailguard.mailbox.token_refresh_failed": "Mailbox sign-in could not be renewed",
            "mailguard.mailbox.flagged": "Suspicious emails found in a mailbox",
            "mailguard.mailbox.watch_restarted": "Checking of new email started again",
            "mailguard.mailbox.watch_mail_off": "Checking of new email turned off",
            "mailguard.forwarding_audit.requested": "Mailbox forwarding check asked for",
            "mailguard.forwarding_audit.ran": "Mailbox forwarding checked",
            "mailguard.forwarding_alert.sent": "Forwarding alert sent",
        },
    ),
    **_table(
        Area.POSTS,
        {
            "publishing.paused": "All publishing paused",
            "publishing.resumed": "Publishing resumed",
            "publishing.checks.changed": "Pre-publishing checks changed",
            "publishing.account.connect_started": "Social media account connection started",
            "publishing.account.connected": "Social media account connected",
            "publishing.account.disconnected": "Social media account disconnected",
            "publishing.account.app_password_replaced": "Bluesky app password replaced",
            "publishing.account.access_changed": "Who may post from an account changed",
            "publishing.account.policy_changed": "Approval rules for an account changed",
            "publishing.account.used": "Social media account used to publish",
            "publishing.draft.created": "Draft post written",
            "publishing.draft.edited": "Draft post edited",
            "publishing.draft.commented": "Comment on a draft post",
            "publishing.draft.image_added": "Image added to a draft post",
            "publishing.draft.image_described": "Image description changed",
            "publishing.draft.image_removed": "Image removed from a draft post",
            "publishing.draft.submitted": "Draft post sent for approval",
            "publishing.draft.approved": "Draft post approved",
            "publishing.draft.fully_approved": "Draft post has every approval it needs",
            "publishing.draft.rejected": "Post sent back to its author",
            "publishing.draft.sent_back": "Draft post sent back for approval again",
            "publishing.draft.withdrawn": "Draft post withdrawn",
            "publishing.draft.check_overridden": "Pre-publishing check overridden",
            "publishing.draft.scheduled": "Post scheduled",
            "publishing.draft.unscheduled": "Post taken off the schedule",
            "publishing.draft.publish_started": "Publishing started",
            "publishing.draft.published": "Post published",
            "publishing.draft.publish_failed": "Post could not be published",
            "publishing.draft.post_edited": "Published post edited",
            "publishing.draft.post_deleted": "Published post deleted",
        },
    ),
    **_table(
        Area.EMERGENCY,
        {
            "emergency.plan.created": "Emergency plan created",
            "emergency.plan.changed": "Emergency plan notes changed",
            "emergency.playbook.changed": "Emergency checklist changed",
            "emergency.contact.added": "Emergency contact added",
            "emergency.contact.changed": "Emergency contact changed",
            "emergency.contact.removed": "Emergency contact removed",
            "emergency.incident.opened": "Incident mode started",
            "emergency.incident.drill": "Practice drill: nothing paused, nobody emailed",
            "emergency.incident.note": "Note added to the incident",
            "emergency.incident.forwarding_audit": "Mailbox forwarding check started",
            "emergency.incident.closed": "Incident closed, with a review",
            "emergency.publishing.paused": "Scheduled posts paused for the incident",
            "emergency.publishing.resumed": "Scheduled posts resumed after the incident",
            "emergency.contacts.queued": "Emergency contacts to be emailed",
            "emergency.contact.notified": "Emergency contact notified",
            "emergency.step.done": "Checklist step done",
            "emergency.step.undone": "Checklist step marked not done",
        },
    ),
    **_table(
        Area.HABITS,
        {
            "habits.assessment.started": "Security self-check started",
            "habits.assessment.answered": "Security self-check answered",
            "habits.assessment.completed": "Security self-check completed",
            "habits.assessment.reminder_sent": "Security self-check reminder sent",
            "habits.checkin_hours.changed": "Office hours for alerts changed",
            "habits.exposure.audited": "Old posts checked for personal details",
            "habits.impersonation.checked": "Followers checked for impersonators",
        },
    ),
    **_table(
        Area.DATA_PROTECTION,
        {
            "dataprotection.retention.changed": "How long data is kept changed",
            "dataprotection.purged": "Old data deleted on schedule",
            "dataprotection.hold.placed": "Data kept on hold",
            "dataprotection.hold.lifted": "Hold on data lifted",
            "dataprotection.author.exported": "Sender's data downloaded (subject access)",
            "dataprotection.author.erased": "Sender's data erased",
            "dataprotection.user.exported": "Staff member's data downloaded (subject access)",
            "audit.purged": "Old audit log entries deleted on schedule",
        },
    ),
}

# Where a code nobody has named yet goes, by its first part: old entries, newer versions.
_NAMESPACE_AREAS: dict[str, Area] = {
    "accounts": Area.ACCESS,
    "encryption": Area.ACCESS,
    "team": Area.TEAM,
    "inbox": Area.INBOX,
    "evidence": Area.EVIDENCE,
    "mailguard": Area.MAIL,
    "publishing": Area.POSTS,
    "emergency": Area.EMERGENCY,
    "habits": Area.HABITS,
    "dataprotection": Area.DATA_PROTECTION,
    "audit": Area.DATA_PROTECTION,
}

UNNAMED = "Unnamed action"


def humanise_code(code: str) -> str:
    """Best-effort words for a code with no entry: ``publishing.draft.teleported`` → "Draft teleported"."""
    parts = [p for p in code.replace("_", " ").split(".") if p.strip()]
    if len(parts) > 1 and parts[0].strip() in _NAMESPACE_AREAS:
        parts = parts[1:]
    text = " ".join(" ".join(p.split()) for p in parts)
    return text[:1].upper() + text[1:] if text else UNNAMED


def action_label(code: str) -> str:
    action = ACTIONS.get(code)
    return action.label if action is not None else humanise_code(code)


def action_area(code: str) -> Area | None:
    action = ACTIONS.get(code)
    if action is not None:
        return action.area
    return _NAMESPACE_AREAS.get(code.split(".", 1)[0])


def area_for_prefix(prefix: str) -> Area | None:
    """The area an old ``?action=`` filter meant, when it named one whole part: "dataprotection"."""
    namespace = prefix.removesuffix(".")
    area = _NAMESPACE_AREAS.get(namespace)
    if area is None:
        return None
    named = {a.area for code, a in ACTIONS.items() if code.startswith(f"{namespace}.")}
    return area if named <= {area} else None


def area_q(area: Area | str) -> Q:
    """Entries in ``area``: its named codes, and unnamed codes whose first part belongs to it."""
    area = Area(area)
    named = [code for code, action in ACTIONS.items() if action.area == area]
    unnamed = Q()
    for namespace, where in _NAMESPACE_AREAS.items():
        if where == area:
            unnamed |= Q(action__startswith=f"{namespace}.")
    query = Q(action__in=named)
    if unnamed:
        query |= unnamed & ~Q(action__in=list(ACTIONS))
    return query


# --- details ------------------------------------------------------------------------------------

# Keys whose plain name is not just the key with spaces ("what_happened" → "What happened").
DETAIL_LABELS: dict[str, str] = {
    "drill": "Practice drill",
    "demo": "Demonstration account",
    "url": "Link",
    "platform_id": "Post's ID on the platform",
    "key": "Attempt reference",
    "rag": "Rating",
    "sha256": "SHA-256 fingerprint",
    "manifest_sha256": "Pack contents SHA-256 fingerprint",
    "last_removed_hash": "Fingerprint of the last entry removed",
    "removed_from": "Removed from entry",
    "removed_to": "Removed up to entry",
    "older_than_days": "Older than (days)",
    "watch_mail": "Check new email for phishing",
    "to": "Sent to",
    "ip": "IP address",
    "user_agent": "Browser",
}

# Keys whose values are short codes from a fixed list ("hacked_account"): shown with spaces.
_CODE_VALUED = {"kind", "state", "previous_state", "status", "verdict", "outcome", "source"}

_ROLE_LABELS: dict[str, str] = dict(Role.choices)

_CODE = re.compile(r"[a-z]+(?:_[a-z]+)+")
_ISO_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)


def detail_label(key: str) -> str:
    if key in DETAIL_LABELS:
        return DETAIL_LABELS[key]
    words = key.removesuffix("_ids").removesuffix("_id")
    text = " ".join(words.replace("_", " ").split()) or key
    return text[:1].upper() + text[1:]


def _date(value: str) -> str:
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if len(value) == 10:
        return formats.date_format(when.date(), "j M Y")
    if timezone.is_aware(when):
        when = timezone.localtime(when)
    return formats.date_format(when, "j M Y H:i")


def detail_value(value: Any, *, key: str = "") -> str:
    """One stored detail value in words: Yes/No, lists joined, record numbers as #12."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if value is None or value == "" or value == [] or value == {}:
        return "none"
    if isinstance(value, int) and (key.endswith("_id") or key.endswith("_ids")):
        return f"#{value}"
    if isinstance(value, list | tuple):
        return ", ".join(
            f"#{v}" if isinstance(v, int) and not isinstance(v, bool) else detail_value(v, key=key)
            for v in value
        )
    if isinstance(value, dict):
        return "; ".join(
            f"{detail_label(str(k))}: {detail_value(v, key=str(k))}" for k, v in value.items()
        )
    if key == "role" or key.endswith(("_role", "_roles")):
        return _ROLE_LABELS.get(str(value), str(value))
    if key in _CODE_VALUED and isinstance(value, str) and _CODE.fullmatch(value):
        return value.replace("_", " ")
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return _date(value)
    return str(value)


def describe_details(details: Any) -> list[tuple[str, str]]:
    """(label, value) pairs in words for an entry's stored details. Never raises."""
    if not isinstance(details, dict):
        return [] if details in (None, "", [], {}) else [("Details", detail_value(details))]
    return [(detail_label(str(k)), detail_value(v, key=str(k))) for k, v in details.items()]


@dataclass(frozen=True)
class LogRow:
    """One entry as the page shows it: the stored entry plus its plain words."""

    entry: AuditEntry
    label: str
    area: str
    details: list[tuple[str, str]]

    @classmethod
    def of(cls, entry: AuditEntry) -> LogRow:
        area = action_area(entry.action)
        return cls(
            entry=entry,
            label=action_label(entry.action),
            area=area.label if area is not None else "",
            details=describe_details(entry.details),
        )
