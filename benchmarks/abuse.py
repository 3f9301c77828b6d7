"""Quality and speed of the abuse classifier, as one table.

    OMP_NUM_THREADS=1 python benchmarks/abuse.py [--data /work/shared/data/abuse] [--split test]

Rows: TweetEval offensive (macro-F1, accuracy of ``abusive``), TweetEval hate (macro-F1 of
the ``hate`` label; never trained on), threat precision/recall on benchmarks/data/threat_test.jsonl,
counter-speech about threats labelled ``threat``, hate functional tests per case type
(benchmarks/data/hate_functional.jsonl), false alarms on ordinary political criticism
(benchmarks/data/political_criticism.jsonl), messages per second on one core, peak memory.
``--split val`` runs the TweetEval rows on the validation splits (for development).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402

from civicshield.core.abuse import classifier, classify_many  # noqa: E402
from civicshield.core.abuse.classifier import prepare  # noqa: E402
from civicshield.core.abuse.model import load_model  # noqa: E402

HERE = Path(__file__).parent
DATA = HERE / "data"


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def macro_f1(y: list[int], p: list[int]) -> float:
    scores = []
    for cls in (0, 1):
        tp = sum(1 for a, b in zip(y, p, strict=True) if a == cls and b == cls)
        fp = sum(1 for a, b in zip(y, p, strict=True) if a != cls and b == cls)
        fn = sum(1 for a, b in zip(y, p, strict=True) if a == cls and b != cls)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return sum(scores) / 2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data/abuse"))
    parser.add_argument("--split", choices=("test", "val"), default="test")
    parser.add_argument("--speed-messages", type=int, default=20_000)
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []

    off = read_jsonl(args.data / "tweeteval_offensive" / f"{args.split}.jsonl")
    results = list(classify_many(r["text"] for r in off))
    y = [int(r["label"]) for r in off]
    p = [int(res.abusive) for res in results]
    acc = sum(a == b for a, b in zip(y, p, strict=True)) / len(y)
    rows.append(
        (
            f"TweetEval offensive ({args.split}, n={len(y)}) macro-F1",
            f"{macro_f1(y, p):.3f}",
            "≥ 0.80",
        )
    )
    rows.append((f"TweetEval offensive ({args.split}) accuracy", f"{acc:.3f}", ""))

    # Diagnostics: where the product rules cost OLID agreement.
    model = load_model()
    texts = [r["text"] for r in off]
    normalised, dense = prepare(texts)
    p_model = [
        int(p >= model.thresholds["offensive"]) for p in model.predict(normalised, dense)[:, 0]
    ]
    rows.append(
        (
            f"  diagnostic: offensive model head alone ({args.split}) macro-F1",
            f"{macro_f1(y, p_model):.3f}",
            "",
        )
    )
    saved = classifier.POLITICAL_THRESHOLD
    classifier.POLITICAL_THRESHOLD = 0.0
    try:
        p_noguard = [int(res.abusive) for res in classify_many(texts)]
    finally:
        classifier.POLITICAL_THRESHOLD = saved
    rows.append(
        (
            f"  diagnostic: full classifier without the political guard ({args.split}) macro-F1",
            f"{macro_f1(y, p_noguard):.3f}",
            "",
        )
    )

    hate = read_jsonl(args.data / "tweeteval_hate" / f"{args.split}.jsonl")
    results = list(classify_many(r["text"] for r in hate))
    y = [int(r["label"]) for r in hate]
    p = [int("hate" in res.labels) for res in results]
    rows.append(
        (f"TweetEval hate ({args.split}, n={len(y)}) macro-F1", f"{macro_f1(y, p):.3f}", "≥ 0.60")
    )

    threat = read_jsonl(DATA / "threat_test.jsonl")
    results = list(classify_many(r["text"] for r in threat))
    tp = sum(
        1 for r, res in zip(threat, results, strict=True) if r["threat"] and "threat" in res.labels
    )
    fp = sum(
        1
        for r, res in zip(threat, results, strict=True)
        if not r["threat"] and "threat" in res.labels
    )
    fn = sum(
        1
        for r, res in zip(threat, results, strict=True)
        if r["threat"] and "threat" not in res.labels
    )
    rows.append(
        (
            f"Threat precision (n={len(threat)}, {tp + fn} threats)",
            f"{tp / max(1, tp + fp):.3f}",
            "",
        )
    )
    rows.append(("Threat recall", f"{tp / max(1, tp + fn):.3f}", "≥ 0.95"))
    counter = [
        (r, res) for r, res in zip(threat, results, strict=True) if r["kind"] == "counter_speech"
    ]
    rate = sum("threat" in res.labels for _, res in counter) / max(1, len(counter))
    rows.append(
        (f"Counter-speech about threats labelled threat (n={len(counter)})", f"{rate:.1%}", "< 10%")
    )
    if args.show_errors:
        for r, res in zip(threat, results, strict=True):
            if bool(r["threat"]) != ("threat" in res.labels):
                print(
                    "THREAT MISS" if r["threat"] else "THREAT FP",
                    r["kind"],
                    r["text"][:120],
                    res.labels,
                )

    functional = read_jsonl(DATA / "hate_functional.jsonl")
    results = list(classify_many(r["text"] for r in functional))
    per_case: dict[str, list[bool]] = defaultdict(list)
    for r, res in zip(functional, results, strict=True):
        ok = bool(r["hate"]) == ("hate" in res.labels)
        per_case[r["case"]].append(ok)
        if args.show_errors and not ok:
            print("HATE", r["case"], r["text"][:120], res.labels)
    for case, oks in per_case.items():
        rows.append(
            (f"Hate functional: {case} (n={len(oks)})", f"{sum(oks) / len(oks):.0%}", "≥ 70%")
        )

    political = read_jsonl(DATA / "political_criticism.jsonl")
    results = list(classify_many(r["text"] for r in political))
    flagged = [r["text"] for r, res in zip(political, results, strict=True) if res.abusive]
    if args.show_errors:
        for text in flagged:
            print("POLITICAL FP", text)
    rows.append(
        (
            f"Political criticism flagged abusive (n={len(political)})",
            f"{len(flagged) / len(political):.1%}",
            "< 5%",
        )
    )
    classifier.POLITICAL_THRESHOLD = 0.0
    try:
        unguarded = [res.abusive for res in classify_many(r["text"] for r in political)]
    finally:
        classifier.POLITICAL_THRESHOLD = saved
    rows.append(
        (
            "  diagnostic: political criticism flagged without the political guard",
            f"{sum(unguarded) / len(political):.1%}",
            "",
        )
    )

    texts = [r["text"] for r in off]
    stream = (texts[i % len(texts)] for i in range(args.speed_messages))
    start, cpu_start = time.perf_counter(), time.process_time()
    count = sum(1 for _ in classify_many(stream))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    # CPU time is what one core spends; wall time also counts waiting for a shared CPU.
    rows.append(("Messages per wall-clock second (machine shared)", f"{count / elapsed:,.0f}", ""))
    rows.append(
        (f"Messages per CPU-second, one thread (n={count})", f"{count / cpu:,.0f}", "≥ 2,000")
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(("Peak memory (RSS, whole benchmark)", f"{peak:,.0f} MB", ""))

    width = max(len(r[0]) for r in rows)
    print(f"| {'measure'.ljust(width)} | value | target |")
    print(f"| {'-' * width} | --- | --- |")
    for name, value, target in rows:
        print(f"| {name.ljust(width)} | {value} | {target} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
