"""The forwarding audit of one mailbox, its record, and the alert to the office's managers.

Every run is stored and written to the audit log, whatever its outcome, so the office can show
the check was done. Forwarding to an address outside the office's own domains raises an alert
email to the representative and the office managers.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from civicshield.connectors import oauth
from civicshield.connectors.base import ConnectorError
from civicshield.core.forwarding import HACKED_ADVICE, ForwardingAudit
from civicshield.web.accounts.models import Membership
from civicshield.web.accounts.roles import Role
from civicshield.web.audit import services as audit
from civicshield.web.jobs import services as jobs
from civicshield.web.mailguard import connection
from civicshield.web.mailguard.models import ForwardingAuditRun, WatchedMailbox
from civicshield.web.mailguard.signin import mailbox_access_token

ERROR_NO_SIEVE = (
    "This mailbox has no filter server (ManageSieve port) set, so its filters could not be "
    "read. Add the ManageSieve port, or ask your email provider where filters are kept."
)
ERROR_DISCONNECTED = "This mailbox is disconnected (no password or sign-in is stored)."
ERROR_UNEXPECTED = "The check stopped unexpectedly ({kind}). It will run again at the next check."
EMERGENCY_ADVICE = (
    "Treat this as a possible hacked account until you know who set it up: follow your "
    "emergency plan (change the password, sign out every session, turn on two-step sign-in, "
    "remove the rule) and tell whoever looks after your IT."
)
ALERT_ROLES = (Role.REPRESENTATIVE, Role.OFFICE_MANAGER)
EXCHANGE_NOT_CONFIGURED = (
    "Mailbox-wide forwarding (Outlook on the web: Settings, Forwarding) was not checked for "
    "{mailbox}: this CivicShield server has no Exchange Online connection, and signing in "
    "cannot read that setting. Your IT administrator must register an app with the "
    "'Exchange.ManageAsApp' permission and the 'View-Only Recipients' role, and set "
    'CIVICSHIELD_EXCHANGE_APP_TENANT on the CivicShield server (README, "Connecting '
    'Microsoft 365").'
)
# App-only Exchange Online tokens, shared by every check this process runs (about an hour each).
EXCHANGE_APP_TOKENS = oauth.AppTokenCache()


def _audit_imap(mailbox: WatchedMailbox, domains: list[str]) -> ForwardingAudit:
    from civicshield.connectors.managesieve import audit_sieve

    if not mailbox.sieve_port:
        raise ConnectorError(ERROR_NO_SIEVE, retryable=False)
    sieve = connection.sieve_settings(
        mailbox.settings,
        address=mailbox.address,
        password=mailbox.password,
        port=mailbox.sieve_port,
    )
    return audit_sieve(sieve, mailbox.address or sieve.username, domains)


def exchange_app_provider() -> oauth.Provider | None:
    """The organisation-level Exchange Online app, or None when this server has none set up."""
    if not (
        settings.EXCHANGE_APP_TENANT
        and settings.EXCHANGE_APP_CLIENT_ID
        and settings.EXCHANGE_APP_CLIENT_SECRET
    ):
        return None
    return oauth.exchange_app(
        settings.EXCHANGE_APP_CLIENT_ID,
        settings.EXCHANGE_APP_CLIENT_SECRET,
        tenant=settings.EXCHANGE_APP_TENANT,
        login_url=settings.MICROSOFT_LOGIN_URL,
    )


def _audit_microsoft365(mailbox: WatchedMailbox, domains: list[str]) -> ForwardingAudit:
    from civicshield.connectors.graph import ExchangeAdminClient, GraphClient, audit_microsoft365

    token = mailbox_access_token(mailbox)
    graph = GraphClient(token, base_url=settings.MICROSOFT_GRAPH_URL)
    exchange: ExchangeAdminClient | None = None
    not_checked = ""
    # A mailbox connected (before sign-in existed) with a pasted Exchange-capable token keeps
    # its tenant id and uses that token.
    tenant = mailbox.settings.get("tenant_id", "")
    provider = exchange_app_provider()
    if tenant:
        exchange = ExchangeAdminClient(token, tenant, base_url=settings.EXCHANGE_ADMIN_URL)
    elif provider is not None and mailbox.oauth_refresh_token:
        # Only for a signed-in mailbox: its address is the one Microsoft itself reported at
        # sign-in (/me), so an office cannot point the organisation's app at a mailbox it did
        # not sign in to. Exchange answers for the tenant's own mailboxes only; any other is a
        # plain "not in the organisation" problem.
        app = provider
        exchange = ExchangeAdminClient(
            lambda: EXCHANGE_APP_TOKENS.access_token(app),
            settings.EXCHANGE_APP_TENANT,
            base_url=settings.EXCHANGE_ADMIN_URL,
            on_refused=lambda: EXCHANGE_APP_TOKENS.forget(app),
        )
    else:
        not_checked = EXCHANGE_NOT_CONFIGURED.format(mailbox=mailbox.address)
    return audit_microsoft365(
        mailbox.address, domains, graph=graph, exchange=exchange, not_checked=not_checked
    )


def _audit_gmail(mailbox: WatchedMailbox, domains: list[str]) -> ForwardingAudit:
    from civicshield.connectors.gmail import GmailClient, audit_gmail

    client = GmailClient(mailbox_access_token(mailbox), base_url=settings.GMAIL_API_URL)
    return audit_gmail(mailbox.address, domains, client=client)


AUDITORS = {
    WatchedMailbox.Kind.IMAP: _audit_imap,
    WatchedMailbox.Kind.MICROSOFT365: _audit_microsoft365,
    WatchedMailbox.Kind.GMAIL: _audit_gmail,
}


def _finding_json(finding: Any) -> dict[str, Any]:
    data = asdict(finding)
    data["alert"] = finding.alert
    return data


def forwarding_audit_run(
    mailbox: WatchedMailbox, *, requested_by: Membership | None = None
) -> ForwardingAuditRun:
    """Audit one mailbox for forwarding, store the run, log it, and queue an alert if needed.

    Never raises for a failed check: a failure is a run too (status ``failed``), and it is
    logged like any other, because "the check could not look" is what the office must see.
    """
    started = timezone.now()
    domains = list(mailbox.office.own_domains or [])
    result: ForwardingAudit | None = None
    error = ""
    has_secret = bool(mailbox.password or mailbox.oauth_token or mailbox.oauth_refresh_token)
    # An expired sign-in keeps no token, yet must say "Sign-in expired", not "disconnected".
    if not has_secret and mailbox.sign_in_expired_at is None:
        error = ERROR_DISCONNECTED
    else:
        try:
            result = AUDITORS[WatchedMailbox.Kind(mailbox.kind)](mailbox, domains)
        except ConnectorError as exc:
            error = str(exc)
        except Exception as exc:  # noqa: BLE001 - any failure becomes a failed run in the log
            error = ERROR_UNEXPECTED.format(kind=type(exc).__name__)
    if result is None:
        status = ForwardingAuditRun.Status.FAILED
    elif result.alerts:
        status = ForwardingAuditRun.Status.FOUND
    else:
        status = ForwardingAuditRun.Status.OK
    with transaction.atomic():
        run = ForwardingAuditRun.objects.create(
            office=mailbox.office,
            mailbox=mailbox,
            started=started,
            finished=timezone.now(),
            status=status,
            findings=[_finding_json(f) for f in result.findings] if result else [],
            checked=list(result.checked) if result else [],
            problems=list(result.problems) if result else [],
            summary=result.summary if result else "",
            error=error[:2000],
            requested_by=requested_by,
        )
        WatchedMailbox.objects.filter(pk=mailbox.pk).update(
            last_error=error[:1000] if error else ""
        )
        audit.record(
            action="mailguard.forwarding_audit.ran",
            office=mailbox.office,
            actor=requested_by.user if requested_by else None,
            actor_label="" if requested_by else "scheduled check",
            target=mailbox,
            details={
                "run": run.pk,
                "status": status,
                "source": result.source if result else mailbox.kind,
                "checked": len(run.checked),
                "forwarding_rules": len(run.findings),
                "outside_office": [f["target"] for f in run.alerts],
                "error": error[:300],
            },
        )
        if status == ForwardingAuditRun.Status.FOUND:
            jobs.enqueue("mailguard.send_forwarding_alert", office=mailbox.office, run_id=run.pk)
    return run


def alert_recipients(run: ForwardingAuditRun) -> list[str]:
    return [
        m.user.email
        for m in Membership.objects.select_related("user").filter(
            office=run.office, is_active=True, role__in=ALERT_ROLES
        )
    ]


def alert_text(run: ForwardingAuditRun) -> tuple[str, str]:
    mailbox = run.mailbox
    who = mailbox.address or mailbox.name
    alerts = run.alerts
    subject = f"URGENT: {who} is forwarding email outside the office"
    lines = [
        f"CivicShield's forwarding check of the mailbox {who} ({mailbox.name}) found "
        f"{len(alerts)} rule(s) sending email to an address outside {run.office.name}.",
        "",
    ]
    for finding in alerts:
        rule = f"'{finding['rule_name']}'" if finding.get("rule_name") else "(no name)"
        lines += [
            f"- Rule: {rule}",
            f"  Sends to: {finding['target']}",
            f"  What it does: {finding['detail']}",
            "",
        ]
    lines += [
        "What to do now:",
        "1. Ask the office whether anyone set this up on purpose. Do not use email to ask: "
        "phone or speak in person.",
        f"2. If nobody did: {EMERGENCY_ADVICE}",
        f"3. {HACKED_ADVICE}",
        "",
        "See this check and the history of earlier checks in CivicShield: "
        + settings.SITE_URL
        + reverse("mailguard:forwarding", kwargs={"pk": mailbox.pk}),
    ]
    return subject, "\n".join(lines)


def forwarding_alert_send(run: ForwardingAuditRun) -> bool:
    """Email the alert for one run to the representative and managers, once. True if sent."""
    with transaction.atomic():
        locked = ForwardingAuditRun.objects.select_for_update().get(pk=run.pk)
        if locked.alert_sent_at is not None or locked.status != ForwardingAuditRun.Status.FOUND:
            return False  # already sent: a retried job must not send it twice
        recipients = alert_recipients(locked)
        if not recipients:
            return False
        subject, body = alert_text(locked)
        EmailMessage(subject=subject, body=body, to=recipients).send(fail_silently=False)
        locked.alert_sent_at = timezone.now()
        locked.save(update_fields=["alert_sent_at"])
        audit.record(
            action="mailguard.forwarding_alert.sent",
            office=locked.office,
            actor_label="forwarding check",
            target=locked.mailbox,
            details={"run": locked.pk, "to": recipients},
        )
    return True
