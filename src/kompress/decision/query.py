"""A query's line scores: the query companion's reading fused with lexical match.

The companion (a model that reads the query as its own segment) knows what kind of line a
query asks for ("which test failed" -> the FAILED line); BM25 knows which lines share its exact
names. Each line gets the features :data:`FEATURES` and the score
``sigmoid(w . features + bias)``; the weights are fitted on the training split's query cases
(``benchmarks/bench_query.py --fit-fusion``) and live in the companion's policy
(``query_fusion``). Without weights the companion's mean line score is used alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from kompress.scoring.lexical import bm25_line_scores
from kompress.scoring.scores import WordScores, line_scores

#: companion mean and max word score of the line, BM25 / the best line's BM25, BM25 > 0,
#: the guard keeps the line (errors and the outcome are often what a query is about).
FEATURES = ("mean", "max", "bm25", "bm25_hit", "guard")


def line_features(ws: WordScores, w_line: np.ndarray, lines: Sequence[str], query: str,
                  guard: np.ndarray) -> np.ndarray:
    """``[n_lines, len(FEATURES)]`` features of every line for ``query``."""
    n = len(lines)
    mean, mx = line_scores(ws, w_line, n, "mean"), line_scores(ws, w_line, n, "max")
    bm = bm25_line_scores(lines, query)
    top = bm.max() if n else 0.0
    bmn = bm / top if top > 0 else np.zeros(n)
    return np.stack([mean, mx, bmn, (bm > 0).astype(np.float64), guard.astype(np.float64)], axis=1)


def fused_scores(features: np.ndarray, weights: Mapping[str, float] | None) -> np.ndarray:
    """Line scores in [0, 1]: the logistic fusion of ``features`` (the mean score without weights)."""
    if not weights:
        return features[:, 0]
    w = np.asarray([float(weights.get(f, 0.0)) for f in FEATURES])
    return 1.0 / (1.0 + np.exp(-(features @ w + float(weights.get("bias", 0.0)))))


def fit_fusion(features: np.ndarray, labels: np.ndarray, steps: int = 4000, lr: float = 1.0) -> dict[str, float]:
    """Logistic regression of ``labels`` (1 = an evidence line) on ``features`` by gradient
    descent (deterministic: starts at zero); returns the weights by feature name and ``bias``."""
    x = np.c_[features, np.ones(len(features))]
    w = np.zeros(x.shape[1])
    y = labels.astype(np.float64)
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        w -= lr * (x.T @ (p - y)) / max(1, len(y))
    return {**{f: round(float(v), 4) for f, v in zip(FEATURES, w[:-1])}, "bias": round(float(w[-1]), 4)}
