"""Fitting the learned reader of cluster descriptions (``assistant.recommending.reader``).

``collect`` reads each labelled scenario once: the reader's features of its description and
the rules' scores. ``fit`` trains one multinomial (softmax) L2 logistic model over the catalog
instruments (scikit-learn, needed for fitting only: the ``dev`` extra): a scenario counts once
per instrument it calls for, each time with weight 1/k, so the instruments compete for its
probability instead of each being fitted alone. An expected name that several catalog ids
satisfy (``instrument_vocabulary.json``: "trust-building / networking broker" is a broker,
quick wins or a network programme) is credited to the one the rules rank highest, so the
reader learns which need a description shows, and the rules which instrument answers it.

``cross_validate`` predicts every scenario from a model fitted without its group (a scenario
with its paraphrases) and reports recall@k per source file for each blend weight, averaged over
several shufflings of the groups into folds (one split alone moves the figures by a few points);
``choose`` takes the weight with the best mean over the sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.recommending.reader import ReaderModel, blended_order, description_features
from assistant.recommending.scoring import order

C = 5.0  # inverse L2 strength, chosen by cross-validation (docs/recommend.md)
WEIGHTS = (0.4, 0.6, 0.75, 1.0, 1.25, 1.5)
FOLDS = 5
SHUFFLINGS = (0, 1, 2)  # seeds of the shufflings of the groups into folds
K = 6


@dataclass
class Example:
    """One labelled scenario as the fit sees it."""

    id: str
    group: str  # a scenario and its paraphrases share one: never split across folds
    source: str  # the file it came from, for the report
    features: np.ndarray
    values: dict[str, float]  # rule value per instrument id
    blocked: set[str]
    rule_order: list[str]
    expected: list[set[str]]  # per expected name, the catalog ids that satisfy it

    def hits(self, ranking: list[str], k: int = K) -> int:
        top = set(ranking[:k])
        return sum(bool(ids & top) for ids in self.expected)


def collect(
    recommender: Any, rows: Iterable[dict[str, Any]], vocab: dict[str, list[str]], source: str
) -> list[Example]:
    """Features and rule scores of labelled scenarios (``recommender``: a ``Recommender``)."""
    if recommender.second is None:
        raise ValueError("the reader needs the second embedding model; it is turned off")
    out = []
    for row in rows:
        profile = recommender.profile(row["description"])
        scores = recommender.scores(profile)
        out.append(
            Example(
                id=row["id"],
                group=row.get("paraphrase_of") or row["id"],
                source=source,
                features=description_features(
                    row["description"], recommender.embeddings, recommender.second
                ),
                values={s.instrument.id: s.value for s in scores},
                blocked={s.instrument.id for s in scores if s.blocked is not None},
                rule_order=[s.instrument.id for s in order(scores)],
                expected=[set(vocab[name]) for name in row["expected_instruments"]],
            )
        )
    return out


def targets(examples: Sequence[Example], ids: list[str]) -> np.ndarray:
    """Labels (scenario x instrument): each expected name credits the one of its ids that the
    rules rank highest (see the module docstring)."""
    column = {i: n for n, i in enumerate(ids)}
    y = np.zeros((len(examples), len(ids)))
    for row, ex in enumerate(examples):
        rank = {i: n for n, i in enumerate(ex.rule_order)}
        for names_ids in ex.expected:
            known = sorted((i for i in names_ids if i in column), key=lambda i: rank.get(i, 999))
            if known:
                y[row, column[known[0]]] = 1.0
    return y


def fit(
    examples: Sequence[Example], model_ids: tuple[str, str], weight: float, c: float = C
) -> ReaderModel:
    """One softmax model over the instruments that some scenario calls for."""
    from sklearn.linear_model import LogisticRegression

    ids = sorted({i for ex in examples for i in ex.values})
    y = targets(examples, ids)
    rows, labels = np.nonzero(y)  # a scenario once per instrument it calls for
    if len(set(labels.tolist())) < 2:
        raise ValueError("the reader needs scenarios that call for at least two instruments")
    per_scenario = y.sum(axis=1)
    model = LogisticRegression(C=c, max_iter=3000)
    model.fit(
        np.array([ex.features for ex in examples])[rows],
        labels,
        sample_weight=1.0 / per_scenario[rows],
    )
    coef, intercept = model.coef_, model.intercept_
    if len(model.classes_) == 2:  # scikit-learn keeps one row: the second class against the first
        coef, intercept = np.vstack([0 * coef, coef]), np.concatenate([[0.0], intercept])
    return ReaderModel(
        instrument_ids=tuple(ids[n] for n in model.classes_),
        coef=coef,
        intercept=intercept,
        model_ids=model_ids,
        weight=weight,
        scenarios=len(examples),
        labels_per_scenario=float(per_scenario[per_scenario > 0].mean()),
    )


def _folds(examples: Sequence[Example], seed: int) -> list[np.ndarray]:
    groups = sorted({ex.group for ex in examples})
    rng = np.random.default_rng(seed)
    fold_of = dict(zip(groups, rng.permutation(len(groups)) % FOLDS, strict=True))
    labels = np.array([fold_of[ex.group] for ex in examples])
    return [np.flatnonzero(labels == f) for f in range(FOLDS)]


def _held_out_rankings(
    examples: Sequence[Example], weights: Sequence[float], c: float, seed: int
) -> dict[str, list[list[str]]]:
    """Per method, each example's ranking (in ``examples`` order) by a model fitted without
    its fold."""
    methods = ["rules", "reader"] + [f"blend {w}" for w in weights]
    rankings: dict[str, list[list[str]]] = {m: [[] for _ in examples] for m in methods}
    for test in _folds(examples, seed):
        held = set(test.tolist())
        model = fit([ex for n, ex in enumerate(examples) if n not in held], ("", ""), 0.0, c)
        for n in test:
            ex = examples[n]
            chances = model.log_chances(ex.features)
            rankings["rules"][n] = ex.rule_order
            rankings["reader"][n] = blended_order(ex.values, ex.blocked, chances, 1e6)
            for w in weights:
                rankings[f"blend {w}"][n] = blended_order(ex.values, ex.blocked, chances, w)
    return rankings


def cross_validate(
    examples: Sequence[Example],
    weights: Sequence[float] = WEIGHTS,
    c: float = C,
    k: int = K,
    seeds: Sequence[int] = SHUFFLINGS,
) -> dict[str, dict[str, float]]:
    """recall@k per source for the rules alone, the reader alone and each blend weight,
    every scenario ranked by a model fitted without its group, averaged over the shufflings
    into folds that ``seeds`` draw."""
    runs = [_held_out_rankings(examples, weights, c, seed) for seed in seeds]
    sources = sorted({ex.source for ex in examples})
    report: dict[str, dict[str, float]] = {}
    for method in runs[0]:
        report[method] = {}
        for source in sources:
            mine = [n for n, ex in enumerate(examples) if ex.source == source]
            total = sum(len(examples[n].expected) for n in mine) * len(runs)
            hits = sum(examples[n].hits(run[method][n], k) for run in runs for n in mine)
            report[method][source] = round(hits / total, 3)
    return report


def choose(report: dict[str, dict[str, float]]) -> float:
    """The blend weight with the best mean recall over the sources."""
    blends = {m: v for m, v in report.items() if m.startswith("blend ")}
    best = max(blends, key=lambda m: (np.mean(list(blends[m].values())), -float(m.split()[1])))
    return float(best.split()[1])
