"""The development corpus for the mail checks and its fixed fit / held-out split.

Shared by ``scripts/fit_mail_weights.py`` (reads only the fit part) and ``benchmarks/mail.py``
(reads only the held-out part). The split is stratified by source folder: within each source
the messages are sorted by name, shuffled with a seed derived from the source's name, and the
first 60% are for fitting. The corpus itself stays in /work/shared (never in git).
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from civicshield.core.mail.sources import RawMessage, iter_messages

DEFAULT_ROOT = Path(os.environ.get("CIVICSHIELD_PHISHING_DATA", "/work/shared/data/phishing"))
SOURCES: dict[str, tuple[str, int]] = {
    # source name -> (folder under the corpus root, label: 1 phishing / 0 legitimate)
    "phishing_pot": ("phish/phishing_pot", 1),
    "nazario": ("phish/nazario", 1),
    "spamassassin": ("ham/spamassassin", 0),
    "usrp-users": ("ham/usrp-users", 0),
}
FIT_FRACTION = 0.6
# Phishing Pot replaced every recipient with ``phishing@pot`` (README: an anonymisation
# artefact). Put a neutral, valid address back so that no check can learn from it, e.g. the
# collector's forwards "From: phishing@pot" would otherwise look like an impossible sender.
ANONYMISED_RECIPIENT = b"phishing@pot"
NEUTRAL_RECIPIENT = b"recipient@example.org"
SEED = "civicshield-mail-split-v1"


@dataclass(frozen=True)
class Example:
    source: str
    path: str
    label: int
    data: bytes


def _split(source: str, items: list[RawMessage]) -> tuple[list[RawMessage], list[RawMessage]]:
    ordered = sorted(items, key=lambda item: item.path)
    random.Random(f"{SEED}:{source}").shuffle(ordered)  # noqa: S311 - a split, not a secret
    cut = round(len(ordered) * FIT_FRACTION)
    return ordered[:cut], ordered[cut:]


def examples(part: str, root: Path = DEFAULT_ROOT) -> Iterator[Example]:
    """Messages of one part, ``"fit"`` or ``"heldout"``, source by source."""
    if part not in ("fit", "heldout"):
        raise ValueError(part)
    for source, (folder, label) in SOURCES.items():
        items = [i for i in iter_messages([str(root / folder)]) if isinstance(i, RawMessage)]
        fit, heldout = _split(source, items)
        for item in fit if part == "fit" else heldout:
            yield Example(
                source, item.path, label, item.data.replace(ANONYMISED_RECIPIENT, NEUTRAL_RECIPIENT)
            )
