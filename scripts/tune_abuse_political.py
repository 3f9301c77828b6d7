"""Choose POLITICAL_THRESHOLD in civicshield/core/abuse/classifier.py on development data only.

For each candidate: macro-F1 of ``abusive`` on the TweetEval offensive *validation* split and the
share of scripts/data/political_dev.jsonl (hand-written political criticism, kept apart from the
benchmark's political set) flagged abusive. The rule: the lowest threshold whose development
false-alarm rate is at most half the 5% target.

    python scripts/tune_abuse_political.py [--data /work/shared/data/abuse]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sklearn.metrics import f1_score

from civicshield.core.abuse import classifier, classify_many

DEV = Path(__file__).with_name("data") / "political_dev.jsonl"
MAX_DEV_FALSE_ALARMS = 0.025
CANDIDATES = (0.36, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)


def read_jsonl(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data/abuse"))
    args = parser.parse_args()
    val = read_jsonl(args.data / "tweeteval_offensive" / "val.jsonl")
    dev = [str(r["text"]) for r in read_jsonl(DEV)]
    y = [int(r["label"]) for r in val]  # type: ignore[call-overload]
    chosen = None
    print("| threshold | OLID val macro-F1 | dev political flagged |")
    print("| --- | --- | --- |")
    for threshold in CANDIDATES:
        classifier.POLITICAL_THRESHOLD = threshold
        p = [int(r.abusive) for r in classify_many(str(row["text"]) for row in val)]
        rate = sum(r.abusive for r in classify_many(dev)) / len(dev)
        print(f"| {threshold} | {f1_score(y, p, average='macro'):.3f} | {rate:.1%} |")
        if chosen is None and rate <= MAX_DEV_FALSE_ALARMS:
            chosen = threshold
    print(f"\nchosen POLITICAL_THRESHOLD = {chosen}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
