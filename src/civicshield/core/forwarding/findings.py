"""The forwarding audit's result types, how a target address is judged, and the plain words."""

from __future__ import annotations

import email.utils
from collections.abc import Iterable
from dataclasses import dataclass, field

HACKED_ADVICE = (
    "If nobody in the office set this up, treat it as a hacked account: change the mailbox "
    "password, remove the rule, turn on two-step sign-in, and tell whoever looks after your IT."
)
INTERNAL_NOTE = "This is not an alert; just check it is still wanted."
SWITCHED_OFF_NOTE = (
    "It is switched off, so it does nothing now; delete it if nobody in the office needs it."
)
UNKNOWN_TARGET = "an address that is only worked out when each email arrives"


@dataclass(frozen=True, slots=True)
class ForwardingFinding:
    """One place where a mailbox sends mail (or news of mail) to another address."""

    source: str
    """Where it was found: ``sieve``, ``microsoft365`` (inbox rules), ``exchange`` (mailbox
    forwarding setting) or ``gmail``."""
    mailbox: str
    """The mailbox audited, e.g. ``office@example.gov.uk``."""
    rule_name: str
    """The rule, filter or setting's name as the office would recognise it (may be empty)."""
    target: str
    """Where the mail goes: an email address, or a program name for Sieve ``pipe``/``execute``."""
    external: bool
    """True when the target is outside the office's own domains (or cannot be checked)."""
    detail: str
    """What happens, in plain words, and what to do about it."""
    kind: str = "forward"
    """``redirect``, ``forward``, ``forward_as_attachment``, ``notify``, ``pipe``, ``report``,
    ``mailbox_forwarding``, ``auto_forwarding`` or ``forwarding_address``."""
    active: bool = True
    """False when the rule exists but is switched off (inactive script, disabled rule)."""

    @property
    def alert(self) -> bool:
        """True when the office should be alerted: switched on and leaving the office."""
        return self.external and self.active


@dataclass(frozen=True, slots=True)
class ForwardingAudit:
    """The result of auditing one mailbox from one source; the web app logs every one."""

    source: str
    """``sieve``, ``microsoft365``, ``exchange`` or ``gmail``."""
    mailbox: str
    """The mailbox audited."""
    findings: tuple[ForwardingFinding, ...]
    """Every forwarding found, external or not."""
    checked: tuple[str, ...] = ()
    """What was read, in plain words (e.g. ``"filter script 'roundcube' (in use)"``), so the
    audit log shows the check really looked."""
    problems: tuple[str, ...] = field(default=())
    """Things that could not be checked fully (a script that would not parse); a person should
    look at these."""

    @property
    def alerts(self) -> tuple[ForwardingFinding, ...]:
        """Findings that should raise an alert."""
        return tuple(f for f in self.findings if f.alert)

    @property
    def summary(self) -> str:
        """One line for the audit log."""
        alerts = len(self.alerts)
        text = (
            f"Forwarding check of {self.mailbox} ({self.source}): looked at "
            f"{len(self.checked)} item(s), found {len(self.findings)} forwarding rule(s), "
            f"{alerts} to outside the office."
        )
        if self.problems:
            text += f" {len(self.problems)} item(s) could not be fully checked."
        return text


def normalise_domains(domains: Iterable[str]) -> tuple[str, ...]:
    """Lower-case, strip dots and ``@``, and IDNA-encode the office's domains."""
    result = []
    for domain in domains:
        cleaned = domain.strip().strip(".").lstrip("@").lower()
        if cleaned:
            result.append(_idna(cleaned))
    return tuple(result)


def _idna(domain: str) -> str:
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def address_domain(address: str) -> str | None:
    """The domain of an address (``"Jo" <jo@Example.org>`` -> ``example.org``), or None."""
    _, parsed = email.utils.parseaddr(address)
    parsed = parsed or address.strip()
    if parsed.lower().startswith("smtp:"):  # Exchange writes "smtp:someone@example.org"
        parsed = parsed[5:]
    if "@" not in parsed:
        return None
    return _idna(parsed.rsplit("@", 1)[1].strip().strip(".").lower())


def is_internal(address: str, office_domains: Iterable[str]) -> bool:
    """True when ``address`` is at one of the office's domains or a subdomain of one.

    A look-alike (``examp1e.gov.uk``) or a parent domain (``gov.uk``) is outside. An address
    without a domain (a local user on the same server) counts as inside.
    """
    domains = normalise_domains(office_domains)
    domain = address_domain(address)
    if domain is None:
        return "$" not in address and bool(address.strip())
    return any(domain == own or domain.endswith("." + own) for own in domains)


def clean_address(address: str) -> str:
    """``"Jo" <jo@example.org>`` -> ``jo@example.org``; ``smtp:x@y`` -> ``x@y``."""
    _, parsed = email.utils.parseaddr(address)
    parsed = parsed or address.strip()
    return parsed[5:] if parsed.lower().startswith("smtp:") else parsed


def describe(
    *,
    where: str,
    action: str,
    target: str,
    external: bool,
    active: bool,
    extra: str = "",
) -> str:
    """Assemble a finding's plain-words detail.

    ``where`` names the rule ("A rule named 'x' in the mailbox m"), ``action`` says what it does
    ("sends a copy of every email to"); the rest is added here so every source reads alike.
    """
    place = "outside your office" if external else "inside your office"
    text = f"{where} {action} {target}, which is {place}."
    if extra:
        text += " " + extra
    if not active:
        return text + " " + SWITCHED_OFF_NOTE
    if external:
        return text + " " + HACKED_ADVICE
    return text + " " + INTERNAL_NOTE
