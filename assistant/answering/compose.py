"""Answers composed from the evidence without a language model: a bottom line, the supporting
points grouped by source, or a refusal in plain words.

The bottom line is the one or two sentences that answer most directly (``lead.choose_lead``);
the supporting points are the passages' best other sentences (maximal marginal relevance),
quoted and grouped by the document they come from. Only whole declarative sentences are used
(``extractive.quotable``). ``cite`` numbers the passages by first use in the text; every
citation points to a chunk retrieved for this answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from langchain_core.documents import Document

from assistant.answering import extractive, plan, refusal
from assistant.answering.extractive import ScoredSentence
from assistant.answering.lead import choose_lead
from assistant.answering.types import Answer, Evidence, PlanStep
from assistant.citations import Citation
from assistant.ingest.markup import clean_line

SUPPORT_HEADING = "Supporting points:"


def cite(docs: list[Document], order: Sequence[int]) -> tuple[dict[int, int], list[Citation]]:
    """Markers for passages (indexes into ``docs``) numbered by first use, and the citations."""
    markers: dict[int, int] = {}
    for index in order:
        if index not in markers:
            markers[index] = len(markers) + 1
    return markers, [Citation.from_document(docs[i], m) for i, m in markers.items()]


def quotable_sentences(evidence: Evidence) -> tuple[list[ScoredSentence], np.ndarray]:
    """The evidence's whole declarative sentences and their vectors (all of them when none
    is quotable, so that an answer the judgment accepted is never empty)."""
    keep = [i for i, s in enumerate(evidence.sentences) if extractive.quotable(s.text)]
    if not keep:
        return evidence.sentences, evidence.vectors
    return [evidence.sentences[i] for i in keep], evidence.vectors[keep]


def by_source(docs: list[Document], sentences: list[ScoredSentence]) -> list[list[ScoredSentence]]:
    """``sentences`` grouped by document (best-ranked passage first), in reading order."""
    groups: dict[str, list[ScoredSentence]] = {}
    for s in sorted(sentences, key=lambda s: (s.doc_index, s.position)):
        key = str(docs[s.doc_index].metadata.get("doc_id") or s.doc_index)
        groups.setdefault(key, []).append(s)
    return list(groups.values())


def compose_extractive(
    question: str, evidence: Evidence, max_sentences: int = extractive.MAX_SENTENCES
) -> Answer:
    """The bottom line, then the supporting points grouped by source, each with its marker."""
    sentences, vectors = quotable_sentences(evidence)
    picked = extractive.select_sentences(sentences, vectors, max_sentences)
    best = max((s.score for s in sentences), default=0.0)
    pool = [s for s in sentences if s.score >= extractive.RELATIVE_CUTOFF * best]
    leads = choose_lead(question, pool, [d.page_content for d in evidence.docs])
    groups = by_source(evidence.docs, [s for s in picked if s not in leads])
    order = [s.doc_index for s in leads] + [s.doc_index for g in groups for s in g]
    markers, citations = cite(evidence.docs, order)
    text = " ".join(f"{clean_line(s.text)} [{markers[s.doc_index]}]" for s in leads)
    lines = [_support_line(evidence.docs, group, markers) for group in groups]
    if lines:
        text += f"\n\n{SUPPORT_HEADING}\n" + "\n".join(lines)
    return Answer(question=question, answer=text, citations=citations, mode="extractive")


def _support_line(
    docs: list[Document], group: list[ScoredSentence], markers: dict[int, int]
) -> str:
    source = Citation.from_document(docs[group[0].doc_index]).label(where=False)
    quotes = " ".join(f"“{clean_line(s.text)}” [{markers[s.doc_index]}]" for s in group)
    return f"- {source}: {quotes}"


def compose_abstention(
    question: str, evidence: Evidence, instruments: Sequence[tuple[str, str]] = ()
) -> Answer:
    """'The library does not answer this', why, what it covers near the question (real
    sections and catalog instruments, given as ``(name, description)``), two questions to ask."""
    topics = refusal.covered_topics(evidence.docs)
    near = refusal.near_instruments(question, instruments)
    text = refusal.refusal_text(evidence.verdict.reasons, topics, near)
    return Answer(question=question, answer=text, abstained=True)


MARKER = re.compile(r"\[(\d+)\]")


def compose_plan(
    question: str, steps: Sequence[PlanStep], documents: Answer | None = None
) -> Answer:
    """The roadmap's steps for 'what should we do first?', each cited by a passage the roadmap
    found for it, then (when given) the documents' answer about the first step, renumbered."""
    citations: list[Citation] = []
    lines = []
    for step in steps:
        cited = [c.model_copy(update={"marker": len(citations) + 1}) for c in step.citations[:1]]
        citations += cited
        marker = f" [{cited[0].marker}]" if cited else ""
        lines.append(f"- {step.name}: {step.rationale.strip()}{marker}".rstrip())
    names = " and ".join(s.name for s in steps)
    which = "next" if plan.NEXT.search(question) else "first"
    text = f"For your cluster, the roadmap's {which} steps: {names} ({steps[0].phase_label}).\n\n"
    text += "\n".join(lines)
    if documents is not None and not documents.abstained:
        shift = len(citations)
        moved = MARKER.sub(lambda m: f"[{int(m.group(1)) + shift}]", documents.answer)
        text += f"\n\nWhat the documents say about {steps[0].name}:\n{moved}"
        citations += [
            c.model_copy(update={"marker": (c.marker or 0) + shift}) for c in documents.citations
        ]
    return Answer(question=question, answer=text, citations=citations, mode="extractive")
