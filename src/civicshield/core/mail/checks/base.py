"""What every mail check shares: its input (the parsed mail and the office's context) and output.

A check is a small class with a ``name`` and a ``run`` method. ``run`` returns ``Hit`` objects:
each one is a plain-words finding plus the *feature* it stands for. Features are what the
scoring weights are fitted on (``scoring.py``); a check may emit several features, for example
``risky_link.ip_address`` and ``risky_link.shortener``.

To add a check: write a module with a ``Check`` subclass, add one line to ``checks/__init__.py``,
and (if it has new features) give them a weight by re-running ``scripts/fit_mail_weights.py``
or a hand-set weight in ``weights.json``.
"""

from __future__ import annotations

import functools
from collections.abc import Container
from dataclasses import dataclass, field

from civicshield.core.findings import Severity
from civicshield.core.lookalike import WELL_KNOWN_DOMAINS
from civicshield.core.mail.parse import ParsedMail
from civicshield.core.mail.trusted import TrustedDirectory

__all__ = ["Check", "CheckContext", "Hit"]


@dataclass(frozen=True, slots=True)
class Hit:
    """One thing a check noticed."""

    feature: str
    """Scoring feature, ``<check>.<what>`` (e.g. ``display_name.trusted_contact``)."""
    severity: Severity
    """How serious this is on its own."""
    detail: str
    """What was found and what to do, in plain words."""


@dataclass(frozen=True)
class CheckContext:
    """What a check knows about the office."""

    trusted: TrustedDirectory = field(default_factory=TrustedDirectory)
    """The office's contacts and own domains."""
    seen_domains: Container[str] | None = None
    """Registered domains the office has received mail or links from before; ``None`` = unknown,
    and then the 'newly seen domain' check stays silent."""

    @functools.cached_property
    def known_domains(self) -> frozenset[str]:
        """Domains worth imitating: the office's own and trusted ones plus the well-known list."""
        return self.trusted.domains | WELL_KNOWN_DOMAINS

    def is_trusted_domain(self, domain: str) -> bool:
        """True when ``domain`` is (a subdomain of) one the office owns or trusts."""
        if not domain:
            return False
        return any(domain == d or domain.endswith("." + d) for d in self.trusted.domains)


class Check:
    """Base class of the mail checks.

    Subclasses set ``name`` (the machine name shown in findings, also the feature prefix) and
    implement ``run``. ``run`` must not raise on odd input: the parsed view is already lenient,
    and ``analyse`` turns any exception into an error for that message only.
    """

    name: str = ""
    """Machine name, e.g. ``lookalike_sender``."""

    def run(self, mail: ParsedMail, context: CheckContext) -> list[Hit]:
        """Return what this check noticed (an empty list when nothing)."""
        raise NotImplementedError
