"""Flat memory: stream N JSONL messages through ``civicshield abuse classify`` in-process.

    OMP_NUM_THREADS=1 python benchmarks/abuse_stream.py [N]

Generates the input lazily (a pipe-like reader, nothing held in memory), writes the output
to a counting sink, and prints peak RSS after 10% of the messages and at the end.
"""

from __future__ import annotations

import io
import json
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from civicshield.cli import main  # noqa: E402
from civicshield.cli.env import Environment  # noqa: E402

SAMPLES = [
    json.loads(line)["text"]
    for line in Path("/work/shared/data/abuse/tweeteval_offensive/val.jsonl").open(encoding="utf-8")
]


class GeneratedInput(io.RawIOBase):
    """N JSONL lines made on demand."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.index = 0
        self.buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:  # type: ignore[no-untyped-def]
        while len(self.buffer) < len(target) and self.index < self.count:
            text = SAMPLES[self.index % len(SAMPLES)]
            self.buffer += (json.dumps({"id": self.index, "text": text}) + "\n").encode()
            self.index += 1
        n = min(len(target), len(self.buffer))
        target[:n] = self.buffer[:n]
        self.buffer = self.buffer[n:]
        return n


class CountingSink(io.StringIO):
    def __init__(self, count: int) -> None:
        super().__init__()
        self.lines = 0
        self.mark = max(1, count // 10)
        self.rss_at_mark = 0.0

    def write(self, s: str) -> int:
        newlines = s.count("\n")
        self.lines += newlines
        if newlines and self.lines % self.mark == 0:
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            if not self.rss_at_mark:
                self.rss_at_mark = rss
            print(f"{self.lines:,} lines, peak RSS {rss:,.0f} MB", file=sys.stderr, flush=True)
        return len(s)


def run(count: int) -> None:
    sink = CountingSink(count)
    env = Environment(
        stdin=io.BufferedReader(GeneratedInput(count)), stdout=sink, stderr=io.StringIO()
    )
    start = time.process_time()
    status = main(["abuse", "classify", "--format", "jsonl"], env)
    elapsed = time.process_time() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"| messages | {count:,} |")
    print(f"| output lines | {sink.lines:,} (exit status {status}) |")
    print(f"| peak RSS after 10% | {sink.rss_at_mark:,.0f} MB |")
    print(f"| peak RSS at the end | {peak:,.0f} MB |")
    print(f"| messages per CPU-second (CLI, one thread) | {count / elapsed:,.0f} |")


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
