"""The trained part of the classifier: hashed word and character n-grams, TF-IDF, two linear heads.

The weights live in ``abuse_model.npz`` next to this file, a plain NumPy archive (loaded with
``allow_pickle=False``, so loading never runs code). ``scripts/train_abuse.py`` writes it.
Features are computed on the normalised text, plus a few counts from the patterns, so the
model sees ``k1ll`` as ``kill`` and knows when a pattern was negated or quoted.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from civicshield.core.abuse.rules import RuleHit

MODEL_PATH = Path(__file__).with_name("abuse_model.npz")
WORD_FEATURES = 2**18
CHAR_FEATURES = 2**18
# Character n-grams of 3 to 5 letters within words: robust to misspellings; 2-grams cost
# 20% of the time for no gain on validation.
CHAR_NGRAMS = (3, 5)
TOKEN_PATTERN = r"(?u)@user|\b\w[\w']*\b|[!?]"  # noqa: S105 - a regex, not a password

# Dense features from the patterns, in this order (see ``rule_features``).
RULE_FEATURES: tuple[str, ...] = (
    "threat",
    "hate",
    "sexual",
    "harassment",
    "profanity",
    "spam_scam",
    "doxxing",
    "guarded",
    "second_person",
    "length",
)

ERROR_MODEL_MISSING = "the abuse model file is missing: run scripts/train_abuse.py to build it"


def _vectorisers() -> tuple[HashingVectorizer, HashingVectorizer]:
    word = HashingVectorizer(
        n_features=WORD_FEATURES,
        ngram_range=(1, 2),
        alternate_sign=False,
        norm=None,
        lowercase=False,
        token_pattern=TOKEN_PATTERN,
        dtype=np.float32,
    )
    char = HashingVectorizer(
        n_features=CHAR_FEATURES,
        analyzer="char_wb",
        ngram_range=CHAR_NGRAMS,
        alternate_sign=False,
        norm=None,
        lowercase=False,
        dtype=np.float32,
    )
    return word, char


def rule_features(hits: Sequence[RuleHit], text: str) -> list[float]:
    """The pattern counts the model sees for one message."""
    values = dict.fromkeys(RULE_FEATURES, 0.0)
    for hit in hits:
        if hit.guard is None:
            values[hit.label] = min(values[hit.label] + 1.0, 3.0)
        else:
            values["guarded"] = min(values["guarded"] + 1.0, 3.0)
    padded = f" {text} "
    values["second_person"] = float(
        any(w in padded for w in (" you ", " u ", " your ", " ur ", " you're ", "@user"))
    )
    values["length"] = min(len(text), 300) / 300.0
    return [values[name] for name in RULE_FEATURES]


def raw_counts(texts: Sequence[str]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Hashed n-gram counts (word, char) of normalised texts."""
    word, char = _vectorisers()
    return word.transform(texts).tocsr(), char.transform(texts).tocsr()


def _tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    counts = counts.copy()
    counts.data = 1.0 + np.log(counts.data)
    weighted = counts.multiply(idf.reshape(1, -1)).tocsr()
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ weighted, dtype=np.float32)


def features(
    texts: Sequence[str], dense: np.ndarray, idf_word: np.ndarray, idf_char: np.ndarray
) -> sp.csr_matrix:
    """The full feature matrix: TF-IDF word block, TF-IDF char block, pattern counts."""
    word_counts, char_counts = raw_counts(texts)
    return sp.hstack(
        [_tfidf(word_counts, idf_word), _tfidf(char_counts, idf_char), sp.csr_matrix(dense)],
        format="csr",
    )


@dataclass(frozen=True)
class AbuseModel:
    """Loaded weights of the two heads."""

    idf_word: np.ndarray
    idf_char: np.ndarray
    coef: np.ndarray
    """Shape (2, n_features): row 0 offensive, row 1 hate."""
    intercept: np.ndarray
    thresholds: dict[str, float]
    """Decision thresholds chosen on the validation splits."""
    meta: dict[str, object]

    def predict(self, texts: Sequence[str], dense: np.ndarray) -> np.ndarray:
        """Probabilities, shape (len(texts), 2): offensive, hate."""
        if not texts:
            return np.zeros((0, 2), dtype=np.float64)
        matrix = features(texts, dense, self.idf_word, self.idf_char)
        logits = np.asarray(matrix @ self.coef.T, dtype=np.float64) + self.intercept
        probabilities: np.ndarray = 1.0 / (1.0 + np.exp(-logits))
        return probabilities


def save_model(
    path: Path,
    *,
    idf_word: np.ndarray,
    idf_char: np.ndarray,
    coef: np.ndarray,
    intercept: np.ndarray,
    thresholds: dict[str, float],
    meta: dict[str, object],
) -> None:
    """Write the weights as a compressed NumPy archive (no pickled objects)."""
    np.savez_compressed(
        path,
        idf_word=idf_word.astype(np.float16),
        idf_char=idf_char.astype(np.float16),
        coef=coef.astype(np.float16),
        intercept=intercept.astype(np.float64),
        thresholds=np.array(json.dumps(thresholds, sort_keys=True)),
        meta=np.array(json.dumps(meta, sort_keys=True)),
    )


@functools.cache
def load_model(path: Path = MODEL_PATH) -> AbuseModel:
    """Load the committed weights once per process; never touches the network."""
    if not path.exists():
        raise FileNotFoundError(ERROR_MODEL_MISSING)
    with np.load(path, allow_pickle=False) as archive:
        return AbuseModel(
            idf_word=archive["idf_word"].astype(np.float32),
            idf_char=archive["idf_char"].astype(np.float32),
            coef=archive["coef"].astype(np.float32),
            intercept=archive["intercept"].astype(np.float64),
            thresholds=json.loads(str(archive["thresholds"])),
            meta=json.loads(str(archive["meta"])),
        )
