"""Detection rate, false-positive rate and speed of the mail checks.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/mail.py [--root /work/shared/data/phishing]

1. The HELD-OUT 40% of the development corpus (scripts/mail_corpus.py; the weights were fitted on
   the other 60% only), per source and overall: share of phishing flagged (phishing or
   suspicious), share flagged phishing; share of legitimate mail flagged phishing (target <= 1%)
   and flagged at all.
2. Our own hand-written spear-phishing cases (benchmarks/data/mail/, with its trusted.csv and
   own domain parliament.uk): lookalikes of the office's contacts and domains, document lures,
   spoofed own domain, which the public corpora cannot test.
3. Messages per second on one core (analysis only, messages already in memory).
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from mail_corpus import DEFAULT_ROOT, examples  # noqa: E402

from civicshield.core.mail import TrustedDirectory, analyse  # noqa: E402

CASES = ROOT / "benchmarks" / "data" / "mail"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def corpus_table(root: Path) -> tuple[list[str], list[bytes]]:
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    labels: dict[str, int] = {}
    data: list[bytes] = []
    for example in examples("heldout", root):
        data.append(example.data)
        labels[example.source] = example.label
        try:
            verdict = analyse(example.data).verdict
        except ValueError:
            verdict = "error"
        counts[example.source][verdict] += 1
        counts[example.source]["total"] += 1
    lines = [
        "| source | kind | messages | flagged (phishing or suspicious) | flagged phishing "
        "| errors |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    totals = {0: collections.Counter[str](), 1: collections.Counter[str]()}
    for source, c in counts.items():
        totals[labels[source]].update(c)
        kind = "phishing" if labels[source] else "legitimate"
        flagged = c["phishing"] + c["suspicious"]
        lines.append(
            f"| {source} | {kind} | {c['total']} | {_pct(flagged, c['total'])} | "
            f"{_pct(c['phishing'], c['total'])} | {c['error']} |"
        )
    for label, name in ((1, "all phishing"), (0, "all legitimate")):
        c = totals[label]
        flagged = c["phishing"] + c["suspicious"]
        lines.append(
            f"| **{name}** | | {c['total']} | **{_pct(flagged, c['total'])}** | "
            f"**{_pct(c['phishing'], c['total'])}** | {c['error']} |"
        )
    return lines, data


def cases_table() -> list[str]:
    trusted = TrustedDirectory.from_csv(
        (CASES / "trusted.csv").read_text(encoding="utf-8"), own_domains=["parliament.uk"]
    )
    lines = ["| case | expected | verdict | score |", "| --- | --- | --- | ---: |"]
    right = total = 0
    for folder, expected in (("phishing", {"phishing", "suspicious"}), ("legitimate", {"clean"})):
        for path in sorted((CASES / folder).glob("*.eml")):
            verdict = analyse(path.read_bytes(), trusted=trusted)
            ok = verdict.verdict in expected
            right += ok
            total += 1
            mark = "" if ok else " **(miss)**"
            lines.append(
                f"| {path.stem} | {folder} | {verdict.verdict}{mark} | {verdict.score:.3f} |"
            )
    lines.append(f"| **correct** | | **{right} of {total}** | |")
    return lines


def speed(data: list[bytes], rounds: int = 2) -> tuple[float, float]:
    """(messages per CPU second of this process, messages per wall-clock second).

    CPU time is the fairer figure on a shared machine: other jobs do not inflate it.
    """
    start = time.perf_counter()
    cpu_start = time.process_time()
    count = 0
    for _ in range(rounds):
        for raw in data:
            try:
                analyse(raw)
            except ValueError:
                pass
            count += 1
    return count / (time.process_time() - cpu_start), count / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description="mail checks benchmark")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    args = parser.parse_args()
    print("## Held-out development corpus (40%, never used for fitting)\n")
    lines, data = corpus_table(args.root)
    print("\n".join(lines))
    print("\n## Hand-written spear-phishing cases (benchmarks/data/mail/)\n")
    print("\n".join(cases_table()))
    cpu_rate, wall_rate = speed(data)
    size = sum(len(d) for d in data) / len(data) / 1024
    print(
        f"\n## Speed\n\n{cpu_rate:.0f} messages per CPU-second on one core "
        f"({wall_rate:.0f} per wall-clock second on this shared machine; {len(data)} held-out "
        f"messages, mean {size:.0f} KB, parsing and all checks, no network)."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
