"""Mail security services: check an email, report it to the NCSC, trusted contacts, own
domains, connect (IMAP) and disconnect mailboxes, ask for a forwarding check. Signing in to
Microsoft 365 and Google is in ``signin.py``.

Each takes the acting member, checks the role, changes, and records in the audit log in one
transaction. The watcher and the forwarding audit (run by jobs) are in ``watcher.py`` and
``forwarding.py``.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import hashlib
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage as StdEmailMessage
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from civicshield.core.mail import (
    NCSC_REPORT_ADDRESS,
    MailParseError,
    TrustedDirectory,
    analyse,
    build_ncsc_report,
)
from civicshield.web.accounts.models import Membership, Office
from civicshield.web.accounts.roles import Capability
from civicshield.web.audit import services as audit
from civicshield.web.jobs import services as jobs
from civicshield.web.mailguard import connection, contacts_file
from civicshield.web.mailguard.models import (
    ScannedEmail,
    SeenDomain,
    TrustedContact,
    Verdict,
    WatchedMailbox,
)

MAX_CHECK_BYTES = 5 * 1024 * 1024
"""Largest email the check page takes (pasted or uploaded); attachments make up most of it."""
RAW_KEEP_DAYS = 30
"""How long the original of a checked email is kept, so it can be reported to the NCSC."""
MAX_CONTACTS_FILE_BYTES = 5 * 1024 * 1024
SEEN_DOMAINS_LEARNING = 200
"""Clean emails the office must have had before "never seen before" links are pointed out: until
then every website would be new."""

ERROR_NOT_ALLOWED = "Your role in this office does not allow this."
ERROR_TOO_BIG = (
    f"The email is larger than {MAX_CHECK_BYTES // (1024 * 1024)} MB. Save it without its "
    "attachments, or forward it to the office mailbox CivicShield watches."
)
ERROR_UNREADABLE = (
    "CivicShield could not read this as an email: {reason}. Copy the whole original message "
    "(in Outlook: File, Properties, Internet headers and the body; in Gmail: 'Show original'), "
    "or save it as a .eml file and upload that."
)
ERROR_MSG_UNREADABLE = (
    "This Outlook .msg file could not be read. Save the email again, or use 'Save as' .eml."
)
ERROR_NOTHING_GIVEN = "Paste the email's full source, or choose a .eml or .msg file."
ERROR_ALREADY_REPORTED = "This email was already reported to the NCSC on {when}."
ERROR_RAW_GONE = (
    f"The original of this email was deleted after {RAW_KEEP_DAYS} days, so it can no longer be "
    "reported from here. Forward it from your mail program to " + NCSC_REPORT_ADDRESS + "."
)
ERROR_BAD_DOMAIN = "'{domain}' is not a domain name (for example parliament.uk)."
ERROR_CONTACTS_TOO_BIG = "The address book file is larger than 5 MB. Split it into smaller files."

_DOMAIN = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")


class NotAllowed(PermissionDenied):
    pass


def require(member: Membership, capability: Capability) -> None:
    """Raise ``NotAllowed`` unless ``member``'s role has ``capability``."""
    if not member.can(capability):
        raise NotAllowed(ERROR_NOT_ALLOWED)


def office_trusted_directory(office: Office) -> TrustedDirectory:
    """The office's trusted contacts, its own team and own domains, as the phishing checks want
    them.

    The team is included without being typed in: the representative and colleagues are the
    people a spear-phisher most often pretends to be ("Jane Smith MP" writing from a Gmail
    address to ask for an urgent payment). A colleague who also writes from another address is
    added to the trusted contacts under the same name."""
    pairs = list(TrustedContact.objects.filter(office=office).values_list("name", "email"))
    team = Membership.objects.filter(office=office, is_active=True).exclude(user__full_name="")
    pairs += list(team.values_list("user__full_name", "user__email"))
    return TrustedDirectory.from_pairs(pairs, own_domains=office.own_domains or [])


def seen_domains(office: Office) -> set[str] | None:
    """The domains the office has had clean mail from or links to, or None while it is still
    learning them (then the 'never seen' check stays silent)."""
    clean = ScannedEmail.objects.filter(office=office, verdict=Verdict.CLEAN)
    if clean[SEEN_DOMAINS_LEARNING - 1 : SEEN_DOMAINS_LEARNING].count() == 0:
        return None
    return set(SeenDomain.objects.filter(office=office).values_list("domain", flat=True))


def seen_domains_record(office: Office, domains: Iterable[str]) -> None:
    """Remember the domains of one clean email (phishing never teaches what is normal)."""
    wanted = {d[:253] for d in domains if d}
    if not wanted:
        return
    now = timezone.now()
    known = SeenDomain.objects.filter(office=office, domain__in=wanted)
    known.update(last_seen=now, messages=F("messages") + 1)
    new = wanted - set(known.values_list("domain", flat=True))
    SeenDomain.objects.bulk_create(
        [SeenDomain(office=office, domain=d, first_seen=now, last_seen=now) for d in new],
        ignore_conflicts=True,
    )


def findings_as_json(verdict: Any) -> list[dict[str, str]]:
    return list(verdict.to_dict()["findings"])


# -- checking an email -------------------------------------------------------------------------


def msg_to_eml(data: bytes) -> bytes:
    """An Outlook .msg file as RFC 5322 bytes (raises ValidationError when it cannot be read)."""
    import extract_msg

    with tempfile.TemporaryDirectory(prefix="civicshield-msg-") as folder:
        path = Path(folder) / "upload.msg"
        path.write_bytes(data)
        try:
            message = extract_msg.openMsg(str(path))
            try:
                converted = message.asEmailMessage()  # type: ignore[attr-defined]
                raw: bytes = converted.as_bytes(policy=email.policy.SMTP.clone(linesep="\n"))
            finally:
                message.close()
        except Exception as exc:  # noqa: BLE001 - extract-msg raises many types on damaged files
            raise ValidationError(ERROR_MSG_UNREADABLE) from exc
    return raw


def email_check(*, member: Membership, raw: bytes) -> ScannedEmail:
    """Analyse one email against the office's contacts and domains, and keep the result.

    Raises ValidationError with a plain-words message for input that is too large, empty or
    not an email.
    """
    require(member, Capability.CHECK_EMAIL)
    if not raw.strip():
        raise ValidationError(ERROR_NOTHING_GIVEN)
    if len(raw) > MAX_CHECK_BYTES:
        raise ValidationError(ERROR_TOO_BIG)
    try:
        result = analyse(
            raw,
            trusted=office_trusted_directory(member.office),
            seen_domains=seen_domains(member.office),
        )
    except MailParseError as exc:
        raise ValidationError(ERROR_UNREADABLE.format(reason=exc)) from exc
    with transaction.atomic():
        scanned = ScannedEmail.objects.create(
            office=member.office,
            message_id=result.message_id[:998],
            subject=result.subject[:998],
            sender=result.sender[:998],
            verdict=result.verdict,
            score=result.score,
            findings=findings_as_json(result),
            scanned_by=member,
            raw=raw,
            raw_sha256=hashlib.sha256(raw).hexdigest(),
        )
        if result.verdict == Verdict.CLEAN.value:
            seen_domains_record(member.office, result.domains)
        audit.record(
            action="mailguard.email.checked",
            office=member.office,
            actor=member.user,
            target=scanned,
            details={"verdict": scanned.verdict, "score": scanned.score},
        )
    return scanned


# -- reporting to the NCSC ----------------------------------------------------------------------


def ncsc_report_eml(*, scanned: ScannedEmail, reporter: str) -> StdEmailMessage:
    """The report as a ready-to-send .eml (from ``reporter``, the original attached whole)."""
    if not scanned.can_be_reported:
        raise ValidationError(ERROR_RAW_GONE)
    return build_ncsc_report(bytes(scanned.raw), reporter=reporter)


def email_report_ncsc(*, member: Membership, scanned: ScannedEmail) -> EmailMessage:
    """Send the email to the NCSC's Suspicious Email Reporting Service, attached whole.

    Sent from CivicShield's own address (so it is not rejected as spoofed) with replies going
    to the member. Refused when it was already reported or its original was deleted.
    """
    require(member, Capability.CHECK_EMAIL)
    if scanned.office_id != member.office_id:
        raise NotAllowed(ERROR_NOT_ALLOWED)
    with transaction.atomic():
        locked = ScannedEmail.objects.select_for_update().get(pk=scanned.pk)
        if locked.reported_at is not None:
            raise ValidationError(
                ERROR_ALREADY_REPORTED.format(when=f"{locked.reported_at:%d %b %Y %H:%M} UTC")
            )
        report = ncsc_report_eml(scanned=locked, reporter=member.user.email)
        body = report.get_body(("plain",))
        original = email.message_from_bytes(bytes(locked.raw))
        message = EmailMessage(
            subject=str(report["Subject"]),
            body=body.get_content() if body is not None else "",
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[NCSC_REPORT_ADDRESS],
            reply_to=[member.user.email],
        )
        # A parsed message attaches as message/rfc822 with its headers intact (Django does not
        # base64 it, per RFC 2046 5.2.1).
        message.attach("suspicious-email.eml", original, "message/rfc822")
        locked.reported_at = timezone.now()
        locked.reported_by = member
        locked.save(update_fields=["reported_at", "reported_by"])
        audit.record(
            action="mailguard.email.reported_to_ncsc",
            office=member.office,
            actor=member.user,
            target=locked,
            details={"to": NCSC_REPORT_ADDRESS, "verdict": locked.verdict},
        )
        # Sent inside the transaction: if the mail server refuses, nothing is marked reported.
        message.send(fail_silently=False)
    scanned.refresh_from_db()
    return message


def scanned_raw_purge(*, now: dt.datetime | None = None) -> int:
    """Delete originals older than RAW_KEEP_DAYS (the findings stay). Returns how many."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=RAW_KEEP_DAYS)
    return ScannedEmail.objects.filter(scanned_at__lt=cutoff, raw_deleted_at__isnull=True).update(
        raw=b"", raw_deleted_at=now or timezone.now()
    )


# -- trusted contacts and own domains ----------------------------------------------------------


@dataclass
class ContactsImport:
    """What an address book import did."""

    added: int = 0
    updated: int = 0
    errors: list[contacts_file.RowError] = field(default_factory=list)


def contacts_import(*, member: Membership, data: bytes, filename: str = "") -> ContactsImport:
    """Add or update contacts from a CSV or vCard address book; bad rows are reported, skipped.

    Raises ValidationError when the file as a whole cannot be read.
    """
    require(member, Capability.MANAGE_MAILBOXES)
    if len(data) > MAX_CONTACTS_FILE_BYTES:
        raise ValidationError(ERROR_CONTACTS_TOO_BIG)
    try:
        text = contacts_file.decode(data)
        if not text.strip():
            raise ValueError(contacts_file.ERROR_EMPTY_FILE)
        is_vcard = filename.lower().endswith((".vcf", ".vcard")) or "BEGIN:VCARD" in text.upper()
        reader = contacts_file.read_vcard if is_vcard else contacts_file.read_csv
        items = list(reader(text))
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    source = TrustedContact.Source.VCARD if is_vcard else TrustedContact.Source.CSV
    report = ContactsImport()
    with transaction.atomic():
        for item in items:
            if isinstance(item, contacts_file.RowError):
                report.errors.append(item)
                continue
            contact, created = TrustedContact.objects.get_or_create(
                office=member.office,
                email=item.email,
                defaults={"name": item.name, "phone": item.phone, "source": source},
            )
            if created:
                report.added += 1
            elif contact.name != item.name or (item.phone and contact.phone != item.phone):
                contact.name = item.name
                contact.phone = item.phone or contact.phone
                contact.save(update_fields=["name", "phone"])
                report.updated += 1
        audit.record(
            action="mailguard.contacts.imported",
            office=member.office,
            actor=member.user,
            target_label=filename[:300],
            details={
                "kind": source,
                "added": report.added,
                "updated": report.updated,
                "skipped": len(report.errors),
            },
        )
    return report


def contact_add(*, member: Membership, name: str, email: str, phone: str = "") -> TrustedContact:
    require(member, Capability.MANAGE_MAILBOXES)
    with transaction.atomic():
        contact, _ = TrustedContact.objects.update_or_create(
            office=member.office,
            email=email.strip().lower(),
            defaults={"name": name.strip(), "phone": phone.strip(), "source": "manual"},
        )
        audit.record(
            action="mailguard.contact.added",
            office=member.office,
            actor=member.user,
            target=contact,
        )
    return contact


def contact_delete(*, member: Membership, contact: TrustedContact) -> None:
    require(member, Capability.MANAGE_MAILBOXES)
    if contact.office_id != member.office_id:
        raise NotAllowed(ERROR_NOT_ALLOWED)
    with transaction.atomic():
        audit.record(
            action="mailguard.contact.deleted",
            office=member.office,
            actor=member.user,
            target=contact,
        )
        contact.delete()


def clean_domains(lines: Iterable[str]) -> list[str]:
    """Domains from what a person typed (one per line or comma-separated); ValidationError if bad."""
    domains: list[str] = []
    for chunk in lines:
        for part in re.split(r"[\s,;]+", chunk):
            domain = part.strip().strip(".").lstrip("@").lower()
            if not domain:
                continue
            try:
                ascii_domain = domain.encode("idna").decode("ascii")
            except UnicodeError:
                ascii_domain = ""
            if not _DOMAIN.match(ascii_domain):
                raise ValidationError(ERROR_BAD_DOMAIN.format(domain=part.strip()))
            if domain not in domains:
                domains.append(domain)
    return domains


def office_domains_update(*, member: Membership, domains: list[str]) -> Office:
    """Set the office's own email domains (used by the phishing checks and forwarding audit)."""
    require(member, Capability.MANAGE_MAILBOXES)
    office = member.office
    with transaction.atomic():
        before = list(office.own_domains or [])
        office.own_domains = clean_domains(domains)
        office.save(update_fields=["own_domains"])
        audit.record(
            action="mailguard.domains.updated",
            office=office,
            actor=member.user,
            target=office,
            details={"before": before, "after": office.own_domains},
        )
    return office


# -- mailboxes ---------------------------------------------------------------------------------


def mailbox_connect_imap(
    *,
    member: Membership,
    name: str,
    address: str,
    host: str,
    port: int,
    username: str,
    password: str,
    security: str,
    folder: str,
    sieve_port: int | None,
    move_phishing: bool,
    verify: bool = True,
) -> WatchedMailbox:
    """Connect an IMAP mailbox (and its ManageSieve filters); the first watch runs right away.

    With ``verify`` (the default) it first logs in to both servers once, and raises
    ValidationError with the plain-words reason (wrong password, unreachable) if that fails,
    so a mistake shows on the form instead of in tomorrow's check. Watching starts with the
    mail that arrives after connecting (without ``verify``: with everything in the folder).
    """
    require(member, Capability.MANAGE_MAILBOXES)
    conf = {
        "host": host,
        "port": port,
        "username": username,
        "security": security,
        "folder": folder or "INBOX",
    }
    cursor: dict[str, int] = {}
    if verify:
        try:
            cursor = connection.verify_login(
                conf, address=address, password=password, sieve_port=sieve_port
            )
        except connection.ConnectorError as exc:
            raise ValidationError(str(exc)) from exc
    with transaction.atomic():
        mailbox = WatchedMailbox.objects.create(
            office=member.office,
            kind=WatchedMailbox.Kind.IMAP,
            name=name,
            address=address,
            settings=conf,
            password=password,
            sieve_port=sieve_port,
            move_phishing=move_phishing,
            cursor=cursor,
        )
        audit.record(
            action="mailguard.mailbox.connected",
            office=member.office,
            actor=member.user,
            target=mailbox,
            details={"kind": mailbox.kind, "move_phishing": move_phishing},
        )
        jobs.enqueue("mailguard.watch_mailbox", office=member.office, mailbox_id=mailbox.pk)
    return mailbox


def mailbox_disconnect(*, member: Membership, mailbox: WatchedMailbox) -> None:
    """Stop watching and auditing; the password and tokens are deleted, the history kept."""
    require(member, Capability.MANAGE_MAILBOXES)
    if mailbox.office_id != member.office_id:
        raise NotAllowed(ERROR_NOT_ALLOWED)
    with transaction.atomic():
        mailbox.enabled = False
        mailbox.password = ""
        mailbox.oauth_token = ""
        mailbox.oauth_refresh_token = ""
        mailbox.oauth_expires_at = None
        mailbox.save(
            update_fields=[
                "enabled",
                "password",
                "oauth_token",
                "oauth_refresh_token",
                "oauth_expires_at",
            ]
        )
        audit.record(
            action="mailguard.mailbox.disconnected",
            office=member.office,
            actor=member.user,
            target=mailbox,
        )


def forwarding_audit_request(*, member: Membership, mailbox: WatchedMailbox) -> None:
    """Ask for a forwarding check of one mailbox now (it runs in the background)."""
    require(member, Capability.MANAGE_MAILBOXES)
    if mailbox.office_id != member.office_id:
        raise NotAllowed(ERROR_NOT_ALLOWED)
    with transaction.atomic():
        audit.record(
            action="mailguard.forwarding_audit.requested",
            office=member.office,
            actor=member.user,
            target=mailbox,
        )
        jobs.enqueue(
            "mailguard.forwarding_audit",
            office=member.office,
            mailbox_id=mailbox.pk,
            requested_by=member.pk,
        )


def verdict_label(verdict: str) -> str:
    return str(Verdict(verdict).label) if verdict in Verdict.values else verdict
