"""Profile conditions read by meaning: description clauses against condition statements.

A description is cut into clauses (sentences, then at semicolons, dashes, bullets and "but").
Each clause is embedded and compared with the statements of every condition in
``assistant/knowledge/conditions.yaml``. A clause states the condition that is its best
reading when that reading is at least ``threshold`` similar, ahead of every other condition by
``margin`` (the precision check: the similarities of short, telegraphic clauses are low, so
the gap matters more than the level), and closer to the condition's statements than to its
counter-statements (``not:``). One clause states at most one condition.

Negation is scoped to the clause: a clause that negates ("not", "no", "never", "without",
"cannot", "don't", also typed "don’t" or "dont", ...) while the statement it matches does not,
or the other way round, loses ``NEGATION_PENALTY`` of similarity, so "they are not
export-oriented" does not read as an export ambition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from assistant.knowledge.catalog import load_condition_statements

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

# Chosen by grid search on the tuning scenarios and the development scenarios (eval/written,
# split "tune", and ../shared/eval/dev_scenarios.jsonl) for recall@6; the validation split is
# reported, never tuned on (see eval/written/README.md).
THRESHOLD = 0.3
MARGIN = 0.08
NEGATION_PENALTY = 0.15
MIN_CLAUSE_CHARS = 12

NEGATION = re.compile(
    r"\b(no|not|never|none|nobody|nothing|neither|nor|without|lacks?|lacking|cannot|"
    r"hardly|barely|unable|(?:do|does|did|ca|wo|is|are|was|were|has|have|had)nt)\b|n['’]t\b",
    re.IGNORECASE,
)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+|\s*[;•]\s*|\s+[-–—]\s+|^\s*[-*]\s+", re.M)
CONTRAST = re.compile(r",?\s+\b(but|while|whereas|although|though|yet)\b\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Match:
    """A condition read from a clause, with the similarity that decided it."""

    condition: str
    similarity: float
    clause: str


def split_clauses(text: str) -> list[str]:
    """Sentences of a description, cut again at semicolons, dashes, bullets and "but"."""
    clauses = []
    for sentence in SENTENCE_END.split(text):
        for part in CONTRAST.split(sentence or ""):
            part = part.strip(" ,.:-")
            if len(part) >= MIN_CLAUSE_CHARS and part.lower() not in CONTRAST_WORDS:
                clauses.append(part)
    return clauses


CONTRAST_WORDS = {"but", "while", "whereas", "although", "though", "yet"}


def negates(text: str) -> bool:
    return bool(NEGATION.search(text))


class ConditionMatcher:
    """Reads catalog conditions from a description by embedding similarity."""

    def __init__(
        self,
        embeddings: Embeddings,
        statements: dict[str, dict[str, list[str]]] | None = None,
        threshold: float = THRESHOLD,
        margin: float = MARGIN,
    ) -> None:
        self.embeddings = embeddings
        self.statements = statements or load_condition_statements()
        self.threshold = threshold
        self.margin = margin

    @cached_property
    def _table(self) -> tuple[dict[str, tuple[list[int], list[int]]], np.ndarray, np.ndarray]:
        """Per condition the columns of its statements and of its counter-statements; per
        column whether the statement negates; the statement vectors (embedded once)."""
        columns: dict[str, tuple[list[int], list[int]]] = {}
        texts: list[str] = []
        for condition, groups in self.statements.items():
            says, nots = groups["says"], groups.get("not", [])
            first = len(texts)
            texts += [*says, *nots]
            middle = first + len(says)
            columns[condition] = (list(range(first, middle)), list(range(middle, len(texts))))
        negated = np.array([negates(t) for t in texts])
        return columns, negated, np.array(self.embeddings.embed_documents(texts))

    def similarities(self, clauses: list[str]) -> dict[str, np.ndarray]:
        """Condition -> (clauses × 2) best similarity of each clause to its statements and
        to its counter-statements, negation mismatches penalised."""
        columns, negated, vectors = self._table
        sims = np.array(self.embeddings.embed_documents(clauses)) @ vectors.T
        clause_neg = np.array([negates(c) for c in clauses])[:, None]
        sims = sims - NEGATION_PENALTY * (clause_neg != negated[None, :])
        no_counter = np.full(len(clauses), -1.0)
        return {
            condition: np.stack(
                [sims[:, says].max(axis=1), sims[:, nots].max(axis=1) if nots else no_counter],
                axis=1,
            )
            for condition, (says, nots) in columns.items()
        }

    def match(self, text: str) -> list[Match]:
        """Conditions that some clause of ``text`` states, best first."""
        clauses = split_clauses(text)
        if not clauses:
            return []
        table = self.similarities(clauses)
        names = list(table)
        says = np.stack([table[n][:, 0] for n in names], axis=1)
        counter = np.stack([table[n][:, 1] for n in names], axis=1)
        found: dict[str, Match] = {}
        for i, clause in enumerate(clauses):
            for j in self._accepted(says[i], counter[i]):
                match = Match(names[j], round(float(says[i, j]), 3), clause)
                if names[j] not in found or match.similarity > found[names[j]].similarity:
                    found[names[j]] = match
        return sorted(found.values(), key=lambda m: -m.similarity)

    def _accepted(self, says: np.ndarray, counter: np.ndarray) -> list[int]:
        """The condition one clause states, if its reading is clearly ahead of every other."""
        order = np.argsort(-says)
        best, second = int(order[0]), says[order[1]]
        if says[best] >= self.threshold and says[best] - second >= self.margin:
            return [best] if says[best] > counter[best] else []
        return []
