"""Fitting the evidence judgment: a logistic model over the evidence signals of labelled
questions (answerable: they have gold quotes; out of scope: they have none).

``collect`` computes each question's ``Signals`` with the real retriever; ``fit`` standardises
them, fits scikit-learn's ``LogisticRegression`` (balanced classes), and picks the threshold
from cross-validated probabilities (each question's mean over ``REPEATS`` shuffled 5-fold
splits, so that the threshold does not hang on one split): the one that refuses the most
out-of-scope questions while wrongly refusing at most ``max_wrong`` of the answerable ones
(questions ``ruled_out`` count as refused, as they are when answering). scikit-learn is needed
for fitting only (the ``dev`` extra); answering uses the saved coefficients.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answering import abstain
from assistant.answering.abstain import JudgmentModel, Signals
from assistant.answering.answerer import Answerer

MAX_WRONG = 0.03  # wrong refusals allowed in cross-validation (the target is 5 %)
FOLDS = 5
REPEATS = 10


@dataclass
class Fitted:
    """A fitted judgment and how it did in cross-validation."""

    model: JudgmentModel
    cv_out_of_scope_refused: float
    cv_wrong_refusals: float
    n_answerable: int
    n_out_of_scope: int

    def report(self) -> dict[str, Any]:
        return {
            "answerable": self.n_answerable,
            "out_of_scope": self.n_out_of_scope,
            "threshold": round(self.model.threshold, 4),
            "cv_out_of_scope_refused": round(self.cv_out_of_scope_refused, 3),
            "cv_wrong_refusals": round(self.cv_wrong_refusals, 3),
            "coefficients": dict(zip(abstain.FEATURES, self.model.coef, strict=True)),
        }


def collect(answerer: Answerer, questions: Sequence[dict[str, Any]]) -> list[Signals]:
    """The evidence signals of each question, as the answerer would judge them."""
    out = []
    for q in questions:
        docs, sentences, _ = answerer.passages(str(q["question"]))
        found, *_ = abstain.signals(
            str(q["question"]), docs, sentences, answerer.library_text, answerer.term_rarity
        )
        out.append(found)
    return out


def fit(
    found: Sequence[Signals], answerable: Sequence[bool], max_wrong: float = MAX_WRONG
) -> Fitted:
    """Fit the logistic judgment and choose its threshold by cross-validation."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x = np.array([s.vector() for s in found])
    y = np.array(answerable, dtype=int)
    pipeline = make_pipeline(
        StandardScaler(), LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000)
    )
    smaller_class = int(min(y.sum(), len(y) - y.sum()))
    splits = min(FOLDS, smaller_class)
    cv = np.mean(
        [
            cross_val_predict(
                pipeline,
                x,
                y,
                cv=StratifiedKFold(n_splits=splits, shuffle=True, random_state=seed),
                method="predict_proba",
            )[:, 1]
            for seed in range(REPEATS)
        ],
        axis=0,
    )
    # Questions ruled out are refused before the model is asked.
    cv[np.array([abstain.ruled_out(s) for s in found], dtype=bool)] = 0.0
    threshold, refused, wrong = choose_threshold(cv, y, max_wrong)
    pipeline.fit(x, y)
    scaler, logistic = pipeline[0], pipeline[1]
    model = JudgmentModel(
        mean=tuple(float(v) for v in scaler.mean_),
        scale=tuple(float(v) for v in scaler.scale_),
        coef=tuple(float(v) for v in logistic.coef_[0]),
        intercept=float(logistic.intercept_[0]),
        threshold=threshold,
    )
    return Fitted(model, refused, wrong, int(y.sum()), int(len(y) - y.sum()))


def choose_threshold(
    probabilities: np.ndarray, answerable: np.ndarray, max_wrong: float
) -> tuple[float, float, float]:
    """The threshold refusing the most out-of-scope questions with at most ``max_wrong``
    answerable ones refused: (threshold, share of out of scope refused, share wrongly refused)."""
    values = sorted(set(probabilities.tolist()))
    midpoints = [(a + b) / 2 for a, b in itertools.pairwise(values)]
    best = (0.0, 0.0, 0.0)
    for t in midpoints:  # ascending: the first threshold to reach a refusal level is the safest
        refused = probabilities < t
        wrong = float(refused[answerable == 1].mean())
        caught = float(refused[answerable == 0].mean())
        if wrong <= max_wrong and caught > best[1]:
            best = (float(t), caught, wrong)
    return best


def save(model: JudgmentModel, path: Path, fitted_on: list[str], report: dict[str, Any]) -> None:
    """Write the model with where it came from and how it did."""
    data = {**model.to_dict(), "fitted_on": fitted_on, "cross_validation": report}
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
