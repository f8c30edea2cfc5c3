"""When to say "the library does not cover this": a rule on the retrieval evidence.

The evidence strength blends how close the best sentence of the retrieved passages comes to the
question (cosine) with how many of the question's key terms those passages contain. Below the
``abstain_threshold`` setting the assistant abstains and names the closest topics it covers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from langchain_core.documents import Document

from assistant.extractive import ScoredSentence
from assistant.lexical import tokenize

SIMILARITY_WEIGHT = 0.6
TOP_PASSAGES = 5


@dataclass
class Verdict:
    """The evidence figures and the decision drawn from them."""

    strength: float
    best_similarity: float
    term_coverage: float
    missing_terms: list[str] = field(default_factory=list)
    abstain: bool = False
    notices: list[str] = field(default_factory=list)


def term_coverage(question: str, docs: list[Document]) -> tuple[float, list[str]]:
    """Share of the question's stemmed key terms found in the top passages, and those missing."""
    terms = list(dict.fromkeys(tokenize([question])[0]))
    if not terms:
        return 0.0, []
    found: set[str] = set()
    for tokens in tokenize([d.page_content for d in docs[:TOP_PASSAGES]] or [""]):
        found.update(tokens)
    missing = [t for t in terms if t not in found]
    return 1 - len(missing) / len(terms), missing


def judge(
    question: str, docs: list[Document], sentences: list[ScoredSentence], threshold: float
) -> Verdict:
    """Score the evidence for ``question`` and decide whether to abstain."""
    best = max((s.similarity for s in sentences), default=0.0)
    coverage, missing = term_coverage(question, docs)
    strength = SIMILARITY_WEIGHT * best + (1 - SIMILARITY_WEIGHT) * coverage
    return Verdict(
        strength=round(strength, 4),
        best_similarity=round(best, 4),
        term_coverage=round(coverage, 4),
        missing_terms=missing,
        abstain=not docs or strength < threshold,
    )


def closest_topics(docs: list[Document], n: int = 3) -> list[str]:
    """Distinct 'section (title)' labels of the best passages: what the library does cover."""
    topics: list[str] = []
    for doc in docs:
        meta = doc.metadata
        section = str(meta.get("section") or "").split(" > ")[-1].strip()
        label = f"{section} ({meta.get('title', '')})" if section else str(meta.get("title", ""))
        if label and label not in topics:
            topics.append(label)
        if len(topics) == n:
            break
    return topics
