"""Retrieval evaluation: the matching rule of ``eval/score_reference.py`` and its metrics.

A retrieved passage *covers* a gold quote when at least half of the quote's word 5-grams occur
in the passage (both normalised: lower case, whitespace runs folded, curly quotes and dashes
folded). Per answerable question: hit@5, hit@10, MRR@10 and recall@10 (covered quotes, capped
at the need: two for a comparison, one otherwise). We also report the mean number of words in
the top 10 passages, so that gains from finding are told apart from gains from length.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.settings import Settings

FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00ad": ""})
DEPTH = 10
Retrieve = Callable[[str], list[str]]  # question -> passage texts, best first


def norm_words(text: str) -> list[str]:
    """Lower-cased words with typographic quotes and dashes folded."""
    return text.translate(FOLD).lower().split()


def grams(words: Sequence[str], n: int = 5) -> set[tuple[str, ...]]:
    """Word n-grams (the whole text as one gram when it is shorter than ``n``)."""
    if len(words) < n:
        return {tuple(words)}
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def covers(passage: str, quote: str) -> bool:
    """Whether ``passage`` holds at least half of ``quote``'s word 5-grams."""
    wanted = grams(norm_words(quote))
    return len(wanted & grams(norm_words(passage))) >= 0.5 * len(wanted)


@dataclass
class QuestionScore:
    """How one question fared: the first covering rank, the quotes covered, the words read."""

    id: str
    first: int | None
    covered: list[int]
    need: int
    words: int
    passages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return min(len(self.covered), self.need) / self.need


def score_question(question: dict[str, Any], passages: Sequence[str]) -> QuestionScore:
    """Score one answerable question against its passages (best first; the top 10 count)."""
    gold = question["gold"]
    top = list(passages)[:DEPTH]
    first: int | None = None
    covered: set[int] = set()
    for rank, text in enumerate(top, 1):
        hits = {i for i, g in enumerate(gold) if covers(text, g["quote"])}
        if hits and first is None:
            first = rank
        covered |= hits
    need = min(len(gold), 2 if question.get("type") == "comparison" else 1)
    words = sum(len(t.split()) for t in top)
    return QuestionScore(str(question["id"]), first, sorted(covered), need, words)


def summarise(scores: Sequence[QuestionScore]) -> dict[str, float | int]:
    """hit@5, hit@10, MRR@10, recall@10 (rounded as the reference does) and mean words@10."""
    n = len(scores)
    if not n:
        return {"questions": 0}
    return {
        "questions": n,
        "hit@5": round(sum(s.first is not None and s.first <= 5 for s in scores) / n, 3),
        "hit@10": round(sum(s.first is not None for s in scores) / n, 3),
        "mrr@10": round(sum(1 / s.first for s in scores if s.first) / n, 3),
        "recall@10": round(sum(s.recall for s in scores) / n, 3),
        "words@10": round(sum(s.words for s in scores) / n),
    }


def answerable(questions: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The questions that have gold quotes (out-of-scope ones are scored elsewhere)."""
    return [q for q in questions if q.get("gold")]


def evaluate(
    questions: Sequence[dict[str, Any]], retrieve: Callable[[str], list[dict[str, Any]]]
) -> tuple[dict[str, float | int], list[QuestionScore]]:
    """Run ``retrieve`` (question -> result records with ``text``) and score every question."""
    scores = []
    for q in answerable(questions):
        records = retrieve(q["question"])
        score = score_question(q, [r["text"] for r in records])
        score.passages = records
        scores.append(score)
    return summarise(scores), scores


def dump_rows(scores: Sequence[QuestionScore]) -> list[dict[str, Any]]:
    """Per-question results, one JSON-ready dict each."""
    return [{**asdict(s), "recall": s.recall} for s in scores]


def evaluate_retrieval(
    settings: Settings, questions: Sequence[dict[str, Any]], k: int = 10, baseline: bool = False
) -> dict[str, tuple[dict[str, float | int], list[QuestionScore]]]:
    """Score the project's hybrid retriever (run ``project``) and, with ``baseline``, the naive
    pipelines of DESIGN.md built on the fly: run name -> (summary, per-question scores)."""
    from assistant.citations import chunk_record
    from assistant.retrieval.hybrid import HybridRetriever

    retriever = HybridRetriever.from_settings(settings, k=k)
    runs: dict[str, Callable[[str], list[dict[str, Any]]]] = {
        "project": lambda q: [chunk_record(d) for d in retriever.invoke(q)]
    }
    with tempfile.TemporaryDirectory(prefix="naive-baseline-") as tmp:
        if baseline:
            from assistant.evaluation.baselines import naive_searches

            runs |= naive_searches(settings, Path(tmp), k, retriever.index.embeddings)
        return {name: evaluate(questions, search) for name, search in runs.items()}
