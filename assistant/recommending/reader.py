"""A learned reading of the description: which instruments labelled scenarios like it call for.

The rules (``scoring``) read a description through conditions and problems; what they miss
the reader may catch. It is one softmax (multinomial logistic) model over the catalog
instruments, reading four embeddings of the description (each model's vector of the whole text
and the mean of its clauses), fitted on labelled scenarios
(``eval/written/training_scenarios.jsonl`` and the tuning sets; see docs/recommend.md) by
``cluster-assistant eval fit-reader --write``, which saves ``reader.npz`` beside this module.
Ranking blends the two: each instrument's rule value, standardised across the catalog, plus
``weight`` times the log of the reader's probability for it.

The reader is used only with the embedding models it was fitted with.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.recommending.meaning import split_clauses

if TYPE_CHECKING:
    from assistant.index.embeddings import LocalEmbeddings
    from assistant.recommending.scoring import Score

MODEL_FILE = Path(__file__).with_name("reader.npz")
# The rationale names the reader's chance that a scenario like this calls for the instrument
# when it is at least SAYS_YES or at most SAYS_NO.
SAYS_YES = 0.5
SAYS_NO = 0.05


@dataclass(frozen=True)
class ReaderModel:
    """Fitted coefficients: one row of softmax logits per instrument over the features."""

    instrument_ids: tuple[str, ...]
    coef: np.ndarray  # instruments x features
    intercept: np.ndarray  # instruments
    model_ids: tuple[str, str]  # the first and second embedding models' ``model_id``
    weight: float  # of the log-probability, against the standardised rule value
    scenarios: int  # how many labelled scenarios it was fitted on
    labels_per_scenario: float  # how many instruments a scenario called for, on average

    def save(self, path: Path = MODEL_FILE) -> None:
        meta = {
            "instrument_ids": list(self.instrument_ids),
            "model_ids": list(self.model_ids),
            "weight": self.weight,
            "scenarios": self.scenarios,
            "labels_per_scenario": self.labels_per_scenario,
        }
        with path.open("wb") as out:
            np.savez_compressed(
                out,
                coef=self.coef.astype(np.float32),
                intercept=self.intercept.astype(np.float32),
                meta=np.array(json.dumps(meta)),
            )

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> ReaderModel | None:
        """The saved reader, or None when there is none."""
        if not path.is_file():
            return None
        with np.load(path) as data:
            meta = json.loads(str(data["meta"]))
            return cls(
                instrument_ids=tuple(meta["instrument_ids"]),
                coef=data["coef"].astype(np.float64),
                intercept=data["intercept"].astype(np.float64),
                model_ids=(meta["model_ids"][0], meta["model_ids"][1]),
                weight=float(meta["weight"]),
                scenarios=int(meta["scenarios"]),
                labels_per_scenario=float(meta["labels_per_scenario"]),
            )

    def log_chances(self, features: np.ndarray) -> dict[str, float]:
        """Each instrument's log-probability (softmax over the instruments) of being one that a
        scenario with these description features calls for."""
        logits = self.coef @ features + self.intercept
        top = logits.max()
        values = logits - top - math.log(np.exp(logits - top).sum())
        return {i: float(v) for i, v in zip(self.instrument_ids, values, strict=True)}

    def chances(self, log_chances: dict[str, float]) -> dict[str, float]:
        """The chance that a scenario like this calls for each instrument: its share of the
        probability times the instruments a scenario calls for (at most 1)."""
        return {i: min(1.0, self.labels_per_scenario * math.exp(v)) for i, v in log_chances.items()}


def description_features(
    description: str, first: LocalEmbeddings, second: LocalEmbeddings
) -> np.ndarray:
    """The four embeddings the reader reads: each model's whole text, then its clause mean."""
    clauses = split_clauses(description) or [description]
    parts = []
    for model in (first, second):  # apart: in one batch the clauses would be padded to the text
        whole = np.asarray(model.embed_query(description))
        parts += [whole, np.asarray(model.embed_documents(clauses)).mean(axis=0)]
    return np.concatenate(parts)


def blended_order(
    values: dict[str, float], blocked: set[str], reading: dict[str, float], weight: float
) -> list[str]:
    """Instrument ids by rule value (standardised across them) plus ``weight`` x the reader's
    log-probability (``reading``).

    An instrument the reader does not know (no labelled scenario called for it) counts at the
    median reading: the reader has no opinion on it. Blocked ones go last, in their given order.
    """
    numbers = np.array(list(values.values()))
    mean, spread = float(numbers.mean()), float(numbers.std()) or 1.0
    neutral = float(np.median(list(reading.values()))) if reading else 0.0
    key = {i: (v - mean) / spread + weight * reading.get(i, neutral) for i, v in values.items()}
    usable = sorted((i for i in values if i not in blocked), key=key.__getitem__, reverse=True)
    return usable + [i for i in values if i in blocked]


def blend(scores: list[Score], reading: dict[str, float], weight: float) -> list[Score]:
    """``blended_order`` of scored instruments."""
    by_id = {s.instrument.id: s for s in scores}
    values = {i: s.value for i, s in by_id.items()}
    blocked = {i for i, s in by_id.items() if s.blocked is not None}
    return [by_id[i] for i in blended_order(values, blocked, reading, weight)]


def note_reading(score: Score, chance: float | None, scenarios: int) -> None:
    """Say in the rationale when the reader argues clearly for or against the instrument
    (``chance``: ``ReaderModel.chances``)."""
    if chance is None:
        return
    source = f"of {scenarios} labelled scenarios"
    if chance >= SAYS_YES:
        score.facts.append(
            f"clusters described like this one were given it ({chance:.0%}, {source})"
        )
    elif chance <= SAYS_NO:
        score.against.append(
            f"clusters described like this one seldom were ({chance:.0%}, {source})"
        )
