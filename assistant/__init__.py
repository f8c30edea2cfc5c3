"""Cluster Policy Assistant: a citation-first knowledge assistant for cluster policy.

The data flow, one sub-package each: ``ingest`` (files → chunks) → ``index`` (Chroma, BM25,
ledger, embedding models) → ``retrieval`` (hybrid search) → ``answering`` (cited answers,
chat) and ``recommending`` (profile → roadmap → draft), with ``knowledge`` (the curated catalog)
and ``evaluation``; ``cli`` and ``ui`` sit on top.

The public names below are imported on first use, so ``import assistant`` stays cheap::

    from assistant import Answerer, Settings

    answer = Answerer.from_settings(Settings()).answer("Who should lead a cluster initiative?")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.answering.answerer import Answerer
    from assistant.answering.chat import ChatSession
    from assistant.answering.types import Answer
    from assistant.citations import Citation
    from assistant.index.embeddings import LocalEmbeddings
    from assistant.ingest.pipeline import Indexer, IngestReport
    from assistant.knowledge.catalog import Catalog, load_catalog
    from assistant.llm import make_chat_model
    from assistant.recommending.export import to_docx, to_markdown
    from assistant.recommending.profile import ClusterProfile, parse_profile
    from assistant.recommending.roadmap import Recommendation, Recommender, Roadmap
    from assistant.retrieval.hybrid import HybridRetriever, SearchResult
    from assistant.retrieval.search_index import SearchIndex
    from assistant.settings import Settings

_WHERE = {
    "Answer": "assistant.answering.types",
    "Answerer": "assistant.answering.answerer",
    "Catalog": "assistant.knowledge.catalog",
    "ChatSession": "assistant.answering.chat",
    "Citation": "assistant.citations",
    "ClusterProfile": "assistant.recommending.profile",
    "HybridRetriever": "assistant.retrieval.hybrid",
    "Indexer": "assistant.ingest.pipeline",
    "IngestReport": "assistant.ingest.pipeline",
    "LocalEmbeddings": "assistant.index.embeddings",
    "Recommendation": "assistant.recommending.roadmap",
    "Recommender": "assistant.recommending.roadmap",
    "Roadmap": "assistant.recommending.roadmap",
    "SearchIndex": "assistant.retrieval.search_index",
    "SearchResult": "assistant.retrieval.hybrid",
    "Settings": "assistant.settings",
    "load_catalog": "assistant.knowledge.catalog",
    "make_chat_model": "assistant.llm",
    "parse_profile": "assistant.recommending.profile",
    "to_docx": "assistant.recommending.export",
    "to_markdown": "assistant.recommending.export",
}

__all__ = [
    "Answer",
    "Answerer",
    "Catalog",
    "ChatSession",
    "Citation",
    "ClusterProfile",
    "HybridRetriever",
    "Indexer",
    "IngestReport",
    "LocalEmbeddings",
    "Recommendation",
    "Recommender",
    "Roadmap",
    "SearchIndex",
    "SearchResult",
    "Settings",
    "load_catalog",
    "make_chat_model",
    "parse_profile",
    "to_docx",
    "to_markdown",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return [*globals(), *__all__]
