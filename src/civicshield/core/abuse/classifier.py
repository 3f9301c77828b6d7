# ruff: noqa: E501 - pattern tables: long regex alternations read better unbroken
"""Put the patterns and the model together into one verdict per message."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np

from civicshield.core.abuse.model import RULE_FEATURES, load_model, rule_features
from civicshield.core.abuse.normalise import Normalised, normalise
from civicshield.core.abuse.rules import GROUP_NEGATED, RuleHit, find_hits
from civicshield.core.findings import Severity

LABELS: tuple[str, ...] = (
    "threat",
    "hate",
    "sexual",
    "harassment",
    "profanity",
    "spam_scam",
    "doxxing",
)
BATCH_SIZE = 256
# The model alone must reach this probability to flag a message that reads as political
# argument and has no abusive wording (see the model card: a trade-off against OLID recall).
# Chosen by scripts/tune_abuse_political.py on development data (OLID val + political_dev).
POLITICAL_THRESHOLD = 0.55

# Words of ordinary political argument. When a message has them and no abusive pattern,
# the model alone needs more confidence before the office is alerted.
_POLITICAL = re.compile(
    r"\b(?:polic(?:y|ies)|government|govt|vote[ds]?|voting|election|elected|minister|mps?|parliament|"
    r"council|councillors?|tax(?:es)?|nhs|brexit|budget|bill|manifesto|party|tor(?:y|ies)|labour|lib dems?|"
    r"reform|snp|greens?|resign|cuts|austerity|constituen(?:cy|ts)|promises?|u-turn|mandate|scandal|"
    r"corrupt(?:ion)?|incompetent|hypocri(?:te|sy)|liar|lies|lying|deselect|vote (?:her|him|them|you) out|"
    r"benefits|housing|schools?|funding|economy|inflation|cost of living|pm|prime minister|chancellor|"
    r"decisions?|rights|workers?|leaders?|leadership|cabinet|ballot|donors?|coward(?:ice|ly)?|excuses?|"
    r"lied|lie|fail(?:ed|ing|ure)?|betray(?:al|ed)?|disgrace(?:ful)?|hospitals?|services|cuts?|cap|poverty|"
    r"campaign(?:ing)?|debate|speech|interview|spending|plan|planning|consultation|roads?|potholes?|"
    r"constituency|region|democracy|democrats?|republicans?|conservatives?|liberals?|president|senate|"
    r"congress|politicians?|political|politics|office|voters?|seat|motion|amendment|law|laws|reform|"
    # everyday idioms that use violent words harmlessly
    r"killing me|kill for an?|killed it|dying to|dying for|to die for|murder on|is murder|"
    r"shot (?:itself|themselves|yourself|himself|herself) in the foot|died a death|dead to me)\b"
)
_COUNTER_MESSAGE = re.compile(
    r"\b(?:racis[tm]|sexis[tm]|homophob\w*|transphob\w*|bigot\w*|hate speech|disgusting|vile|unacceptable|"
    r"ashamed|report(?:ed)?|slurs?|no place|nonsense|apologi[sz]e|antisemit\w*|islamophob\w*)\b"
)
_IDENTITY = re.compile(
    r"\b(?:wom[ae]n|girls?|females?|ladies|lady|she|her|bitch(?:es)?|whores?|sluts?|hoes?|feminis[tm]s?|"
    r"(?:im|e)?migrants?|immigration|refugees?|asylum|illegals?|aliens?|invaders?|foreigners?|borders?|wall|"
    r"deport\w*|muslims?|islam\w*|jews?|jewish|black|blacks|gays?|lesbians?|trans\w*|queers?|disabled|"
    r"race|racial|mexicans?|africans?|arabs?|asians?|migrant|sharia|burka|hijab|ethnic\w*)\b"
)
# Speaking as a member of a group ("as a queer woman", "we're here, we're queer") is not hate.
_SELF_IDENTITY = re.compile(
    r"\b(?:i'?m|i am|im|we'?re|we are|as an?|proud(?:ly)?|pride|my fellow|us)\s+(?:[\w']+\s+){0,2}?"
    r"(?:gay|lesbian|queer|trans\w*|bi|bisexual|dyke|muslim|jewish|jew|black|disabled|immigrant|migrant|refugee|woman|women|"
    r"girl|girls|feminist|asian|arab|african|mexican)\b"
)

_HIT_SCORE = {
    Severity.CRITICAL: 0.97,
    Severity.HIGH: 0.9,
    Severity.MEDIUM: 0.8,
    Severity.LOW: 0.65,
    Severity.NONE: 0.0,
}
LABEL_WORDS: dict[str, str] = {
    # What each label means in the words a member of staff reads on screen.
    "threat": "Threat",
    "hate": "Hate",
    "sexual": "Sexual",
    "harassment": "Harassment",
    "profanity": "Swearing",
    "spam_scam": "Spam or scam",
    "doxxing": "Personal details",
}


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of the original message that supports one label."""

    start: int
    """Character offset in the ORIGINAL text where the stretch begins."""
    end: int
    """Character offset in the original text just after the stretch ends."""
    label: str
    """The label this stretch supports, e.g. ``threat``."""


@dataclass(frozen=True, slots=True)
class AbuseResult:
    """What the classifier decided about one message, and why."""

    abusive: bool
    """True when the message needs a person's attention as abuse (any label)."""
    score: float
    """0..1, how confident the classifier is that the message is abusive; 0.5 and above is abusive."""
    labels: tuple[str, ...]
    """Which kinds of abuse: threat, hate, sexual, harassment, profanity, spam_scam, doxxing."""
    severity: Severity
    """critical (threat to life or safety, home or family exposed), high, medium, low or none."""
    spans: tuple[Span, ...]
    """Where in the original text the evidence is, for highlighting."""
    reasons: tuple[str, ...]
    """Why, in plain words for office staff."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form the command line prints."""
        return {
            "abusive": self.abusive,
            "score": round(self.score, 4),
            "labels": list(self.labels),
            "severity": str(self.severity),
            "spans": [{"start": s.start, "end": s.end, "label": s.label} for s in self.spans],
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class _Prepared:
    original: str
    norm: Normalised
    hits: tuple[RuleHit, ...]


def _prepare_one(text: str) -> _Prepared:
    norm = normalise(text)
    return _Prepared(text, norm, tuple(find_hits(norm.text, text)))


def prepare(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Normalised texts and pattern features, exactly as the model sees them (used in training)."""
    prepared = [_prepare_one(t) for t in texts]
    dense = np.array(
        [rule_features(p.hits, p.norm.text) for p in prepared], dtype=np.float32
    ).reshape(len(prepared), len(RULE_FEATURES))
    return [p.norm.text for p in prepared], dense


def _scale(p: float, threshold: float) -> float:
    """Map a model probability so that its decision threshold lands on 0.5."""
    if p >= threshold:
        return 0.5 + 0.5 * (p - threshold) / max(1e-9, 1.0 - threshold)
    return 0.5 * p / max(1e-9, threshold)


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _decide(
    item: _Prepared, p_off: float, p_hate: float, thresholds: dict[str, float]
) -> AbuseResult:
    text = item.norm.text
    active = [h for h in item.hits if h.guard is None]
    guarded = [h for h in item.hits if h.guard is not None]
    labels = {h.label for h in active}
    severity = max((h.severity for h in active), key=lambda s: s.rank, default=Severity.NONE)
    score = max((_HIT_SCORE[h.severity] for h in active), default=0.0)
    reasons: list[str] = []
    spans: list[Span] = []
    seen: set[tuple[int, int, str]] = set()
    for hit in sorted(active, key=lambda h: (-h.severity.rank, h.start)):
        start, end = (
            (hit.start, hit.end) if hit.in_original else item.norm.original_span(hit.start, hit.end)
        )
        if (start, end, hit.label) in seen:
            continue
        seen.add((start, end, hit.label))
        spans.append(Span(start, end, hit.label))
        reason = f"{hit.reason}: '{_quote(item.original[start:end])}'"
        if reason not in reasons:
            reasons.append(reason)

    t_off = thresholds.get("offensive", 0.5)
    t_hate = thresholds.get("hate", 0.5)
    strong_rules = labels & {"threat", "hate", "sexual", "harassment", "profanity"}
    need = t_off
    if not strong_rules:
        if guarded:
            need = max(need, 0.9)
        elif _POLITICAL.search(text):
            need = max(need, POLITICAL_THRESHOLD)
    model_score = _scale(p_off, need)
    if p_off >= need and not strong_rules:
        # No abusive wording was found, so there is no phrase to point at: the model's
        # judgement is reported as harassment of low (or, above 0.9, medium) severity.
        labels.add("harassment")
        model_severity = Severity.MEDIUM if p_off >= 0.9 else Severity.LOW
        if model_severity.rank > severity.rank:
            severity = model_severity
        reasons.append(
            "The wording as a whole reads as insulting or abusive "
            f"(how sure: {round(100 * p_off)} out of 100)"
        )
    if (
        "hate" not in labels
        and p_hate >= t_hate
        and p_off >= 0.5 * t_off
        and not guarded
        and _IDENTITY.search(text)
        and not GROUP_NEGATED.search(text)
        and not _COUNTER_MESSAGE.search(text)
        and not _SELF_IDENTITY.search(text)
    ):
        labels.add("hate")
        if Severity.MEDIUM.rank > severity.rank:
            severity = Severity.MEDIUM
        reasons.append(
            "The wording as a whole reads as hostile to a group of people "
            f"(how sure: {round(100 * p_hate)} out of 100)"
        )
        score = max(score, _scale(p_hate, t_hate))
    if labels:
        score = max(score, model_score, 0.5)
    else:
        score = min(model_score, 0.49)
    for hit in guarded[:2]:
        start, end = (
            (hit.start, hit.end) if hit.in_original else item.norm.original_span(hit.start, hit.end)
        )
        why = "negated" if hit.guard == "negated" else "quoted or condemned, not meant"
        reasons.append(f"Not counted ({why}): '{_quote(item.original[start:end])}'")
    ordered = tuple(label for label in LABELS if label in labels)
    return AbuseResult(
        abusive=bool(ordered),
        score=float(round(min(max(score, 0.0), 1.0), 4)),
        labels=ordered,
        severity=severity if ordered else Severity.NONE,
        spans=tuple(sorted(spans, key=lambda s: (s.start, s.end, s.label))),
        reasons=tuple(reasons),
    )


def _classify_batch(texts: Sequence[str]) -> list[AbuseResult]:
    model = load_model()
    prepared = [_prepare_one(t) for t in texts]
    dense = np.array(
        [rule_features(p.hits, p.norm.text) for p in prepared], dtype=np.float32
    ).reshape(len(prepared), len(RULE_FEATURES))
    probs = model.predict([p.norm.text for p in prepared], dense)
    return [
        _decide(p, float(probs[i, 0]), float(probs[i, 1]), model.thresholds)
        for i, p in enumerate(prepared)
    ]


def classify(text: str) -> AbuseResult:
    """Classify one message."""
    return _classify_batch([text])[0]


def classify_many(texts: Iterable[str], *, batch_size: int = BATCH_SIZE) -> Iterator[AbuseResult]:
    """Classify many messages lazily, in batches, in input order (flat memory for any length)."""
    iterator = iter(texts)
    while True:
        batch = list(islice(iterator, batch_size))
        if not batch:
            return
        yield from _classify_batch(batch)
