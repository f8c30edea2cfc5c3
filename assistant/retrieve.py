"""Hybrid retrieval: dense (Chroma) and BM25 candidates fused by reciprocal rank.

Exposed as a LangChain ``BaseRetriever``: ``HybridRetriever.from_settings(settings).invoke(q)``
returns ``Document`` chunks, best first, each with ``metadata["score"]``.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.embeddings import LocalEmbeddings
from assistant.lexical import BM25Index
from assistant.settings import Settings
from assistant.store import IndexStore

RRF_K = 60


class IndexMissingError(RuntimeError):
    """No index has been built yet."""


def rrf(rankings: list[list[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Reciprocal rank fusion of several best-first id lists."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, doc_id in enumerate(ranking, 1):
            scores[doc_id] = scores.get(doc_id, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


class SearchIndex:
    """The readable side of an index: dense and lexical search plus chunk look-up."""

    def __init__(self, settings: Settings, embeddings: LocalEmbeddings | None = None) -> None:
        self.settings = settings
        self.store = IndexStore(settings)
        self.embeddings = embeddings or LocalEmbeddings(
            settings.embedding_model, settings.embedding_batch_size
        )
        if not self.store.exists():
            raise IndexMissingError(
                f"no index in {settings.index_dir}: run 'cluster-assistant ingest' first"
            )

    @cached_property
    def bm25(self) -> BM25Index:
        return BM25Index.load(self.store.bm25_dir)

    def dense(
        self, query: str, k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """``(chunk_id, cosine similarity)`` pairs, best first."""
        n = self.store.count()
        if not n:
            return []
        got = self.store.collection.query(
            query_embeddings=[self.embeddings.embed_query(query)],
            n_results=min(k, n),
            where=where or None,
            include=["distances"],
        )
        return [(i, 1.0 - d) for i, d in zip(got["ids"][0], got["distances"][0], strict=True)]

    def lexical(self, query: str, k: int) -> list[tuple[str, float]]:
        return self.bm25.search(query, k)


class HybridRetriever(BaseRetriever):
    """Dense + BM25 retrieval fused by reciprocal rank, as a LangChain retriever."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: SearchIndex
    k: int = 8
    candidates: int = 40

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> HybridRetriever:
        return cls(index=SearchIndex(settings), k=kwargs.pop("k", settings.top_k), **kwargs)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        dense = self.index.dense(query, self.candidates)
        lexical = self.index.lexical(query, self.candidates)
        fused = rrf([[i for i, _ in dense], [i for i, _ in lexical]])[: self.k]
        docs = self.index.store.get([i for i, _ in fused])
        scores = dict(fused)
        for doc in docs:
            doc.metadata["score"] = round(scores[doc.id], 6)
        return docs
