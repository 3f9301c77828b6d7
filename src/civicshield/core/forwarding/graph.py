"""Find forwarding in Microsoft 365: Outlook inbox rules (Microsoft Graph) and the mailbox's own
forwarding setting (Exchange Online).

Shapes, as documented:

- ``GET /users/{id}/mailFolders/inbox/messageRules`` returns ``{"value": [messageRule, ...]}``;
  a messageRule has ``displayName``, ``isEnabled`` and ``actions`` whose ``forwardTo``,
  ``forwardAsAttachmentTo`` and ``redirectTo`` are lists of
  ``{"emailAddress": {"name": ..., "address": ...}}`` (messageRuleActions, Graph v1.0).
- Mailbox forwarding is not in Graph's user resource; Exchange Online's ``Get-Mailbox`` reports
  ``ForwardingSmtpAddress`` (``"smtp:someone@example.org"``), ``ForwardingAddress`` (a recipient
  inside the organisation) and ``DeliverToMailboxAndForward``. The analyser takes that object
  (or ``{"value": [object]}`` as the Exchange admin API wraps it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from civicshield.core.forwarding.findings import (
    ForwardingAudit,
    ForwardingFinding,
    clean_address,
    describe,
    is_internal,
)

RULES_SOURCE = "microsoft365"
MAILBOX_SOURCE = "exchange"

_ACTIONS = {
    "forwardTo": ("forward", "forwards every email it catches to"),
    "forwardAsAttachmentTo": (
        "forward_as_attachment",
        "forwards every email it catches, as an attachment, to",
    ),
    "redirectTo": ("redirect", "redirects every email it catches (as if sent directly) to"),
}


def _recipients(value: object) -> list[str]:
    """Addresses from a Graph recipient collection (a single recipient is accepted too)."""
    items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    found = []
    for item in items:
        if isinstance(item, dict):
            address = (item.get("emailAddress") or {}).get("address")
            if isinstance(address, str) and address.strip():
                found.append(address.strip())
    return found


def _conditions(rule: Mapping[str, Any]) -> str:
    conditions = rule.get("conditions") or {}
    if not isinstance(conditions, dict) or not any(conditions.values()):
        return ""
    names = ", ".join(sorted(k for k, v in conditions.items() if v))
    return f"It applies only to emails matching its conditions ({names})."


def analyse_graph_rules(
    mailbox: str, document: Mapping[str, Any], office_domains: Iterable[str]
) -> ForwardingAudit:
    """Audit a messageRules list response (``{"value": [...]}``) for forwarding actions."""
    domains = tuple(office_domains)
    rules = document.get("value")
    if not isinstance(rules, list):
        raise ValueError("not a Microsoft Graph messageRules list: 'value' is missing")
    findings: list[ForwardingFinding] = []
    checked: list[str] = []
    for rule in rules:
        if not isinstance(rule, dict):
            continue
        name = str(rule.get("displayName") or "(no name)")
        enabled = rule.get("isEnabled") is not False
        checked.append(f"inbox rule '{name}' ({'on' if enabled else 'off'})")
        actions = rule.get("actions") or {}
        for key, (kind, action) in _ACTIONS.items():
            for target in _recipients(actions.get(key)):
                external = not is_internal(target, domains)
                findings.append(
                    ForwardingFinding(
                        source=RULES_SOURCE,
                        mailbox=mailbox,
                        rule_name=name,
                        target=target,
                        external=external,
                        detail=describe(
                            where=f"An Outlook inbox rule named '{name}' in the mailbox {mailbox}",
                            action=action,
                            target=target,
                            external=external,
                            active=enabled,
                            extra=_conditions(rule),
                        ),
                        kind=kind,
                        active=enabled,
                    )
                )
    return ForwardingAudit(RULES_SOURCE, mailbox, tuple(findings), tuple(checked))


def analyse_exchange_mailbox(
    mailbox: str, document: Mapping[str, Any], office_domains: Iterable[str]
) -> ForwardingAudit:
    """Audit Exchange Online's mailbox forwarding setting (Get-Mailbox's forwarding fields)."""
    domains = tuple(office_domains)
    value = document.get("value")
    record = value[0] if isinstance(value, list) and value else document
    if not isinstance(record, dict):
        raise ValueError("not an Exchange mailbox record")
    keeps = record.get("DeliverToMailboxAndForward") is True
    copy = "a copy of every email" if keeps else "every email (keeping no copy in the mailbox)"
    findings: list[ForwardingFinding] = []
    for field_name, label in (
        ("ForwardingSmtpAddress", "forwarding address"),
        ("ForwardingAddress", "forwarding recipient"),
    ):
        raw = record.get(field_name)
        if not isinstance(raw, str) or not raw.strip():
            continue
        target = clean_address(raw)
        # ForwardingAddress names a recipient object inside the organisation (often not an
        # address at all); it can still point at a mail contact outside, so judge it if it
        # looks like an address and treat it as internal otherwise.
        external = not is_internal(target, domains) if "@" in target else False
        findings.append(
            ForwardingFinding(
                source=MAILBOX_SOURCE,
                mailbox=mailbox,
                rule_name=f"mailbox {label}",
                target=target,
                external=external,
                detail=describe(
                    where=f"The mailbox {mailbox} has a {label} set in Microsoft 365 that",
                    action=f"sends {copy} to",
                    target=target,
                    external=external,
                    active=True,
                ),
                kind="mailbox_forwarding",
            )
        )
    return ForwardingAudit(
        MAILBOX_SOURCE, mailbox, tuple(findings), ("mailbox forwarding setting",)
    )
