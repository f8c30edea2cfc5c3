"""Fitting the evidence judgment: a logistic model over the signals, its threshold chosen by
repeated cross-validation so that few answerable questions are refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.answering.abstain import FEATURES, Signals, load_model
from assistant.evaluation.judgment import choose_threshold, fit, save


def _signals(rng: np.random.Generator, answerable: bool) -> Signals:
    close = 0.7 if answerable else 0.45
    return Signals(
        sentence=close + rng.normal(0, 0.08),
        sentences3=close - 0.05 + rng.normal(0, 0.08),
        passage2=close + rng.normal(0, 0.1),
        coverage=min(1.0, (0.9 if answerable else 0.6) + rng.normal(0, 0.1)),
        sentence_coverage=(0.7 if answerable else 0.3) + rng.normal(0, 0.15),
        sentence_rare_coverage=(0.7 if answerable else 0.2) + rng.normal(0, 0.15),
    )


def _labelled(n_answerable: int = 60, n_out: int = 25) -> tuple[list[Signals], list[bool]]:
    rng = np.random.default_rng(7)
    labels = [True] * n_answerable + [False] * n_out
    return [_signals(rng, y) for y in labels], labels


def test_the_threshold_refuses_most_out_of_scope_within_the_wrong_refusals_allowed() -> None:
    probabilities = np.array([0.1, 0.2, 0.3, 0.35, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97])
    answerable = np.array([0, 0, 0, 1, 0, 1, 1, 1, 1, 1])

    strict = choose_threshold(probabilities, answerable, max_wrong=0.0)
    lenient = choose_threshold(probabilities, answerable, max_wrong=0.2)

    assert strict[0] == pytest.approx(0.325) and strict[1:] == (0.75, 0.0)
    assert lenient[0] == pytest.approx(0.65) and lenient[1] == 1.0 and lenient[2] == 1 / 6


def test_a_fitted_judgment_separates_the_two_kinds_of_question() -> None:
    found, labels = _labelled()

    fitted = fit(found, labels, max_wrong=0.03)

    assert fitted.n_answerable == 60 and fitted.n_out_of_scope == 25
    assert fitted.cv_out_of_scope_refused >= 0.8 and fitted.cv_wrong_refusals <= 0.03
    model = fitted.model
    refused = [model.probability(s) < model.threshold for s in found]
    assert sum(r for r, y in zip(refused, labels, strict=True) if not y) >= 20
    assert sum(r for r, y in zip(refused, labels, strict=True) if y) <= 2
    coef = dict(zip(FEATURES, model.coef, strict=True))
    assert coef["sentence_rare_coverage"] > 0 and coef["sentence"] > 0


def test_a_name_the_library_never_mentions_counts_as_refused_in_the_fit() -> None:
    found, labels = _labelled()
    found[0].unknown_names = 1.0  # an answerable question ruled out: a wrong refusal

    fitted = fit(found, labels, max_wrong=0.03)

    assert fitted.model.threshold > 0 and fitted.cv_wrong_refusals >= 1 / 60


def test_a_saved_judgment_answers_as_the_fitted_one(tmp_path: Path) -> None:
    found, labels = _labelled()
    fitted = fit(found, labels)
    path = tmp_path / "judgment.json"

    save(fitted.model, path, ["synthetic"], fitted.report())
    loaded = load_model(path)

    assert json.loads(path.read_text())["fitted_on"] == ["synthetic"]
    assert [loaded.probability(s) for s in found] == [fitted.model.probability(s) for s in found]
    assert loaded.threshold == fitted.model.threshold
