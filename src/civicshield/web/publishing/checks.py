"""Pre-publish checks: each engine is called through one small adapter here, and nowhere else.

privacy  personal information in the text (``civicshield.core.privacy.scan_text``)
images   what a photo gave away (read, then stripped, on upload) and missing alt text
links    links to lookalike domains (``civicshield.core.lookalike.lookalike_of``)
tone     whether the post itself reads as abusive (``civicshield.core.abuse.classify``)

Each office chooses per check whether findings block publishing or only warn. A check whose
engine is not installed says so instead of passing silently.
"""

from __future__ import annotations

import re
import unicodedata
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from civicshield.web import wording
from civicshield.web.publishing.models import CheckMode, CheckSettings, Platform

if TYPE_CHECKING:
    from civicshield.web.accounts.models import Office
    from civicshield.web.publishing.models import Draft

CHECKS = ("privacy", "images", "links", "tone")
CHECK_LABELS = {
    "privacy": "Personal information",
    "images": "Photos",
    "links": "Links",
    "tone": "Tone of the post",
}
DETAIL_NO_ALT_TEXT = (
    "Photo {n} has no description (alt text). People using screen readers cannot see it; "
    "describe what it shows in a sentence."
)
DETAIL_METADATA_REMOVED = "Removed on upload: {detail}"
DETAIL_ENGINE_MISSING = "This check could not run here ({engine} is not installed)."
DETAIL_TONE = (
    "The post may read as hostile or abusive ({labels}); how sure CivicShield is: {how_sure}."
    " {reasons}"
    " Read it again as a constituent would."
)

# URLs as people type them in posts: with a scheme, or a bare www. name.
_URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"']+")
_MASTODON_URL_LENGTH = 23  # Mastodon counts every link as 23 characters
_MASTODON_MENTION = re.compile(r"(?<![\w@])@(\w+)@[\w.-]+\w")


@dataclass(frozen=True, slots=True)
class CheckFinding:
    """One thing a pre-publish check noticed."""

    check: str
    """Which check: one of ``CHECKS``."""
    kind: str
    """What sort of thing: ``phone``, ``image_gps``, ``lookalike_link``, ``tone``..."""
    detail: str
    """What was found and what to do, in plain words."""
    severity: str
    """``critical``, ``high``, ``medium``, ``low``."""
    span: tuple[int, int] | None = None
    """Where it is in the text, if it is in the text."""
    resolved: bool = False
    """Already dealt with (metadata stripped on upload): shown, never blocks."""


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome for one draft."""

    check: str
    label: str
    mode: str
    """``block`` or ``warn``, as the office chose."""
    findings: tuple[CheckFinding, ...] = ()
    available: bool = True
    """False when the engine is not installed: the check did not run."""
    note: str = ""
    overridden_by: str = ""
    """Who overrode the block for this version, with their reason."""

    @property
    def open_findings(self) -> tuple[CheckFinding, ...]:
        return tuple(f for f in self.findings if not f.resolved)

    @property
    def blocks(self) -> bool:
        """Whether this check stops publishing (block mode, open findings, not overridden)."""
        return self.mode == CheckMode.BLOCK and bool(self.open_findings) and not self.overridden_by


@dataclass(frozen=True)
class CheckReport:
    results: tuple[CheckResult, ...] = field(default_factory=tuple)

    @property
    def blocking(self) -> tuple[CheckResult, ...]:
        return tuple(r for r in self.results if r.blocks)

    @property
    def clear(self) -> bool:
        return not self.blocking

    def by_check(self) -> dict[str, CheckResult]:
        return {r.check: r for r in self.results}


# --- adapters: one per engine ---------------------------------------------------------------


def privacy_findings(
    text: str, *, private_names: Iterable[str], allowed: Iterable[str]
) -> list[CheckFinding]:
    from civicshield.core.privacy import PrivateList, scan_text

    names: dict[str, str] = {}
    for entry in private_names:
        # "Sophie: child" or just "Sophie".
        name, _, label = str(entry).partition(":")
        if name.strip():
            names[name.strip()] = label.strip() or "private name"
    private = PrivateList.build(names, allowed=list(allowed))
    return [
        CheckFinding("privacy", f.kind, f.detail, str(f.severity), f.span)
        for f in scan_text(text, private=private)
    ]


def image_metadata(data: bytes) -> tuple[list[dict[str, Any]], bytes]:
    """Read what a photo gives away, then strip it: ``(findings as dicts, clean bytes)``.

    Raises ``civicshield.core.privacy.ImageError`` (a ``ValueError``) with a plain message.
    """
    from civicshield.core.privacy import scan_image, strip_image_metadata

    report = scan_image(data)
    found = [f.to_dict() for f in report.findings]
    if report.other_metadata:
        found.append(
            {
                "kind": "image_other",
                "detail": "Other hidden details: " + ", ".join(report.other_metadata),
                "severity": "low",
            }
        )
    return found, strip_image_metadata(data)


def image_findings(images: Sequence[Any]) -> list[CheckFinding]:
    from civicshield.core.privacy import scan_image

    findings: list[CheckFinding] = []
    for n, image in enumerate(images, start=1):
        for found in image.metadata_found:
            findings.append(
                CheckFinding(
                    "images",
                    str(found.get("kind", "image")),
                    DETAIL_METADATA_REMOVED.format(detail=found.get("detail", "")),
                    str(found.get("severity", "low")),
                    resolved=True,
                )
            )
        # Belt and braces: the stored copy must carry nothing (it was stripped on upload).
        for leftover in scan_image(bytes(image.data)).findings:
            findings.append(
                CheckFinding("images", leftover.kind, leftover.detail, str(leftover.severity))
            )
        if not image.alt_text.strip():
            findings.append(
                CheckFinding("images", "alt_text", DETAIL_NO_ALT_TEXT.format(n=n), "low")
            )
    return findings


def links_in(text: str) -> list[tuple[str, tuple[int, int]]]:
    return [(m.group(0).rstrip(".,;:!?)"), m.span()) for m in _URL.finditer(text)]


def link_findings(text: str, *, own_domains: Iterable[str]) -> list[CheckFinding]:
    from civicshield.core.lookalike import WELL_KNOWN_DOMAINS, lookalike_of

    known = [*own_domains, *WELL_KNOWN_DOMAINS]
    findings = []
    for url, span in links_in(text):
        parsed = urllib.parse.urlsplit(url if "://" in url else f"https://{url}")
        host = parsed.hostname or ""
        match = lookalike_of(host, known)
        if match is not None:
            findings.append(
                CheckFinding(
                    "links",
                    f"lookalike_{match.kind}",
                    f"The link {url} is not what it seems: {match.explanation}. "
                    "Check where it really goes before sharing it.",
                    "high",
                    span,
                )
            )
    return findings


def tone_findings(text: str) -> list[CheckFinding] | None:
    """The abuse classifier's view of the post itself; ``None`` when it is not installed."""
    try:
        from civicshield.core.abuse import (  # type: ignore[import-not-found, unused-ignore]
            LABEL_WORDS,
            classify,
        )
    except ImportError:
        return None
    result: Any = classify(text)
    if not result.abusive:
        return []
    reasons = " ".join(str(r) for r in getattr(result, "reasons", ())[:3])
    # Staff read words ("Spam or scam"), not the classifier's codes ("spam_scam").
    words = [LABEL_WORDS.get(str(label), str(label)) for label in result.labels]
    labels = ", ".join(words).lower() or "hostile"
    return [
        CheckFinding(
            "tone",
            "tone",
            DETAIL_TONE.format(
                labels=labels, how_sure=wording.how_sure(float(result.score)), reasons=reasons
            ),
            str(result.severity),
        )
    ]


# --- running them ---------------------------------------------------------------------------


def check_settings_for(office: Office) -> CheckSettings:
    found, _ = CheckSettings.objects.get_or_create(office=office)
    return found


def run_checks(draft: Draft) -> CheckReport:
    """Every check on the draft's current version, with the office's block/warn choices."""
    office_settings = check_settings_for(draft.office)
    overrides = {
        o.check_name: f"{o.by.user} — {o.reason}"
        for o in draft.overrides.filter(version=draft.version).select_related("by__user")
    }
    images = list(draft.images.all())
    tone = tone_findings(draft.text)
    found: dict[str, tuple[list[CheckFinding], bool, str]] = {
        "privacy": (
            privacy_findings(
                draft.text,
                private_names=office_settings.private_names,
                allowed=office_settings.allowed_details,
            ),
            True,
            "",
        ),
        "images": (image_findings(images), True, ""),
        "links": (link_findings(draft.text, own_domains=draft.office.own_domains), True, ""),
        "tone": (
            tone or [],
            tone is not None,
            "" if tone is not None else DETAIL_ENGINE_MISSING.format(engine="the abuse classifier"),
        ),
    }
    results = []
    for check in CHECKS:
        findings, available, note = found[check]
        results.append(
            CheckResult(
                check=check,
                label=CHECK_LABELS[check],
                mode=getattr(office_settings, check),
                findings=tuple(findings),
                available=available,
                note=note,
                overridden_by=overrides.get(check, ""),
            )
        )
    return CheckReport(tuple(results))


def character_count(text: str, platform: str) -> int:
    """Characters as the platform counts them.

    Mastodon: every link counts as 23 and a mention ``@name@server`` as ``@name``.
    Bluesky: graphemes (a letter with its accents, or an emoji sequence, counts once).
    """
    if platform == Platform.MASTODON:
        text = _URL.sub("x" * _MASTODON_URL_LENGTH, text)
        text = _MASTODON_MENTION.sub(lambda m: "@" + m.group(1), text)
        return len(text)
    count = 0
    joined = False
    for char in text:
        if (
            unicodedata.combining(char)
            or char in "\ufe0e\ufe0f"
            or "\U0001f3fb" <= char <= "\U0001f3ff"
        ):
            continue
        if char == "\u200d":
            joined = True
            continue
        if joined:
            joined = False
            continue
        count += 1
    return count
