"""Fit the mail-check weights on the FIT split of the development corpus and write weights.json.

    .venv/bin/python scripts/fit_mail_weights.py [--root /work/shared/data/phishing]

1. Run every check on each fit-split message (no trusted directory: the corpus has no office).
2. Fit a logistic regression over the binary features (balanced classes, L2), keeping only
   non-negative weights: a feature with a negative weight is dropped and the model refitted,
   because a warning sign must never make an email look safer.
3. Add hand-set weights for features the corpus cannot show (impersonating the office's own
   contacts and domains), and floors for dangerous attachments and password forms.
4. Choose thresholds on the fit split: ``phishing`` where at most 0.5% of fit-split legitimate
   mail scores that high, and above what any one fitted feature reaches alone; ``suspicious``
   where at most 5% of it does, but never so low that a feature weighing under 0.5 flags an
   email alone.

The held-out split is never read here (see scripts/mail_corpus.py).
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mail_corpus import DEFAULT_ROOT, FIT_FRACTION, SEED, examples  # noqa: E402

from civicshield.core.mail import analyse  # noqa: E402
from civicshield.core.mail.scoring import WEAK_FEATURES, scorer_from_dict  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "src/civicshield/core/mail/weights.json"
HAM_PHISHING_RATE = 0.005
HAM_SUSPICIOUS_RATE = 0.05
C = 1.0
MIN_WEIGHT_TO_FLAG = 0.5

# Features the public corpus cannot exercise (its recipients are anonymised): weights set by
# hand so that each alone makes a verdict of phishing (see docs/mail-checks.md).
HAND_SET_PHISHING = (
    "display_name.trusted_contact",
    "lookalike_sender.trusted",
    "risky_link.lookalike_trusted",
    "authentication.trusted_domain_fail",
)
# Weak or era-bound signals (scoring.WEAK_FEATURES): the corpus over-rates them (old phishing
# used raw-IP links; old legitimate mail had no Return-Path rewriting; list mail fails DKIM),
# so they are left out of the fit and given small hand-set weights instead.
HAND_SET_SMALL = {
    "risky_link.new_domain": 0.5,
    "authentication.fail": 0.4,
    "reply_mismatch.return_path": 0.3,
    "deceptive_link.mismatch": 1.0,
    "risky_link.ip_address": 1.0,
    "risky_link.shortener": 1.0,
    "risky_link.abused_tld": 0.7,
    "sender_address.abused_tld": 0.7,
    "layout.mostly_pictures": 0.7,
}
# Rare in the corpus but unambiguous: at least phishing on their own.
PHISHING_FLOORS = (
    "risky_attachment.executable",
    "risky_attachment.disk_image",
    "risky_attachment.double_extension",
    "risky_attachment.macro",
    "risky_attachment.encrypted_archive",
    "credential_form.html_attachment",
    "credential_form.password_in_body",
    "credential_form.data_url",
    "lookalike_sender.well_known",
)
# At least suspicious on their own.
SUSPICIOUS_FLOORS = (
    "display_name.trusted_contact_via_list",
    "lookalike_sender.tld_swap",
    "risky_link.lookalike",
    "risky_attachment.html",
    "document_lure.service_link",
    "document_lure.wording",
    "display_name.brand",
    "display_name.it_support",
    "display_name.shows_address",
    "display_name.organisation_on_free_mail",
    "display_name.celebrity",
    "sender_address.malformed",
    "sender_address.impossible_domain",
    "sender_address.throwaway_domain",
    "sender_address.several_senders",
    "sender_address.starter_domain",
    "mass_mailing.random_code",
    "mass_mailing.unfilled_field",
    "risky_link.ip_from_brand",
    "hidden_text.styled_letters",
    "hidden_text.disguised_brand",
    "hidden_text.invisible",
    "hidden_text.mixed_script",
    "risky_link.free_hosting",
    "reply_mismatch.free_mail",
    "pressure_language.callback",
    # No QR code in the corpus's pictures (its phishing is from 2004-05 and 2022-24); the
    # "scan this code" lures came after. Suspicious alone; phishing with pressure or another
    # strong sign.
    "qr_code.link",
)


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _fit(x: np.ndarray, y: np.ndarray, names: list[str]) -> tuple[float, dict[str, float]]:
    active = list(range(len(names)))
    while True:
        model = LogisticRegression(C=C, class_weight="balanced", max_iter=2000)
        model.fit(x[:, active], y)
        coef = model.coef_[0]
        negative = [active[i] for i, w in enumerate(coef) if w < 0]
        if not negative:
            weights = {names[j]: round(float(w), 3) for j, w in zip(active, coef, strict=True)}
            for j in set(range(len(names))) - set(active):
                weights[names[j]] = 0.0
            return round(float(model.intercept_[0]), 3), weights
        active = [j for j in active if j not in negative]


def _threshold(scores: list[float], rate: float) -> float:
    """The lowest threshold that flags at most ``rate`` of ``scores``, just above a score."""
    ordered = sorted(scores, reverse=True)
    allowed = int(math.floor(rate * len(ordered)))
    if allowed >= len(ordered):
        return 0.0
    return round(min(0.999, ordered[allowed] + 1e-3), 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    args = parser.parse_args()

    rows: list[tuple[str, int, tuple[str, ...]]] = []
    for example in examples("fit", args.root):
        try:
            verdict = analyse(example.data)
        except ValueError:
            continue
        rows.append((example.source, example.label, verdict.features))
    names = sorted({f for _, _, features in rows for f in features} - set(HAND_SET_SMALL))
    x = np.array([[1.0 if n in features else 0.0 for n in names] for _, _, features in rows])
    y = np.array([label for _, label, _ in rows])
    intercept, weights = _fit(x, y, names)

    counts = {
        name: {
            "phishing": int(sum(1 for _, label, f in rows if label == 1 and name in f)),
            "legitimate": int(sum(1 for _, label, f in rows if label == 0 and name in f)),
        }
        for name in sorted({f for _, _, features in rows for f in features})
    }
    # Thresholds from the fitted weights plus the small hand-set ones (which do fire here).
    draft = {
        "intercept": intercept,
        "weights": weights,
        "hand_set": HAND_SET_SMALL,
        "phishing_threshold": 0.5,
        "suspicious_threshold": 0.5,
    }
    scorer = scorer_from_dict(draft)
    # Scores of legitimate mail that the weak-signal rule leaves clean do not count.
    ham_scores = [
        scorer.score(f) for _, label, f in rows if label == 0 and scorer.verdict(f)[0] != "clean"
    ] + [0.0] * sum(1 for _, label, f in rows if label == 0 and scorer.verdict(f)[0] == "clean")
    # "phishing" needs two independent signs, or one unambiguous hand-set or floored one: no
    # single fitted feature reaches it alone. Without this rule the 0.5% quantile sits wherever
    # the few legitimate fit-split messages with any feature happen to score, which moves a lot
    # between fits (see docs/mail-checks.md).
    strongest_alone = 1 / (1 + math.exp(-(intercept + max(weights.values()))))
    phishing_threshold = max(
        0.5, _threshold(ham_scores, HAM_PHISHING_RATE), round(strongest_alone + 0.001, 3)
    )
    suspicious_threshold = min(
        phishing_threshold - 0.01, _threshold(ham_scores, HAM_SUSPICIOUS_RATE)
    )
    # Never so low that a feature weighing under 0.5 (too weak to mean anything alone)
    # would flag an email by itself.
    lowest = round(1 / (1 + math.exp(-(intercept + MIN_WEIGHT_TO_FLAG))), 3)
    suspicious_threshold = max(suspicious_threshold, lowest)
    to_phishing = round(_logit(phishing_threshold) - intercept + 0.5, 3)
    to_suspicious = round(_logit(suspicious_threshold) - intercept + 0.25, 3)
    data = {
        "about": (
            "Written by scripts/fit_mail_weights.py; explained in docs/mail-checks.md. "
            "weights: fitted (logistic regression, non-negative) on the fit split only. "
            "hand_set: features the public corpus cannot show. floors: minimum weights."
        ),
        "split": {"seed": SEED, "fit_fraction": FIT_FRACTION, "fit_messages": len(rows)},
        "intercept": intercept,
        "weights": weights,
        "hand_set": {**{f: to_phishing for f in HAND_SET_PHISHING}, **HAND_SET_SMALL},
        "floors": {
            **{f: to_suspicious for f in SUSPICIOUS_FLOORS},
            **{f: to_phishing for f in PHISHING_FLOORS},
        },
        "weak_features": sorted(WEAK_FEATURES),
        "phishing_threshold": phishing_threshold,
        "suspicious_threshold": suspicious_threshold,
        "fit_counts": counts,
    }
    OUT.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    by_source = collections.Counter(source for source, _, _ in rows)
    print(f"fitted on {len(rows)} messages: {dict(by_source)}")
    print(
        f"intercept {intercept}; thresholds phishing {phishing_threshold}, suspicious "
        f"{suspicious_threshold}"
    )
    for name in names:
        print(f"  {name:42s} {weights[name]:7.3f}  {counts[name]}")
    print(f"wrote {OUT}")
    print()
    print(weights_table(data))
    return 0


def weights_table(data: dict[str, Any]) -> str:
    """The Markdown table of docs/mail-checks.md for these weights."""
    scorer = scorer_from_dict(data)
    fitted, hand_set, floors = data["weights"], data["hand_set"], data["floors"]
    lines = [
        "| feature | fitted weight | where the weight comes from | weight used | verdict alone "
        "| fit split: phishing / legitimate with it |",
        "| --- | ---: | --- | ---: | --- | ---: |",
    ]
    for name in sorted(scorer.weights):
        counts = data["fit_counts"].get(name, {"phishing": 0, "legitimate": 0})
        if name in hand_set:
            source, shown = "hand-set", "—"
        elif name in fitted:
            shown = f"{fitted[name]:.3f}"
            source = "fitted"
            if name in floors and floors[name] > fitted[name]:
                source = "fitted, raised to floor"
        else:
            source, shown = "floor (absent from fit split)", "—"
        verdict, _ = scorer.verdict([name])
        lines.append(
            f"| `{name}` | {shown} | {source} | {scorer.weights[name]:.2f} | {verdict} "
            f"| {counts['phishing']} / {counts['legitimate']} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
