"""Hybrid retrieval: dense (Chroma) and BM25 candidates, fused by rank, diversified, expanded.

Exposed as a LangChain ``BaseRetriever``: ``HybridRetriever.from_settings(settings, k=8)``.
``invoke(query)`` returns ``Document`` passages, best first; ``search(query)`` returns the same
passages as a ``SearchResult``, with the query's vector and the documents the query names.

Each passage keeps the metadata of the chunk that was hit (``chunk_id``, ``doc_id``,
``section``, ``page``…) and adds ``score`` (fused), ``dense_score`` and ``second_dense_score``
(cosine similarity by the first and second embedding model, None when not their candidate),
``bm25_score`` (None when not a BM25 candidate) and ``rank``.
With neighbour expansion, ``page_content`` is the hit with its adjacent chunks
(``metadata["chunk_text"]`` is the hit's own text).

Filters (``doc_ids``, ``year_min``, ``year_max``, ``kinds``) are fields of the retriever and can
also be given per call: ``retriever.invoke(q, doc_ids=["benner-2013"])``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.index.chunk_table import NEIGHBOURS, stitch
from assistant.retrieval.fusion import RRF_K, diversify, rrf
from assistant.retrieval.glossary import expansions
from assistant.retrieval.search_index import FILTER_KEYS, Expansion, Filters, SearchIndex
from assistant.settings import Settings


@dataclass(frozen=True)
class Hit:
    """One retrieved passage: the hit chunk with its neighbours, its rank and fused score."""

    document: Document
    rank: int
    score: float


@dataclass(frozen=True)
class SearchResult:
    """What one search found: the hits best first, the query's vector (first embedding model)
    and the ids of the documents the query names ("according to Benner")."""

    query: str
    hits: list[Hit]
    query_vector: list[float]
    named_doc_ids: tuple[str, ...]

    @property
    def documents(self) -> list[Document]:
        return [hit.document for hit in self.hits]


class HybridRetriever(BaseRetriever):
    """Dense + BM25 retrieval fused by reciprocal rank, as a LangChain retriever.

    With a second embedding model in the index (``second_embedding_model``), its dense
    ranking joins the fusion with ``second_weight``.

    Knobs (measured in ``docs/retrieval.md``): ``candidates`` per ranker; ``window_weight``:
    how much a dense hit's best neighbour adds to its score; ``rrf_k`` and the weights of the
    fusion (``dense_weight``, ``bm25_weight``, ``second_weight``); ``max_doc_share``: the
    largest share of the ``k`` results one document may take; ``neighbours``: adjacent chunks
    returned on each side of a hit; ``feedback_docs``: BM25 pseudo-relevance feedback from
    that many top passages (0: off); ``source_weight``:
    the weight of the extra rankings of a document the question names ("according to
    Benner"), searched on its own (0: off; see ``assistant.retrieval.named_sources``);
    ``demote_references``:
    chunks that are mostly bibliography entries or citation footnotes come after all others.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: SearchIndex
    k: int = 8
    candidates: int = 50
    dense_weight: float | None = None  # None: 0.5 beside a second model, else 1.0
    bm25_weight: float = 1.0
    second_weight: float = 1.0
    max_doc_share: float = 0.5
    neighbours: int = NEIGHBOURS
    feedback_docs: int = 0
    feedback_terms: int = 10
    feedback_weight: float = 0.3
    window_weight: float = 0.5
    glossary: bool = True
    glossary_weight: float = 0.5
    source_weight: float = 1.0
    demote_references: bool = True
    rrf_k: int = RRF_K
    doc_ids: list[str] | None = None
    year_min: int | None = None
    year_max: int | None = None
    kinds: list[str] | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> HybridRetriever:
        return cls(index=SearchIndex(settings), k=kwargs.pop("k", settings.top_k), **kwargs)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        return self.search(query, **kwargs).documents

    def search(self, query: str, **kwargs: Any) -> SearchResult:
        """The passages for ``query`` with their scores, the query's vector and the documents
        it names: everything an answer needs, computed once. ``invoke()`` returns its
        ``documents``. Takes ``k`` and the filters (``doc_ids``, ``year_min``…) per call."""
        k = int(kwargs.get("k", self.k))
        if not query.strip():
            return SearchResult(query, [], [], ())
        self.index.refresh()
        filters = Filters.of({key: kwargs.get(key, getattr(self, key)) for key in FILTER_KEYS})
        vector = self.index.query_vector(query)
        dense, dense_rank, lexical = self._candidates(query, filters, vector)
        rankings = [(dense_rank, self._dense_weight), (list(lexical), self.bm25_weight)]
        second: dict[str, float] = {}
        if self.index.second_embeddings is not None and self.second_weight:
            second, second_rank = self._second_ranking(query, filters)
            rankings.append((second_rank, self.second_weight))
        named = self._named_sources(query, filters)
        if named:
            named_dense, named_rank, named_lexical = self._candidates(query, named, vector)
            rankings += [
                (named_rank, self.source_weight),
                (list(named_lexical), self.source_weight),
            ]
            dense = {**named_dense, **dense}
            lexical = {**named_lexical, **lexical}
        fused = rrf([r for r, _ in rankings], k=self.rrf_k, weights=[w for _, w in rankings])
        scores = dict(fused)
        hits = []
        for rank, i in enumerate(self._choose([i for i, _ in fused], k), 1):
            found = {"dense_score": dense, "second_dense_score": second, "bm25_score": lexical}
            ranker_scores = {name: by_id.get(i) for name, by_id in found.items()}
            hits.append(Hit(self._passage(i, rank, scores[i], ranker_scores), rank, scores[i]))
        return SearchResult(query, hits, list(vector), (named and named.doc_ids) or ())

    def _choose(self, ranked: list[str], k: int) -> list[str]:
        """The ``k`` passages to return: references last, few per document, no overlaps."""
        table = self.index.table
        ranked = [i for i in ranked if i in table.by_id]
        if self.demote_references:
            refs = {i for i in ranked if self.index.is_reference(i)}
            ranked = [i for i in ranked if i not in refs] + [i for i in ranked if i in refs]
        window = 2 * self.neighbours
        return diversify(
            ranked,
            table.doc_of,
            k,
            max(1, math.ceil(k * self.max_doc_share)),
            overlaps=lambda a, b: table.near(a, b, window),
        )

    @property
    def _dense_weight(self) -> float:
        if self.dense_weight is not None:
            return self.dense_weight
        return 0.5 if self.index.second_embeddings is not None else 1.0

    def _second_ranking(self, query: str, filters: Filters) -> tuple[dict[str, float], list[str]]:
        """The second model's cosine scores and dense ranking (window-aware, as the first's)."""
        vector = self.index.query_vector(query, second=True)
        return self.index.dense_ranking(vector, self.candidates, filters, self.window_weight, True)

    def _named_sources(self, query: str, filters: Filters) -> Filters | None:
        """``filters`` narrowed to the documents the query names (None if it names none)."""
        if not self.source_weight or filters.doc_ids is not None:
            return None
        named = self.index.sources.mentioned(query)
        if not named:
            return None
        return Filters(tuple(named), filters.year_min, filters.year_max, filters.kinds)

    def _candidates(
        self, query: str, filters: Filters, vector: Sequence[float]
    ) -> tuple[dict[str, float], list[str], dict[str, float]]:
        """Dense cosine scores, the dense ranking (window-aware) and BM25 scores."""
        index = self.index
        dense, dense_rank = index.dense_ranking(
            vector, self.candidates, filters, self.window_weight
        )
        expansion = Expansion(
            tuple(expansions(query)) if self.glossary else (),
            self.glossary_weight,
            self.feedback_terms,
            self.feedback_weight,
        )
        lexical = dict(index.lexical(query, self.candidates, filters, (), expansion))
        if self.feedback_docs and (dense or lexical):
            top = [i for i, _ in self._fuse(dense_rank, lexical)[: self.feedback_docs]]
            lexical = dict(index.lexical(query, self.candidates, filters, top, expansion))
        return dense, dense_rank, lexical

    def _fuse(self, dense_rank: list[str], lexical: dict[str, float]) -> list[tuple[str, float]]:
        return rrf(
            [dense_rank, list(lexical)],
            k=self.rrf_k,
            weights=[self._dense_weight, self.bm25_weight],
        )

    def _passage(
        self, chunk_id: str, rank: int, score: float, ranker_scores: dict[str, float | None]
    ) -> Document:
        hit = self.index.table.by_id[chunk_id]
        run = self.index.table.run(chunk_id, self.neighbours, self.neighbours)
        meta = {
            **hit.metadata,
            "score": round(score, 6),
            **{k: None if v is None else round(v, 6) for k, v in ranker_scores.items()},
            "rank": rank,
            "chunk_text": hit.page_content,
            "context_ids": [str(d.id) for d in run],
        }
        return Document(id=chunk_id, page_content=stitch(run), metadata=meta)
