"""Extractive answers: the retrieved passages' own sentences that best answer a question.

Each retrieved passage is split into sentences (pysbd, paragraph by paragraph, text kept
verbatim); sentences are scored by their cosine similarity to the question, blended with the
passage's own similarity and rank, and picked greedily with a diversity penalty (maximal
marginal relevance) so that the answer draws on several passages rather than repeating one.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from assistant.index.lexical import tokenize
from assistant.index.sentences import SentenceStore, SplitPassage, split_and_embed

MAX_SENTENCES = 5
# Weights of a sentence's score, chosen on the development questions (cited-hit, see
# assistant/answer_eval.py); the differences between nearby values were within noise.
SENTENCE_WEIGHT = 0.7  # cosine of sentence and question
PASSAGE_WEIGHT = 0.3  # cosine of the whole passage and question
TERM_WEIGHT = 0.2  # share of the question's key terms the sentence contains
RANK_BONUS = 0.04  # added to a sentence from the first passage, decaying with rank
SOURCE_BONUS = 0.05  # added to a sentence from a document the question names ("according to…")
MMR_LAMBDA = 0.5  # relevance vs. novelty when picking sentences
SAME_PASSAGE_PENALTY = 0.1  # favour citing several passages
RELATIVE_CUTOFF = 0.65  # keep sentences scoring at least this share of the best one

# What an answer never quotes: a question; a caption, source line or note ("Box 3", "Source;
# Riemer and Klein, (2003)", "Note 3: See…"); a reference ("pp. 12", "Vol. 3", "et al. (2003)");
# markup residue; a list's introduction ("… the following stages:"); a cut or TOC line ("…").
_UNQUOTABLE = re.compile(
    r"\?[\"”’)]?\s*$|\?\s+[A-Z]|^(box|table|figure|fig\.|exhibit|chart|annex|note|notes|see|"
    r"source)\b|\bsources?\s*[:;]|\bpp?\.\s?\d|\bvol\.\s?\d|\bet al\.?\s*,?\s*\(?\d{4}|"
    r"\bisbn\b|</?[a-z][^>]*>|:\s*$|…|\.\.\.|\s[-–—]\s*$",
    re.IGNORECASE,
)
# A heading run into its first sentence: "… in innovative clusters There are sharp …".
_RUN_IN_HEADING = re.compile(r"[a-z,] (The|There|This|These|In|It|An?|However|Such|We|They) ")
_DECLARATIVE_END = re.compile(r"[.!][\"”’)]*$")
_SOURCE_CITE = re.compile(r"\([^()]{0,80}\d{4}[a-z]?\)")


def quotable(sentence: str) -> bool:
    """Whether ``sentence`` can stand in an answer as a whole declarative sentence: it starts
    with a capital letter, a digit or a quote, ends with a full stop, and is no question,
    heading, caption, reference, note, list introduction or markup residue."""
    text = sentence.strip()
    if not text or not (text[0].isupper() or text[0].isdigit() or text[0] in "“\"'‘("):
        return False
    if not _DECLARATIVE_END.search(text) or _UNQUOTABLE.search(text):
        return False
    if _RUN_IN_HEADING.search(text):
        return False
    words = _SOURCE_CITE.sub(" ", text).split()
    letters = sum(w[:1].isalpha() for w in words)
    capitalised = sum(w[:1].isupper() for w in words)
    return letters >= 0.55 * len(words) and capitalised < 0.6 * len(words)


@dataclass(frozen=True)
class ScoredSentence:
    """A sentence of a retrieved passage with its relevance to the question."""

    doc_index: int
    position: int
    text: str
    similarity: float
    score: float


class CachedEmbeddings(Embeddings):
    """Remembers document vectors by text, so passages met again cost nothing (chat turns)."""

    def __init__(self, inner: Embeddings, max_items: int = 20_000) -> None:
        self.inner = inner
        self.max_items = max_items
        self._vectors: dict[str, list[float]] = {}

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        # Safe to share between threads: results come from a local dict, never a cleared one.
        found = {t: self._vectors.get(t) for t in texts}
        missing = [t for t, v in found.items() if v is None]
        if missing:
            new = dict(zip(missing, self.inner.embed_documents(missing), strict=True))
            found.update(new)
            if len(self._vectors) + len(new) > self.max_items:
                self._vectors.clear()
            self._vectors.update(new)
        return [found[t] for t in texts]  # type: ignore[misc]

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def _cosines(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1) * (np.linalg.norm(vector) or 1.0)
    return matrix @ vector / np.where(norms == 0, 1.0, norms)


def split_passages(
    docs: list[Document],
    embeddings: Embeddings,
    store: SentenceStore | None = None,
    model_id: str = "",
) -> list[SplitPassage]:
    """Each passage's sentences and their vectors: as ingest stored them (``store``, rows of
    the model ``model_id``), else split and embedded now (in one call for all passages)."""
    texts = [d.page_content for d in docs]
    stored = store.get(model_id, texts) if store is not None else {}
    missing = [text for text in texts if text not in stored]
    fresh = iter(split_and_embed(missing, embeddings.embed_documents, with_passages=False))
    return [stored[text] if text in stored else next(fresh) for text in texts]


def passage_similarities(
    query_vec: np.ndarray,
    docs: list[Document],
    embeddings: Embeddings,
    passages: list[SplitPassage] | None = None,
) -> list[float]:
    """Cosine of question and passage: the retriever's ``dense_score`` when given, else from
    the passages' stored vectors (``passages``), computed for those without one."""
    given = [d.metadata.get("dense_score") for d in docs]
    if all(isinstance(v, int | float) for v in given):
        return [float(v) for v in given]  # type: ignore[arg-type]
    known = [p.passage for p in passages] if passages else [None] * len(docs)
    todo = [d.page_content for d, v in zip(docs, known, strict=True) if v is None]
    fresh = iter(embeddings.embed_documents(todo) if todo else [])
    vectors = np.asarray([next(fresh) if v is None else v for v in known])
    return _cosines(vectors, query_vec).tolist()


def term_overlap(query: str, sentences: list[str]) -> list[float]:
    """Share of the query's stemmed key terms found in each sentence."""
    terms = set(tokenize([query])[0])
    if not terms or not sentences:
        return [0.0] * len(sentences)
    return [len(terms & set(tokens)) / len(terms) for tokens in tokenize(sentences)]


def score_sentences(
    query: str,
    query_vec: np.ndarray,
    docs: list[Document],
    embeddings: Embeddings,
    named_docs: Collection[str] = (),
    passages: list[SplitPassage] | None = None,
) -> tuple[list[ScoredSentence], np.ndarray]:
    """Every usable sentence of the passages, scored, with its (row-aligned) vectors.

    ``passages`` are the docs' sentences and vectors when known (``split_passages``), else
    they are computed here. Sentences from ``named_docs`` (the doc ids of sources the question
    names) get a bonus: a user who asks what the Whitebook says should be shown the Whitebook's
    words."""
    passages = passages if passages is not None else split_passages(docs, embeddings)
    items = [(i, pos, s) for i, p in enumerate(passages) for pos, s in enumerate(p.sentences)]
    if not items:
        return [], np.zeros((0, len(query_vec)))
    vectors = np.vstack([p.vectors for p in passages if p.sentences])
    sims = _cosines(vectors, query_vec)
    passage = passage_similarities(query_vec, docs, embeddings, passages)
    overlap = term_overlap(query, [text for _, _, text in items])
    scored = [
        ScoredSentence(
            doc_index=i,
            position=pos,
            text=text,
            similarity=float(sim),
            score=SENTENCE_WEIGHT * float(sim)
            + PASSAGE_WEIGHT * passage[i]
            + TERM_WEIGHT * terms
            + RANK_BONUS / (1 + i)
            + SOURCE_BONUS * (docs[i].metadata.get("doc_id") in named_docs),
        )
        for (i, pos, text), sim, terms in zip(items, sims, overlap, strict=True)
    ]
    return scored, vectors


def select_sentences(
    scored: list[ScoredSentence], vectors: np.ndarray, max_sentences: int = MAX_SENTENCES
) -> list[ScoredSentence]:
    """Greedy maximal-marginal-relevance pick of the best, mutually different sentences."""
    if not scored:
        return []
    best = max(s.score for s in scored)
    pool = [i for i, s in enumerate(scored) if s.score >= RELATIVE_CUTOFF * best]
    chosen: list[int] = []
    while pool and len(chosen) < max_sentences:

        def gain(i: int) -> float:
            if not chosen:
                return scored[i].score
            overlap = max(float(_cosines(vectors[chosen], vectors[i]).max()), 0.0)
            same = any(scored[j].doc_index == scored[i].doc_index for j in chosen)
            return (
                MMR_LAMBDA * scored[i].score
                - (1 - MMR_LAMBDA) * overlap
                - SAME_PASSAGE_PENALTY * same
            )

        pick = max(pool, key=gain)
        chosen.append(pick)
        pool.remove(pick)
    return [scored[i] for i in chosen]
