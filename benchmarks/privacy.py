"""Precision, recall and speed of the pre-publish privacy scanner.

    nice .venv/bin/python benchmarks/privacy.py [--shared-data DIR] [--mistakes]
        [--write benchmarks/results/privacy.md]

The labelled set (benchmarks/data/privacy/, see its README.md):

- ``handwritten.jsonl``: posts written for this benchmark in a UK representative's voice, each
  labelled with the kinds of personal information it contains (none for the hard negatives),
  scanned with the office lists in ``private.json``;
- ``tweeteval_val_labels.jsonl``: labels for every tweet of TweetEval's offensive *validation*
  split (real posts, read from the shared data folder; never the test split), scanned
  without a private list.

A kind counts per post: predicted when the scanner reports at least one finding of that kind.
Speed is posts per second over the whole set, best of a few runs, on one core; and photos
per second for reading and stripping a 12-megapixel JPEG with GPS.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import sys
import time
from collections import Counter
from pathlib import Path

from civicshield.core.privacy import (
    TEXT_KINDS,
    PrivateList,
    scan_image,
    scan_text,
    strip_image_metadata,
)

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "privacy"
TWEETS = Path("abuse") / "tweeteval_offensive" / "val.jsonl"
SHARED_CANDIDATES = (
    os.environ.get("CIVICSHIELD_SHARED_DATA", ""),
    str(HERE.parent.parent / "shared" / "data"),
    "/work/shared/data",
)


def load_private() -> PrivateList:
    data = json.loads((DATA / "private.json").read_text(encoding="utf-8"))
    return PrivateList.build(data["names"], allowed=data["allowed"])


def load_handwritten(name: str = "handwritten.jsonl") -> list[dict]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_tweets(shared: str | None) -> list[dict]:
    labels = {}
    with (DATA / "tweeteval_val_labels.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            labels[row["id"]] = row["kinds"]
    for candidate in ([shared] if shared else []) + list(SHARED_CANDIDATES):
        if candidate and (Path(candidate) / TWEETS).exists():
            path = Path(candidate) / TWEETS
            break
    else:
        print("(shared data not found: scoring the hand-written posts only)", file=sys.stderr)
        return []
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            rows.append({"id": row["id"], "text": row["text"], "kinds": labels[row["id"]]})
    return rows


def score(posts: list[dict], private: PrivateList | None) -> tuple[Counter, Counter, Counter, list]:
    tp, fp, fn = Counter(), Counter(), Counter()
    mistakes = []
    for post in posts:
        gold = set(post["kinds"])
        found = {finding.kind for finding in scan_text(post["text"], private=private)}
        for kind in TEXT_KINDS:
            if kind in found and kind in gold:
                tp[kind] += 1
            elif kind in found:
                fp[kind] += 1
                mistakes.append(("FP", kind, post["id"], post["text"]))
            elif kind in gold:
                fn[kind] += 1
                mistakes.append(("FN", kind, post["id"], post["text"]))
    return tp, fp, fn, mistakes


def ratio(a: int, b: int) -> str:
    return "n/a" if b == 0 else f"{a / b:.2f}"


def table(title: str, tp: Counter, fp: Counter, fn: Counter, posts: int) -> list[str]:
    lines = [
        f"### {title} ({posts} posts)",
        "",
        "| kind | posts with it | found | wrongly flagged | missed | precision | recall |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in TEXT_KINDS:
        support = tp[kind] + fn[kind]
        lines.append(
            f"| {kind} | {support} | {tp[kind]} | {fp[kind]} | {fn[kind]} | "
            f"{ratio(tp[kind], tp[kind] + fp[kind])} | {ratio(tp[kind], support)} |"
        )
    t, f, n = sum(tp.values()), sum(fp.values()), sum(fn.values())
    lines.append(
        f"| **all kinds** | {t + n} | {t} | {f} | {n} | {ratio(t, t + f)} | {ratio(t, t + n)} |"
    )
    return lines + [""]


def text_speed(posts: list[dict], private: PrivateList, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for post in posts:
            scan_text(post["text"], private=private)
        best = min(best, time.perf_counter() - start)
    return len(posts) / best


def image_speed(repeats: int = 3) -> tuple[float, float, int]:
    from PIL import ExifTags, Image
    from PIL.TiffImagePlugin import IFDRational

    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Apple"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitude] = (IFDRational(51), IFDRational(30), IFDRational(0))
    gps[ExifTags.GPS.GPSLongitude] = (IFDRational(0), IFDRational(8), IFDRational(0))
    # Noise compresses like a real photo does (a few MB), unlike a flat test card.
    image = Image.merge("RGB", [Image.effect_noise((4032, 3024), 40 + 10 * i) for i in range(3)])
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    data = out.getvalue()
    scan_best = strip_best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        scan_image(data)
        scan_best = min(scan_best, time.perf_counter() - start)
        start = time.perf_counter()
        strip_image_metadata(data)
        strip_best = min(strip_best, time.perf_counter() - start)
    return 1 / scan_best, 1 / strip_best, len(data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--shared-data", help="the shared data folder (holds abuse/tweeteval_offensive)"
    )
    parser.add_argument(
        "--write", metavar="FILE", help="also write the tables to this Markdown file"
    )
    parser.add_argument("--mistakes", action="store_true", help="list every wrong or missed post")
    args = parser.parse_args()

    private = load_private()
    handwritten = load_handwritten()
    heldout = load_handwritten("heldout.jsonl")
    tweets = load_tweets(args.shared_data)

    lines = ["# Privacy scanner benchmark", ""]
    lines.append(
        f"Python {platform.python_version()} on {platform.machine()}, one process, on a "
        f"2-core machine shared with other jobs (load {os.getloadavg()[0]:.1f}: rates vary "
        "by half between runs); "
        "kinds are scored per post (see benchmarks/privacy.py and "
        "benchmarks/data/privacy/README.md)."
    )
    lines.append("")
    all_mistakes = []
    totals = [Counter(), Counter(), Counter()]
    for title, posts, plist in (
        ("Hand-written development posts, with the office lists", handwritten, private),
        ("Hand-written held-out posts, with the office lists", heldout, private),
        ("Real posts: TweetEval offensive, validation split", tweets, None),
    ):
        if not posts:
            continue
        tp, fp, fn, mistakes = score(posts, plist)
        all_mistakes += mistakes
        lines += table(title, tp, fp, fn, len(posts))
        for total, part in zip(totals, (tp, fp, fn), strict=True):
            total.update(part)
    if tweets:
        lines += table("All sets together", *totals, len(handwritten) + len(heldout) + len(tweets))
    clean_tweets = [t for t in tweets if not t["kinds"]]
    if clean_tweets:
        flagged = sum(1 for t in clean_tweets if scan_text(t["text"]))
        lines.append(
            f"Real posts without personal information wrongly flagged: {flagged} of "
            f"{len(clean_tweets)} ({flagged / len(clean_tweets):.1%})."
        )
        lines.append("")
    everything = handwritten + heldout + tweets
    rate = text_speed(everything, private)
    scan_rate, strip_rate, size = image_speed()
    lines += [
        "### Speed",
        "",
        "| what | rate |",
        "|---|---:|",
        f"| text posts scanned (all {len(everything)} posts, best of 3) | {rate:,.0f} posts/s |",
        f"| 12-megapixel JPEG ({size / 1e6:.1f} MB) read with `scan_image` "
        f"| {scan_rate:.1f} photos/s |",
        f"| same photo through `strip_image_metadata` | {strip_rate:.1f} photos/s |",
        "",
    ]
    history = DATA / "HISTORY.md"
    if history.exists():
        lines.append(history.read_text(encoding="utf-8"))
    report = "\n".join(lines)
    print(report)
    if args.mistakes:
        for what, kind, post_id, text in all_mistakes:
            print(f"{what} {kind:15} {post_id:10} {text[:110]!r}")
    if args.write:
        Path(args.write).write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
