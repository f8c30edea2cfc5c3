"""Heavy objects shared by all sessions, built once with ``st.cache_resource``.

Nothing here loads a model at import time: the first call does. Objects that read the index
are keyed by the index's version (``index_version``), so they are rebuilt after
an upload or a removal.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from assistant.answering.answerer import Answerer
from assistant.index.embeddings import LocalEmbeddings, first_embeddings
from assistant.index.store import LEDGER_FILE, IndexStore
from assistant.knowledge.catalog import Catalog, load_catalog
from assistant.knowledge.learning import FILE as LEARNING_FILE
from assistant.knowledge.learning import Learning, load_learning
from assistant.recommending.roadmap import Recommender
from assistant.retrieval.hybrid import HybridRetriever
from assistant.retrieval.search_index import SearchIndex
from assistant.settings import Settings


def current_settings() -> Settings:
    """Fresh settings from the environment and the optional TOML file (cheap)."""
    return Settings()


def index_version(settings: Settings) -> float:
    """Changes whenever an ingest rewrites the ledger (0 when there is no index)."""
    ledger = Path(settings.index_dir) / LEDGER_FILE
    return ledger.stat().st_mtime if ledger.exists() else 0.0


@st.cache_resource(show_spinner=False, max_entries=4)
def _stamp_store(key: str, _settings: Settings) -> IndexStore:
    return IndexStore(_settings)


def _version(settings: Settings) -> str:
    """The cache key of objects that read the index: the ledger's modification time, or with
    a Chroma server the digest of the chunks its last ingest published (from any client)."""
    if not settings.chroma_url:
        return str(index_version(settings))
    return _stamp_store(_key(settings), settings).stamp()


def _key(settings: Settings) -> str:
    return settings.model_dump_json()


@st.cache_resource(show_spinner=False)
def _embeddings(model: str, batch_size: int, _settings: Settings) -> LocalEmbeddings:
    return first_embeddings(_settings)


def embeddings(settings: Settings) -> LocalEmbeddings:
    """The embedding model (loaded on first use, once per process)."""
    return _embeddings(settings.embedding_model, settings.embedding_batch_size, settings)


@st.cache_resource(show_spinner="Opening the index…", max_entries=4)
def _search_index(key: str, version: str, _settings: Settings) -> SearchIndex:
    return SearchIndex(_settings, embeddings(_settings))


def search_index(settings: Settings) -> SearchIndex:
    """The readable index for the current settings and index version."""
    return _search_index(_key(settings), _version(settings), settings)


def retriever(settings: Settings, k: int | None = None) -> HybridRetriever:
    """A hybrid retriever over the cached index (cheap to build per call)."""
    return HybridRetriever(index=search_index(settings), k=k or settings.top_k)


def store(settings: Settings) -> IndexStore:
    """The index store of the cached search index (Chroma client opened once)."""
    return search_index(settings).store


@st.cache_resource(show_spinner=False, max_entries=4)
def _chat_model(key: str, _settings: Settings):  # -> BaseChatModel | None
    from assistant.llm import make_chat_model

    return make_chat_model(_settings)


def chat_model(settings: Settings):  # -> BaseChatModel | None
    """The configured LangChain chat model, or None in extractive mode."""
    return _chat_model(_key(settings), settings)


@st.cache_resource(show_spinner=False, max_entries=4)
def _answerer(key: str, version: str, _settings: Settings) -> Answerer:
    return Answerer.from_settings(
        _settings, retriever=retriever(_settings), chat_model=chat_model(_settings)
    )


def answerer(settings: Settings) -> Answerer:
    """The answerer over the current index (shared by all sessions)."""
    return _answerer(_key(settings), _version(settings), settings)


@st.cache_resource(show_spinner=False, max_entries=4)
def _recommender(key: str, version: str, _settings: Settings) -> Recommender:
    return Recommender(
        _settings,
        store=store(_settings),
        embeddings=embeddings(_settings),
        llm=chat_model(_settings),
    )


def recommender(settings: Settings) -> Recommender:
    """The recommender over the current index and knowledge base (shared by all sessions)."""
    return _recommender(_key(settings), _version(settings), settings)


@st.cache_resource(show_spinner=False, max_entries=4)
def _catalog(corpus_dir: str, stamp: tuple[float, ...]) -> Catalog:
    return load_catalog(corpus_dir)


def catalog(settings: Settings) -> Catalog:
    """The knowledge base (instruments, cases), re-read when its files change."""
    files = [Path(settings.corpus_dir) / n for n in ("instruments.yaml", "cases.yaml")]
    stamp = tuple(f.stat().st_mtime if f.exists() else 0.0 for f in files)
    return _catalog(str(settings.corpus_dir), stamp)


@st.cache_resource(show_spinner=False, max_entries=4)
def _learning(corpus_dir: str, stamp: float) -> Learning:
    return load_learning(corpus_dir)


def learning(settings: Settings) -> Learning:
    """The Learn path's frameworks and glossary, re-read when their file changes."""
    path = Path(settings.corpus_dir) / LEARNING_FILE
    return _learning(str(settings.corpus_dir), path.stat().st_mtime if path.exists() else 0.0)
