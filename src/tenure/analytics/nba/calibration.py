"""Recommender scores as probabilities: what share of customers took a product up within the test
period of a time split, as a function of the score the recommender gave it before the cutoff.

A recommender's score is relevance, not a probability (:mod:`.recommend`); the engine's P·V − C
needs a probability. The recommender is fitted on the training part of a
:class:`~.evaluation.Split`, every training customer's ``candidates`` best items not held yet
are scored, and each (score, taken up in the test period) pair feeds scikit-learn's
``IsotonicRegression``: the probability rises with the score and is learned, not assumed. It is
the probability of a take-up within the test period's length (the *horizon*), without an offer;
an action's P should be read as that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.isotonic import IsotonicRegression

from tenure.analytics.nba.evaluation import Split, hits
from tenure.analytics.nba.recommend import Recommender


@dataclass(frozen=True)
class Calibration:
    """A monotone step function from score to probability (``np.interp`` between the
    thresholds, clipped at both ends), and the pairs it was learned from."""

    scores: tuple[float, ...]
    probabilities: tuple[float, ...]
    pairs: int
    positives: int

    def probability(self, score: ArrayLike) -> NDArray[np.float64]:
        """The probability of each score (NaN when nothing was learned)."""
        values = np.asarray(score, dtype=np.float64)
        if not self.scores:
            return np.full(values.shape, np.nan)
        return np.interp(values, self.scores, self.probabilities)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scores": list(self.scores),
            "probabilities": list(self.probabilities),
            "pairs": self.pairs,
            "positives": self.positives,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        return cls(
            tuple(data.get("scores", ())),
            tuple(data.get("probabilities", ())),
            int(data.get("pairs", 0)),
            int(data.get("positives", 0)),
        )


def calibrate(
    model: Recommender,
    split: Split,
    *,
    candidates: int = 20,
    item_features: Any = None,
    max_customers: int = 200_000,
    random_state: int = 0,
) -> Calibration:
    """Fit ``model`` on ``split.train`` and learn P(taken up in the test period | score) from the
    ``candidates`` best new items of (at most ``max_customers``, a seeded sample of) the training
    customers who hold something."""
    model.fit(split.train, item_features)
    rows = np.flatnonzero(np.diff(split.train.indptr) > 0)
    if len(rows) > max_customers:
        rng = np.random.default_rng(random_state)
        rows = np.sort(rng.choice(rows, max_customers, replace=False))
    if len(rows) == 0:
        return Calibration((), (), 0, 0)
    found = model.recommend(split.train[rows], candidates)
    given = found.items >= 0
    scores = found.scores[given]
    taken = np.zeros(found.items.shape, dtype=bool)
    relevant = split.test[rows]
    for slot in range(found.items.shape[1]):
        taken[:, slot] = hits(found.items[:, slot : slot + 1], relevant) > 0
    labels = taken[given].astype(np.float64)
    if len(scores) == 0:
        return Calibration((), (), 0, 0)
    isotonic = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(scores, labels)
    return Calibration(
        tuple(float(x) for x in isotonic.X_thresholds_),
        tuple(float(y) for y in isotonic.y_thresholds_),
        len(labels),
        int(labels.sum()),
    )
