"""Train the abuse model and write src/civicshield/core/abuse/abuse_model.npz.

Deterministic: fixed seeds, fixed data order, liblinear solver. Uses
  - TweetEval offensive: train split (val for model selection),
  - TweetEval hate: train split (val for model selection),
  - Davidson et al. 2017: our own seeded split (80% train / 10% val / 10% test, seed 2017),
  - scripts/data/abuse_extra.jsonl: hand-written examples (never in any test set; a test checks).
The TweetEval test splits are never read here.

    python scripts/train_abuse.py [--data /work/shared/data/abuse] [--out PATH]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import html
import json
import re
import sys
from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from civicshield.core.abuse.classifier import prepare
from civicshield.core.abuse.model import MODEL_PATH, features, raw_counts, save_model

DEFAULT_DATA = Path("/work/shared/data/abuse")
EXTRA = Path(__file__).with_name("data") / "abuse_extra.jsonl"
DAVIDSON_SEED = 2017
C_GRID = (0.5, 1.0, 2.0, 4.0)
# Hand-written examples are few; each counts as this many tweets.
EXTRA_WEIGHT = 8.0


def read_jsonl(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def clean_davidson(text: str) -> str:
    text = html.unescape(text)
    text = re.sub(r"^(?:RT\s+)?(?:@\w+:?\s*)+", "@user ", text)
    text = re.sub(r"@\w+", "@user", text)
    return re.sub(r"https?://\S+", "URL", text)


def davidson_split(data: Path) -> dict[str, list[tuple[str, int, int]]]:
    """(text, offensive, hate) per split; class 0 hate, 1 offensive, 2 neither."""
    with (data / "davidson" / "labeled_data.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    order = np.random.RandomState(DAVIDSON_SEED).permutation(len(rows))
    n_train, n_val = int(0.8 * len(rows)), int(0.9 * len(rows))
    splits: dict[str, list[tuple[str, int, int]]] = {"train": [], "val": [], "test": []}
    for rank, index in enumerate(order):
        row = rows[int(index)]
        label = int(row["class"])
        item = (clean_davidson(row["tweet"]), int(label != 2), int(label == 0))
        split = "train" if rank < n_train else "val" if rank < n_val else "test"
        splits[split].append(item)
    return splits


def load_training(data: Path) -> dict[str, list[tuple[str, int, int]]]:
    """Each source as (text, offensive label or -1, hate label or -1); -1 = not labelled."""
    sources: dict[str, list[tuple[str, int, int]]] = {}
    for split in ("train", "val"):
        sources[f"off_{split}"] = [
            (str(r["text"]), int(r["label"]), -1)  # type: ignore[call-overload]
            for r in read_jsonl(data / "tweeteval_offensive" / f"{split}.jsonl")
        ]
        sources[f"hate_{split}"] = [
            (str(r["text"]), -1, int(r["label"]))  # type: ignore[call-overload]
            for r in read_jsonl(data / "tweeteval_hate" / f"{split}.jsonl")
        ]
    dav = davidson_split(data)
    sources["dav_train"], sources["dav_val"] = dav["train"], dav["val"]
    sources["extra"] = (
        [
            (str(r["text"]), int(r["offensive"]), int(r["hate"]))  # type: ignore[call-overload]
            for r in read_jsonl(EXTRA)
        ]
        if EXTRA.exists()
        else []
    )
    return sources


def best_threshold(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    best = (0.5, 0.0)
    for t in np.arange(0.2, 0.81, 0.02):
        score = f1_score(y, p >= t, average="macro")
        if score > best[1] + 1e-9:
            best = (float(round(t, 2)), float(score))
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--davidson-weight", type=float, default=0.3)
    args = parser.parse_args(argv)

    sources = load_training(args.data)
    prepared: dict[str, tuple[list[str], np.ndarray]] = {}
    for name, items in sources.items():
        texts, dense = prepare([t for t, _, _ in items])
        prepared[name] = (texts, dense)
        print(f"{name}: {len(items)} items", file=sys.stderr)

    # IDF over every training text (train splits + extra), never val or test.
    train_names = ("off_train", "hate_train", "dav_train", "extra")
    all_train = [t for n in train_names for t in prepared[n][0]]
    word_counts, char_counts = raw_counts(all_train)
    n_docs = len(all_train)

    def idf(counts: object) -> np.ndarray:
        df = np.bincount(counts.indices, minlength=counts.shape[1])  # type: ignore[attr-defined]
        return (np.log((1.0 + n_docs) / (1.0 + df)) + 1.0).astype(np.float32)

    idf_word, idf_char = idf(word_counts), idf(char_counts)

    def matrix(name: str) -> object:
        texts, dense = prepared[name]
        return features(
            texts,
            dense,
            idf_word.astype(np.float16).astype(np.float32),
            idf_char.astype(np.float16).astype(np.float32),
        )

    mats = {name: matrix(name) for name in prepared if prepared[name][0]}
    import scipy.sparse as sp

    def labelled(names: tuple[str, ...], column: int, weights: dict[str, float]):
        xs, ys, ws = [], [], []
        for name in names:
            if name not in mats:
                continue
            y = np.array([item[column] for item in sources[name]])
            keep = y >= 0
            xs.append(mats[name][keep])  # type: ignore[index]
            ys.append(y[keep])
            ws.append(np.full(int(keep.sum()), weights.get(name, 1.0)))
        return sp.vstack(xs, format="csr"), np.concatenate(ys), np.concatenate(ws)

    weights = {"dav_train": args.davidson_weight, "extra": EXTRA_WEIGHT}
    heads = []
    thresholds: dict[str, float] = {}
    report: dict[str, object] = {}
    for column, head, val_name in ((1, "offensive", "off_val"), (2, "hate", "hate_val")):
        x, y, w = labelled(train_names, column, weights)
        xv = mats[val_name]
        yv = np.array([item[column] for item in sources[val_name]])
        best: tuple[float, float, float, LogisticRegression] | None = None
        for c in C_GRID:
            clf = LogisticRegression(
                C=c, solver="liblinear", max_iter=1000, class_weight="balanced"
            )
            clf.fit(x, y, sample_weight=w)
            p = clf.predict_proba(xv)[:, 1]
            t, score = best_threshold(yv, p)
            print(f"{head} C={c}: val macro-F1 {score:.4f} at threshold {t}", file=sys.stderr)
            if best is None or score > best[1] + 1e-9:
                best = (c, score, t, clf)
        if best is None:
            raise RuntimeError("no model was trained")
        c, score, t, clf = best
        heads.append(clf)
        thresholds[head] = t
        report[head] = {"C": c, "val_macro_f1": round(score, 4), "threshold": t}

    coef = np.vstack([clf.coef_[0] for clf in heads]).astype(np.float32)
    intercept = np.array([clf.intercept_[0] for clf in heads])
    digest = hashlib.sha256()
    for name in train_names:
        for text, a, b in sources[name]:
            digest.update(f"{text}\t{a}\t{b}\n".encode())
    meta = {
        "sklearn": sklearn.__version__,
        "training_sha256": digest.hexdigest(),
        "davidson_seed": DAVIDSON_SEED,
        "davidson_weight": args.davidson_weight,
        "selection": report,
    }
    save_model(
        args.out,
        idf_word=idf_word,
        idf_char=idf_char,
        coef=coef,
        intercept=intercept,
        thresholds=thresholds,
        meta=meta,
    )
    print(json.dumps(meta, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
