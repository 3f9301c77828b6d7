"""``analyse``: one email's bytes in, a verdict with plain-words findings out."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from typing import Any

from civicshield.core.findings import Finding, Severity
from civicshield.core.lookalike import is_ip_address, registered_domain
from civicshield.core.mail.attachment_links import with_attachment_links
from civicshield.core.mail.checks import CheckContext, run_checks
from civicshield.core.mail.parse import ParsedMail, parse
from civicshield.core.mail.scoring import Scorer, Verdict, load_scorer
from civicshield.core.mail.trusted import TrustedDirectory

__all__ = ["ADVICE_CHECK", "ADVICE_TEXT", "NCSC_REPORT_ADDRESS", "MailVerdict", "analyse"]

NCSC_REPORT_ADDRESS = "report@phishing.gov.uk"
ADVICE_CHECK = "advice"
ADVICE_TEXT = (
    "Before you act on this email, check with the sender by a different means: phone them on a "
    "number you already have, not one given in the email. If it is not genuine, report it to the "
    f"NCSC Suspicious Email Reporting Service by sending it as an attachment to "
    f"{NCSC_REPORT_ADDRESS} (the 'Report to NCSC' button, or `civicshield mail report FILE "
    "--reporter YOUR-ADDRESS`), then delete it."
)

_SEVERITY_FOR_VERDICT = {"phishing": Severity.HIGH, "suspicious": Severity.MEDIUM}


@dataclass(frozen=True)
class MailVerdict:
    """What CivicShield concluded about one email."""

    message_id: str
    """The Message-ID header (``""`` when missing)."""
    subject: str
    """The decoded subject line."""
    sender: str
    """The From address as written (display name and address)."""
    verdict: Verdict
    """``phishing`` (treat as an attack), ``suspicious`` (check before acting) or ``clean``."""
    score: float
    """0..1: how strongly the checks together point to phishing."""
    findings: tuple[Finding, ...]
    """What each check noticed, most serious first; a non-clean verdict ends with advice."""
    features: tuple[str, ...] = field(default=(), compare=False)
    """Machine names of the signals behind the score (for fitting and audits)."""
    domains: tuple[str, ...] = field(default=(), compare=False)
    """Registered domains of the sender and of the web links, for an office's record of the
    domains it deals with (the ``seen_domains`` of later analyses)."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of the command-line contract (without ``path``)."""
        return {
            "message_id": self.message_id,
            "subject": self.subject,
            "sender": self.sender,
            "verdict": self.verdict,
            "score": self.score,
            "findings": [
                {"check": f.check, "severity": str(f.severity), "detail": f.detail}
                for f in self.findings
            ],
        }


def _sender(mail: ParsedMail) -> str:
    if mail.from_name and mail.from_address:
        return f"{mail.from_name} <{mail.from_address}>"
    return mail.from_address or mail.from_name


def analyse(
    raw: bytes,
    *,
    trusted: TrustedDirectory | None = None,
    seen_domains: Container[str] | None = None,
    scorer: Scorer | None = None,
) -> MailVerdict:
    """Analyse one email (its raw RFC 5322 bytes).

    ``trusted``: the office's contacts and own domains (impersonation of them is what
    spear-phishing is). ``seen_domains``: registered domains the office has seen before, for the
    "never seen" link check (``None`` turns that check off). Raises
    ``civicshield.core.mail.MailParseError`` for input that is empty, not an email or too large.
    """
    # Links hidden in QR codes, PDFs and invitations join the links: every link check reads them.
    mail = with_attachment_links(parse(raw))
    context = CheckContext(trusted=trusted or TrustedDirectory(), seen_domains=seen_domains)
    hits = run_checks(mail, context)
    scorer = scorer or load_scorer()
    features = tuple(dict.fromkeys(hit.feature for _, hit in hits))
    verdict, score = scorer.verdict(features)
    findings = sorted(
        (Finding(check, hit.severity, hit.detail) for check, hit in hits),
        key=lambda f: -f.severity.rank,
    )
    if verdict != "clean":
        findings.append(Finding(ADVICE_CHECK, _SEVERITY_FOR_VERDICT[verdict], ADVICE_TEXT))
    return MailVerdict(
        message_id=mail.message_id,
        subject=mail.subject,
        sender=_sender(mail),
        verdict=verdict,
        score=round(score, 3),
        findings=tuple(findings),
        features=features,
        domains=_domains(mail),
    )


def _domains(mail: ParsedMail) -> tuple[str, ...]:
    hosts = [mail.from_domain] + [
        link.host for link in mail.links if link.scheme in ("http", "https")
    ]
    found = (registered_domain(h) for h in hosts if h and not is_ip_address(h))
    return tuple(dict.fromkeys(d for d in found if d))
