"""Find forwarding in Gmail: forwarding addresses, automatic forwarding, and filters that forward.

Shapes, as documented for the Gmail API v1:

- ``users.settings.forwardingAddresses.list``: ``{"forwardingAddresses": [{"forwardingEmail",
  "verificationStatus": "accepted" | "pending" | ...}]}``;
- ``users.settings.getAutoForwarding``: ``{"enabled", "emailAddress", "disposition":
  "leaveInInbox" | "archive" | "trash" | "markRead" | "dispositionUnspecified"}``;
- ``users.settings.filters.list``: ``{"filter": [{"id", "criteria": {...}, "action":
  {"addLabelIds", "removeLabelIds", "forward"}}]}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from civicshield.core.forwarding.findings import (
    ForwardingAudit,
    ForwardingFinding,
    describe,
    is_internal,
)

SOURCE = "gmail"

_DISPOSITION = {
    "leaveInInbox": "and leaves it in the inbox",
    "markRead": "and marks it as read, so nobody notices new mail",
    "archive": "and archives it, so it disappears from the inbox",
    "trash": "and moves it to the bin, so nobody in the office sees it",
}


def analyse_gmail(
    mailbox: str,
    *,
    forwarding_addresses: Mapping[str, Any],
    auto_forwarding: Mapping[str, Any],
    filters: Mapping[str, Any],
    office_domains: Iterable[str],
) -> ForwardingAudit:
    """Audit the three Gmail settings documents of one mailbox."""
    domains = tuple(office_domains)
    findings: list[ForwardingFinding] = []
    checked: list[str] = ["automatic forwarding setting"]

    def add(
        *, rule: str, target: str, kind: str, where: str, action: str, active: bool, extra: str = ""
    ) -> None:
        external = not is_internal(target, domains)
        detail = describe(
            where=where, action=action, target=target, external=external, active=active, extra=extra
        )
        findings.append(
            ForwardingFinding(SOURCE, mailbox, rule, target, external, detail, kind, active)
        )

    forwarded_to: set[str] = set()
    if auto_forwarding.get("enabled") is True and auto_forwarding.get("emailAddress"):
        target = str(auto_forwarding["emailAddress"])
        forwarded_to.add(target.lower())
        disposition = _DISPOSITION.get(str(auto_forwarding.get("disposition")), "")
        add(
            rule="automatic forwarding",
            target=target,
            kind="auto_forwarding",
            where=f"Gmail's automatic forwarding in the mailbox {mailbox}",
            action=f"forwards every email {disposition}".rstrip() + " to",
            active=True,
        )

    for item in filters.get("filter") or []:
        if not isinstance(item, dict):
            continue
        name = f"filter {item.get('id', '?')}"
        checked.append(name)
        forward = (item.get("action") or {}).get("forward")
        if not isinstance(forward, str) or not forward:
            continue
        target = forward
        forwarded_to.add(target.lower())
        criteria = item.get("criteria") or {}
        shown = ", ".join(f"{k}: {v}" for k, v in sorted(criteria.items()) if v)
        add(
            rule=name,
            target=target,
            kind="forward",
            where=f"A Gmail filter in the mailbox {mailbox}",
            action="forwards the emails it matches"
            + (f" ({shown})" if shown else " (every email)")
            + " to",
            active=True,
        )

    # A verified forwarding address is Gmail's permission to forward there; on its own it sends
    # nothing, but an attacker sets one up first. Addresses already reported above are skipped.
    for item in forwarding_addresses.get("forwardingAddresses") or []:
        if not isinstance(item, dict) or not item.get("forwardingEmail"):
            continue
        target = str(item["forwardingEmail"])
        checked.append(f"forwarding address {target}")
        if target.lower() in forwarded_to:
            continue
        status = item.get("verificationStatus")
        add(
            rule="forwarding address",
            target=target,
            kind="forwarding_address",
            where=f"The mailbox {mailbox} has Gmail permission to forward",
            action="email to" if status == "accepted" else "email (not yet confirmed) to",
            active=status == "accepted",
            extra="No email is forwarded there yet, but one click or one filter would start it.",
        )
    return ForwardingAudit(SOURCE, mailbox, tuple(findings), tuple(checked))
