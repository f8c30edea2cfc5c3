"""Answers composed from the evidence without a language model: quoted sentences or a refusal.

``cite`` numbers the passages an answer uses by first use; every citation points to a chunk
retrieved for this answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.documents import Document

from assistant.answering import abstain, extractive
from assistant.answering.types import Answer, Evidence
from assistant.citations import Citation


def cite(docs: list[Document], order: Sequence[int]) -> tuple[dict[int, int], list[Citation]]:
    """Markers for passages (indexes into ``docs``) numbered by first use, and the citations."""
    markers: dict[int, int] = {}
    for index in order:
        if index not in markers:
            markers[index] = len(markers) + 1
    return markers, [Citation.from_document(docs[i], m) for i, m in markers.items()]


def compose_extractive(
    question: str, evidence: Evidence, max_sentences: int = extractive.MAX_SENTENCES
) -> Answer:
    """An answer made of the passages' own sentences, quoted, each with its marker."""
    picked = extractive.select_sentences(evidence.sentences, evidence.vectors, max_sentences)
    picked.sort(key=lambda s: (s.doc_index, s.position))  # read in passage order
    markers, citations = cite(evidence.docs, [s.doc_index for s in picked])
    text = " ".join(f"“{s.text}” [{markers[s.doc_index]}]" for s in picked)
    return Answer(question=question, answer=text, citations=citations, mode="extractive")


def compose_abstention(question: str, evidence: Evidence) -> Answer:
    """'The library does not cover this', with the closest topics it does cover."""
    topics = abstain.closest_topics(evidence.docs)
    why = "; ".join(evidence.verdict.reasons)
    text = "The library does not cover this question" + (f": {why}." if why else ".")
    if topics:
        text += " The closest topics it does cover: " + "; ".join(topics) + "."
    notices = [f"Abstained (evidence judged {evidence.verdict.probability:.2f} likely to answer)."]
    return Answer(question=question, answer=text, abstained=True, notices=notices)
