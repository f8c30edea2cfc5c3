"""Vectors computed before, found again by the exact text embedded and the model that did it.

A corpus folder may hold ``vectors.npz``: chunk vectors of both embedding models, keyed by a
hash of the model's identity (``LocalEmbeddings.model_id``, which changes with the model's
files) and of the text embedded. The starter corpus ships its own, so a fresh clone indexes it
in seconds instead of minutes; a chunk whose text or model differs (new chunking rules, an
edited document, another model) is simply embedded. ``python -m assistant.ingest.vectors``
writes the file from a built index (``make starter-vectors``), and ``sentence_vectors.npz``
beside it: the first model's vectors of the chunks' own texts and of their sentences
(``index.sentences``), stored as float16. ``vectors.npz`` also holds the first model's vectors of
the catalog texts the ingest compares with the chunks (``ingest.supports``), so a first ingest of
the starter corpus needs no model at all.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.index.embeddings import text_key

if TYPE_CHECKING:
    from assistant.settings import Settings

VECTORS_FILE = "vectors.npz"
SENTENCE_VECTORS_FILE = "sentence_vectors.npz"  # the chunks' texts and sentences (index.sentences)


class CachedEmbeddings(Embeddings):
    """An embedding model whose ``embed_documents`` first looks each text up in a
    ``VectorCache`` (so that texts shipped with their vectors need no model)."""

    def __init__(self, embeddings: Any, cache: VectorCache) -> None:  # a ``LocalEmbeddings``
        self.embeddings = embeddings
        self.cache = cache

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.cache.embed(self.embeddings.model_id, texts, self.embeddings.embed_documents)

    def embed_query(self, text: str) -> list[float]:
        return self.embeddings.embed_query(text)


class VectorCache:
    """The vectors of one ``vectors.npz`` (read on first look-up; none if the file is absent
    or unreadable)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @cached_property
    def _rows(self) -> dict[str, tuple[np.ndarray, dict[str, int]]]:
        """Per model id: its vectors and the row of each key."""
        try:
            with np.load(self.path, allow_pickle=False) as data:
                models = [str(m) for m in data["models"]]
                return {
                    model: (
                        data[f"vectors{n}"].astype(np.float32),
                        {str(k): row for row, k in enumerate(data[f"keys{n}"])},
                    )
                    for n, model in enumerate(models)
                }
        except (OSError, KeyError, ValueError):
            return {}

    def missing(self, model_id: str, texts: list[str]) -> list[int]:
        """The positions of the ``texts`` whose vectors by ``model_id`` are not here."""
        rows = self._rows.get(model_id, (None, {}))[1]
        return [n for n, t in enumerate(texts) if text_key(model_id, t) not in rows]

    def embed(
        self, model_id: str, texts: list[str], embed: Callable[[list[str]], list[list[float]]]
    ) -> list[list[float]]:
        """The vectors of ``texts``: found here, else computed by ``embed`` (in one call)."""
        vectors, rows = self._rows.get(model_id, (None, {}))
        keys = [text_key(model_id, t) for t in texts]
        missing = self.missing(model_id, texts)
        new = embed([texts[n] for n in missing]) if missing else []
        computed = dict(zip(missing, new, strict=True))
        if vectors is None:
            return new
        return [
            computed[n] if n in computed else vectors[rows[k]].tolist() for n, k in enumerate(keys)
        ]


def write_vectors(
    path: Path, models: Iterable[tuple[str, list[str], np.ndarray]], dtype: Any = np.float32
) -> None:
    """Write ``(model id, texts, vectors)`` of each model to ``path`` (as ``dtype``)."""
    arrays: dict[str, Any] = {}
    ids = []
    for n, (model_id, texts, vectors) in enumerate(models):
        ids.append(model_id)
        arrays[f"keys{n}"] = np.array([text_key(model_id, t) for t in texts])
        arrays[f"vectors{n}"] = np.asarray(vectors, dtype=dtype)
    tmp = path.with_name(path.name + ".tmp.npz")
    arrays["models"] = np.array(ids)
    np.savez_compressed(tmp, **arrays)
    tmp.replace(path)


def export_index_vectors(settings: Settings, out: Path) -> int:
    """Write the vectors of every chunk of the settings' index to ``out``, with the first
    model's vectors of the texts that stand for the catalog's instruments and of their quotes
    (what ``ingest.supports`` embeds); the chunk count."""
    from assistant.index.embeddings import first_embeddings, second_embeddings
    from assistant.index.store import IndexStore
    from assistant.ingest.chunking import embedding_text

    store = IndexStore(settings)
    models = []
    first = first_embeddings(settings)
    collections = [(first, store.collection)]
    if (second := second_embeddings(settings)) is not None:
        collections.append((second, store.second_collection))
    docs = {str(d.id): d for d in store.all_documents()}
    for model, collection in collections:
        got = collection.get(include=["embeddings"])
        texts = [embedding_text(docs[i], settings.embed_headers) for i in got["ids"]]
        vectors = np.asarray(got["embeddings"])
        if model is first and (supports := _support_texts(settings)):
            texts += supports
            vectors = np.vstack([vectors, np.asarray(model.embed_documents(supports))])
        models.append((model.model_id, texts, vectors))
    write_vectors(out, models)
    return len(docs)


def _support_texts(settings: Settings) -> list[str]:
    """``supports.embedded_texts`` of the corpus's catalog (none without one)."""
    from assistant.ingest.supports import embedded_texts
    from assistant.knowledge.catalog import KnowledgeError, load_catalog

    try:
        return embedded_texts(load_catalog(settings.corpus_dir))
    except (KnowledgeError, OSError):
        return []


def export_sentence_vectors(settings: Settings, out: Path) -> int:
    """Write the stored sentence and passage vectors (``index.sentences``) of every chunk of
    the settings' index to ``out``, as float16 (as stored); the number of texts."""
    from assistant.index.embeddings import first_embeddings
    from assistant.index.sentences import passages_by_document
    from assistant.index.store import IndexStore

    store = IndexStore(settings)
    model_id = first_embeddings(settings).model_id
    vectors: dict[str, np.ndarray] = {}
    for texts in passages_by_document(store.documents()).values():
        for text, split in store.sentences.get(model_id, texts).items():
            if split.passage is not None:
                vectors[text] = split.passage
            vectors.update(zip(split.sentences, split.vectors, strict=True))
    texts = list(vectors)
    write_vectors(out, [(model_id, texts, np.asarray([vectors[t] for t in texts]))], np.float16)
    return len(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description="Write an index's chunk vectors for reuse.")
    parser.add_argument("--index", type=Path, default=Path("index"))
    parser.add_argument("--out", type=Path, default=Path("corpus") / VECTORS_FILE)
    default = Path("corpus") / SENTENCE_VECTORS_FILE
    parser.add_argument("--sentences-out", type=Path, default=default)
    args = parser.parse_args()
    from assistant.settings import Settings

    settings = Settings(index_dir=args.index)
    count = export_index_vectors(settings, args.out)
    print(f"{count} chunks' vectors written to {args.out}")
    count = export_sentence_vectors(settings, args.sentences_out)
    print(f"{count} passages' and sentences' vectors written to {args.sentences_out}")


if __name__ == "__main__":
    main()
