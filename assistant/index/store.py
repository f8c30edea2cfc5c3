"""The index on disk: a Chroma collection, a BM25 index and a ledger of indexed files.

Chroma holds the chunks (text, metadata, vectors) and is the source of truth; the BM25 index
is derived from it and rebuilt whenever the set of chunks changes; the ledger records which
file produced which chunks, so that ingest can be incremental and repair itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.documents import Document

from assistant.index.chunk_table import TABLE_FILE, ChunkTable
from assistant.index.lexical import BM25Index
from assistant.index.lexical_state import Entry, LexicalState, Text, build_lexical
from assistant.index.library_words import WORDS_FILE, LibraryText
from assistant.index.publish import Saver, publish_bm25, remove_stale_generations
from assistant.index.sentences import STORE_FILE, SentenceStore
from assistant.settings import Settings

LEDGER_FILE = "ledger.json"
BM25_DIR = "bm25"
RUN_MARKER = "ingest-running"
SECOND_SUFFIX = "__second"  # collection of the second embedding model's vectors
HNSW_EF_SEARCH = 400  # candidates explored when searching the vector graph
STATE_KEY = "cpa_chunks"  # collection metadata on a server: digest of the published chunk ids


@dataclass
class FileEntry:
    """One indexed file: where it was, what it contained, which chunks it produced."""

    path: str
    sha256: str
    doc_id: str
    title: str
    chunk_ids: list[str] = field(default_factory=list)
    meta_sha256: str = ""  # of the file's manifest entry: editing the entry re-indexes the file


@dataclass
class Ledger:
    """Which files are indexed, and with which model and chunking (the signature)."""

    signature: dict[str, Any] = field(default_factory=dict)
    files: dict[str, FileEntry] = field(default_factory=dict)

    def chunk_ids(self) -> set[str]:
        return {cid for entry in self.files.values() for cid in entry.chunk_ids}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Ledger:
        files = {k: FileEntry(**v) for k, v in data.get("files", {}).items()}
        return cls(signature=data.get("signature", {}), files=files)


class IndexStoreError(RuntimeError):
    """The index cannot be used as asked (shown to users as one line)."""


class IndexLockedError(IndexStoreError):
    """Another ingest holds the index and did not finish in time."""


class ChromaServerError(IndexStoreError):
    """The Chroma server of ``chroma_url`` cannot be reached."""


class IndexConflictError(IndexStoreError):
    """The server's collection was written from another index folder (another ledger)."""


def chunk_digest(ids: Iterable[str]) -> str:
    """A short digest of a set of chunk ids (order does not matter)."""
    digest = hashlib.sha256()
    for chunk_id in sorted(ids):
        digest.update(chunk_id.encode() + b"\n")
    return digest.hexdigest()[:32]


def atomic_write_json(path: Path, data: object) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


class IndexStore:
    """Access to one index folder (or a Chroma server plus the local BM25 and ledger)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = Path(settings.index_dir)

    # -- Chroma ----------------------------------------------------------------------------
    @property
    def remote(self) -> bool:
        """Whether the chunks live on a Chroma server (``chroma_url``) rather than in the folder."""
        return bool(self.settings.chroma_url)

    @cached_property
    def client(self):  # -> chromadb.ClientAPI
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
        if self.settings.chroma_url:
            return _http_client(self.settings.chroma_url, chroma_settings)
        self.root.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(self.root / "chroma"), settings=chroma_settings)

    @cached_property
    def collection(self):  # -> chromadb.Collection
        """The chunks: texts, metadata and the first model's vectors."""
        return self._open(self.settings.collection)

    @cached_property
    def second_collection(self):  # -> chromadb.Collection | None
        """The second model's vectors of the same chunks (ids and metadata, no texts)."""
        if not self.settings.second_embedding_model:
            return None
        return self._open(self.settings.collection + SECOND_SUFFIX)

    def _open(self, name: str):  # -> chromadb.Collection
        # Vectors are always computed by us and passed in: Chroma's default embedding
        # function would try to download a model. The HNSW graph is searched widely: at
        # Chroma's default ef (100), 2 % of the true top 50 were missed, and the results shifted
        # whenever the index was rebuilt.
        return self.client.get_or_create_collection(
            name,
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine", "ef_search": HNSW_EF_SEARCH}},
        )

    def count(self) -> int:
        return self.collection.count()

    def all_ids(self) -> set[str]:
        return set(self.collection.get(include=[])["ids"])

    def upsert(
        self,
        docs: list[Document],
        vectors: list[list[float]],
        second_vectors: list[list[float]] | None = None,
    ) -> None:
        second = self.second_collection
        for start in range(0, len(docs), 1000):
            batch = docs[start : start + 1000]
            ids = [d.metadata["chunk_id"] for d in batch]
            metadatas = [d.metadata for d in batch]
            self.collection.upsert(
                ids=ids,
                documents=[d.page_content for d in batch],
                metadatas=metadatas,
                embeddings=vectors[start : start + 1000],
            )
            if second is not None and second_vectors is not None:
                second.upsert(
                    ids=ids, metadatas=metadatas, embeddings=second_vectors[start : start + 1000]
                )

    def delete(self, ids: list[str] | set[str]) -> None:
        ids = list(ids)
        collections = [c for c in (self.collection, self.second_collection) if c is not None]
        for start in range(0, len(ids), 1000):
            for collection in collections:
                collection.delete(ids=ids[start : start + 1000])

    def get(self, ids: list[str], page: int = 5000) -> list[Document]:
        """Chunks by id, in the order asked (unknown ids are skipped), read ``page`` at a time."""
        by_id: dict[str, Document] = {}
        for start in range(0, len(ids), page):
            asked = list(ids[start : start + page])
            got = self.collection.get(ids=asked, include=["documents", "metadatas"])
            by_id.update(
                (i, Document(id=i, page_content=t or "", metadata=dict(m or {})))
                for i, t, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
            )
        return [by_id[i] for i in ids if i in by_id]

    def all_documents(self, page: int = 5000) -> list[Document]:
        """Every chunk, read ``page`` at a time (one large read briefly holds several copies)."""
        return list(self.documents(page))

    def documents(self, page: int = 5000) -> Iterator[Document]:
        """Every chunk, read ``page`` at a time and given one by one (none kept here)."""
        for docs, _ in self.pages(page):
            yield from docs

    def pages(
        self, page: int = 5000, vectors: bool = False
    ) -> Iterator[tuple[list[Document], np.ndarray]]:
        """Every chunk, ``page`` at a time, with the first model's vectors if asked (an empty
        array if not)."""
        include = ["documents", "metadatas", *(["embeddings"] if vectors else [])]
        offset = 0
        while True:
            got = self.collection.get(include=include, limit=page, offset=offset)
            docs = [
                Document(id=i, page_content=t or "", metadata=dict(m or {}))
                for i, t, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
            ]
            if docs:
                yield docs, np.asarray(got["embeddings"] if vectors else [], dtype=np.float32)
            if len(docs) < page:
                return
            offset += page

    def all_metadatas(self) -> tuple[list[str], list[dict[str, Any]]]:
        """Every chunk's id and metadata, without texts or vectors."""
        got = self.collection.get(include=["metadatas"])
        return list(got["ids"]), [dict(m or {}) for m in got["metadatas"]]

    # -- what a server holds ---------------------------------------------------------------
    def published_state(self) -> str | None:
        """On a server: the digest of the chunk ids the last finished ingest published."""
        from chromadb.errors import NotFoundError

        try:
            collection = self.client.get_collection(self.settings.collection)
        except NotFoundError:
            return None
        return (collection.metadata or {}).get(STATE_KEY)

    def publish(self, ledger: Ledger) -> None:
        """Record on the server which chunks a finished ingest left (readers follow it)."""
        self.collection.modify(metadata={STATE_KEY: chunk_digest(ledger.chunk_ids())})

    def stamp(self) -> str:
        """Changes whenever an ingest changes the index: the server's published digest, or the
        ledger file's modification time (embedded)."""
        if self.remote:
            return self.published_state() or ""
        try:
            return str((self.root / LEDGER_FILE).stat().st_mtime_ns)
        except OSError:
            return ""

    def check_writer(self, ledger: Ledger) -> None:
        """Refuse to write to a server collection that another index folder published: this
        folder's ledger does not describe it, and its repair step would delete the chunks."""
        if not self.remote or self.run_marker.exists():
            return  # after a killed run of ours, the repair step sets things right
        published = self.published_state()
        if published and published != chunk_digest(ledger.chunk_ids()):
            raise IndexConflictError(
                f"the collection '{self.settings.collection}' on {self.settings.chroma_url} was "
                f"written from another index folder than {self.root}: ingest from that folder "
                "(its ledger describes the collection), or use --rebuild to replace it"
            )

    def reset(self) -> None:
        """Drop every chunk, the BM25 index and the ledger."""
        for name in (self.settings.collection, self.settings.collection + SECOND_SUFFIX):
            with contextlib.suppress(Exception):  # the collection may not exist
                self.client.delete_collection(name)
        self.__dict__.pop("collection", None)
        self.__dict__.pop("second_collection", None)
        link = self.root / BM25_DIR
        if link.is_symlink():
            link.unlink()
        shutil.rmtree(link, ignore_errors=True)
        remove_stale_generations(link)  # every generation, the link being gone
        (self.root / LEDGER_FILE).unlink(missing_ok=True)
        self.sentences.remove()

    # -- ledger ----------------------------------------------------------------------------
    def load_ledger(self) -> Ledger:
        path = self.root / LEDGER_FILE
        if not path.exists():
            return Ledger()
        return Ledger.from_json(json.loads(path.read_text(encoding="utf-8")))

    def save_ledger(self, ledger: Ledger) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        data = {
            "signature": ledger.signature,
            "files": {k: asdict(v) for k, v in ledger.files.items()},
        }
        atomic_write_json(self.root / LEDGER_FILE, data)

    @contextmanager
    def write_lock(self, on_wait: Any = None) -> Iterator[None]:
        """Hold the index for writing; ``on_wait()`` is called once if another run holds it."""
        from filelock import FileLock, Timeout

        self.root.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.root / ".ingest.lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            if on_wait:
                on_wait()
            try:
                lock.acquire(timeout=self.settings.lock_timeout)
            except Timeout as exc:
                raise IndexLockedError(
                    f"another ingest is still writing to {self.root}; try again later"
                ) from exc
        try:
            yield
        finally:
            lock.release()

    @property
    def bm25_dir(self) -> Path:
        return self.root / BM25_DIR

    def write_bm25(
        self, files: dict[str, Entry], signature: dict[str, Any], text: Text
    ) -> BM25Index:
        """Build BM25 over the chunks of ``files`` (ledger key -> entry, in the order of the
        rows) and publish it as a new generation behind the ``bm25`` link (``index.publish``):
        a reader, or a run killed at any step, sees the old index or the new one, never half of
        one. The chunk table and the library's words go with it, so that a reader opens a large
        library without reading every chunk from Chroma, and the state they were built from
        (``index.lexical_state``), so that the next ingest reads and tokenises only the chunks
        of the files that changed."""
        previous = self._previous_lexical(signature)
        lexical = build_lexical(files, signature, text, self.get, previous)
        extras = [*lexical_extras(lexical.table, lexical.words), lexical.state.save]
        publish_bm25(lexical.bm25, self.bm25_dir, extras)
        return lexical.bm25

    def _previous_lexical(
        self, signature: dict[str, Any]
    ) -> tuple[LexicalState, ChunkTable] | None:
        """The state and chunk table of the current generation, if it has them for
        ``signature`` (an index written before they were kept has not: built from every chunk)."""
        folder = self.bm25_dir
        try:
            state = LexicalState.load(folder)
            table = ChunkTable.load(folder / TABLE_FILE)
            ids = state.ids
            if ids != BM25Index.stored_ids(folder) or set(ids) != set(table.ids):
                return None
        except Exception:  # missing, unreadable or of another version
            return None
        return (state, table) if state.signature == signature else None

    @property
    def sentences(self) -> SentenceStore:
        """The chunks' sentences and their vectors, stored at ingest (``index.sentences``)."""
        return SentenceStore(self.root / STORE_FILE)

    @property
    def run_marker(self) -> Path:
        """A file that exists while an ingest run writes: left behind, it tells of a killed run."""
        return self.root / RUN_MARKER

    def has_local_chroma(self) -> bool:
        """Whether the embedded Chroma folder exists (always True with a Chroma server)."""
        return self.remote or (self.root / "chroma").is_dir()

    def exists(self) -> bool:
        """Whether there is an index to read: a ledger here, or a published server collection."""
        return (self.root / LEDGER_FILE).exists() or (self.remote and bool(self.published_state()))


def lexical_extras(table: ChunkTable, words: LibraryText | None = None) -> list[Saver]:
    """What a BM25 generation holds beside the index: the chunk table and the words."""
    extras: list[Saver] = [lambda folder: table.save(folder / TABLE_FILE)]
    if words is not None:
        extras.append(lambda folder: words.save(folder / WORDS_FILE))
    return extras


def _http_client(address: str, chroma_settings: Any):  # -> chromadb.ClientAPI
    from urllib.parse import urlparse

    import chromadb

    url = urlparse(address if "//" in address else f"http://{address}")
    try:
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1",
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    except Exception as exc:  # chromadb raises ValueError or httpx errors
        raise ChromaServerError(
            f"cannot reach the Chroma server at {address}: is it running? ({exc})"
        ) from exc
