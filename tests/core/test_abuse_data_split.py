"""Hand-written training examples never appear in any hand-written test set."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRAINING = ROOT / "scripts" / "data" / "abuse_extra.jsonl"
DEV = ROOT / "scripts" / "data" / "political_dev.jsonl"
TEST_SETS = sorted((ROOT / "benchmarks" / "data").glob("*.jsonl"))


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _texts(path: Path) -> set[str]:
    with path.open(encoding="utf-8") as handle:
        return {_key(json.loads(line)["text"]) for line in handle if line.strip()}


def test_test_sets_exist():
    names = {p.name for p in TEST_SETS}
    assert {"threat_test.jsonl", "hate_functional.jsonl", "political_criticism.jsonl"} <= names


def test_training_examples_and_test_sets_do_not_overlap():
    training = _texts(TRAINING) | _texts(DEV)
    assert training
    for path in TEST_SETS:
        overlap = training & _texts(path)
        assert not overlap, (
            f"{path.name} shares examples with the training data: {sorted(overlap)[:5]}"
        )


def test_no_near_duplicates_between_training_and_test_sets():
    training = [set(t.split()) for t in _texts(TRAINING) | _texts(DEV)]
    for path in TEST_SETS:
        for text in _texts(path):
            words = set(text.split())
            for other in training:
                union = words | other
                if len(union) >= 4:
                    similarity = len(words & other) / len(union)
                    assert similarity < 0.8, f"{path.name}: {text!r} is almost a training example"
