"""Reading mail security data: always through the member's office (other offices get 404)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from civicshield.web.accounts.models import Membership, Office
from civicshield.web.accounts.roles import Capability
from civicshield.web.mailguard.models import (
    ForwardingAuditRun,
    ScannedEmail,
    SeenDomain,
    TrustedContact,
    Verdict,
    WatchedMailbox,
)

FLAGGED = (Verdict.PHISHING, Verdict.SUSPICIOUS)


def scanned_list_for_member(*, member: Membership) -> QuerySet[ScannedEmail]:
    """Emails this member may see: the ones they checked; managers see every one of the office."""
    rows = ScannedEmail.objects.filter(office=member.office).defer("raw")
    if not member.can(Capability.MANAGE_MAILBOXES):
        rows = rows.filter(scanned_by=member)
    return rows.select_related("mailbox").order_by("-scanned_at")


def scanned_get_for_member(*, member: Membership, pk: int) -> ScannedEmail:
    return get_object_or_404(scanned_list_for_member(member=member).defer(None), pk=pk)


def contact_get_for_member(*, member: Membership, pk: int) -> TrustedContact:
    return get_object_or_404(TrustedContact, office=member.office, pk=pk)


def mailbox_get_for_member(*, member: Membership, pk: int) -> WatchedMailbox:
    return get_object_or_404(WatchedMailbox, office=member.office, pk=pk)


def contacts_named_in(
    *, member: Membership, findings: list[dict[str, Any]]
) -> list[TrustedContact]:
    """Contacts a finding mentions by name: their known phone number is how to check."""
    text = " ".join(str(f.get("detail", "")) for f in findings)
    if not text:
        return []
    return [
        c
        for c in TrustedContact.objects.filter(office=member.office).exclude(phone="")
        if c.name and c.name in text
    ][:5]


def mailbox_list_for_member(*, member: Membership) -> list[dict[str, Any]]:
    """Each mailbox with counts by verdict, recent flagged emails and its last forwarding check."""
    mailboxes = WatchedMailbox.objects.filter(office=member.office).annotate(
        n_phishing=Count("scanned", filter=Q(scanned__verdict=Verdict.PHISHING)),
        n_suspicious=Count("scanned", filter=Q(scanned__verdict=Verdict.SUSPICIOUS)),
        n_clean=Count("scanned", filter=Q(scanned__verdict=Verdict.CLEAN)),
        n_unreadable=Count("scanned", filter=Q(scanned__verdict=Verdict.UNREADABLE)),
    )
    rows = []
    for mailbox in mailboxes.order_by("-enabled", "name"):
        rows.append(
            {
                "mailbox": mailbox,
                "flagged": list(
                    ScannedEmail.objects.filter(mailbox=mailbox, verdict__in=FLAGGED)
                    .defer("raw")
                    .order_by("-scanned_at")[:5]
                ),
                "last_audit": ForwardingAuditRun.objects.filter(mailbox=mailbox)
                .order_by("-started")
                .first(),
            }
        )
    return rows


def audit_runs_for_member(
    *, member: Membership, mailbox: WatchedMailbox | None = None
) -> QuerySet[ForwardingAuditRun]:
    runs = ForwardingAuditRun.objects.filter(office=member.office)
    if mailbox is not None:
        runs = runs.filter(mailbox=mailbox)
    return runs.select_related("mailbox", "requested_by__user").order_by("-started")


def dashboard_stats(*, member: Membership) -> dict[str, Any]:
    """For the dashboard: mailboxes with problems and the latest forwarding check result."""
    office = member.office
    mailboxes = list(WatchedMailbox.objects.filter(office=office, enabled=True))
    latest = []
    for mailbox in mailboxes:
        run = ForwardingAuditRun.objects.filter(mailbox=mailbox).order_by("-started").first()
        latest.append((mailbox, run))
    return {
        "mailboxes": len(mailboxes),
        "problems": [m for m in mailboxes if m.last_error],
        "audits": latest,
        "found": [(m, r) for m, r in latest if r and r.status == ForwardingAuditRun.Status.FOUND],
        "never_checked": [m for m, r in latest if r is None],
    }


def seen_domain_summary(*, office: Office) -> dict[str, Any]:
    """What the office has learnt of the websites it deals with, for the domains page."""
    from civicshield.web.mailguard.services import SEEN_DOMAINS_LEARNING

    clean = ScannedEmail.objects.filter(office=office, verdict="clean").count()
    top = SeenDomain.objects.filter(office=office).order_by("-messages", "domain")
    return {
        "domains": top.count(),
        "top": list(top.values_list("domain", flat=True)[:10]),
        "clean": clean,
        "needed": SEEN_DOMAINS_LEARNING,
        "learning": clean < SEEN_DOMAINS_LEARNING,
    }
