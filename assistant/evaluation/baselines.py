"""The naive baseline retrieval pipelines, built in a temporary folder for comparison.

Recursive 1,000/150-character chunks of each document's raw text (text files as read; PDF and
Word through our loaders), embedded with the same model and searched in Chroma (top-k), BM25 on
the same chunks, and both fused by reciprocal rank.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.documents import Document

from assistant.index.embeddings import LocalEmbeddings, first_embeddings
from assistant.index.lexical import BM25Index
from assistant.retrieval.fusion import rrf
from assistant.settings import Settings

CHUNK_CHARS = 1000
OVERLAP_CHARS = 150
TEXT_SUFFIXES = (".txt", ".text", ".md", ".markdown")
Search = Callable[[str], list[dict[str, Any]]]


def naive_chunks(settings: Settings) -> list[Document]:
    """The corpus documents cut by LangChain's recursive splitter (1,000/150 characters)."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from assistant.ingest.chunking import document_text
    from assistant.ingest.document import LoadError
    from assistant.ingest.loaders import decode_text, load_file
    from assistant.ingest.pipeline import discover

    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_CHARS, chunk_overlap=OVERLAP_CHARS)
    files, _ = discover([Path(settings.corpus_dir) / "documents"])
    chunks: list[Document] = []
    for path in files:
        try:
            if path.suffix.lower() in TEXT_SUFFIXES:  # as a plain text loader reads it
                text = decode_text(path.read_bytes())
            else:
                text = document_text(load_file(path, int(settings.max_file_mb * 1e6)).blocks)
        except (LoadError, OSError):
            continue
        for piece in splitter.split_text(text):
            chunks.append(Document(page_content=piece, metadata={"doc_id": path.stem}))
    for n, doc in enumerate(chunks):
        doc.id = f"naive-{n}"
    return chunks


def naive_searches(
    settings: Settings, folder: Path, k: int, embeddings: LocalEmbeddings | None = None
) -> dict[str, Search]:
    """Named search functions (question -> result records) of the naive pipelines."""
    from langchain_chroma import Chroma

    embeddings = embeddings or first_embeddings(settings)
    chunks = naive_chunks(settings)
    by_id = {str(d.id): d for d in chunks}
    store = Chroma(
        collection_name="naive",
        embedding_function=embeddings,
        persist_directory=str(folder),
        collection_metadata={"hnsw:space": "cosine"},
    )
    if chunks:
        store.add_documents(chunks, ids=list(by_id))
    bm25 = BM25Index.build(list(by_id), [d.page_content for d in chunks])

    def dense_ids(query: str) -> list[str]:
        return [str(d.id) for d in store.similarity_search(query, k=k)] if chunks else []

    def bm25_ids(query: str) -> list[str]:
        return [i for i, _ in bm25.search(query, k)]

    def records(ids: list[str]) -> list[dict[str, Any]]:
        return [
            {"chunk_id": i, "doc_id": by_id[i].metadata["doc_id"], "text": by_id[i].page_content}
            for i in ids
        ]

    return {
        "naive dense": lambda q: records(dense_ids(q)),
        "naive BM25": lambda q: records(bm25_ids(q)),
        "naive RRF": lambda q: records([i for i, _ in rrf([dense_ids(q), bm25_ids(q)])][:k]),
    }
