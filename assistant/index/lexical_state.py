"""The lexical side of an index (BM25, the chunk table, the library's words), built again from
what the previous build kept rather than from every chunk.

Beside what readers use, a BM25 generation (``index.publish``) keeps the state it was made from:
each chunk's tokens (``TokenRows``), the counts of the library's words (``WordCounts``) and the
ledger entry of each file its rows came from. A file whose entry is unchanged keeps its rows
(and its chunks are taken from the previous chunk table); the other files' chunks are read from
the chunk store and tokenised; removed files' rows are dropped and their words taken away. The
result equals a build from every chunk: rows follow the files in the order given, each file's
chunks in ledger order.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.documents import Document

from assistant.index.chunk_table import ChunkTable
from assistant.index.lexical import TOKENS_FILE, BM25Index, TokenRows
from assistant.index.library_words import COUNTS_FILE, LibraryText, WordCounts

STATE_FILE = "lexical.json"
STATE_VERSION = 1  # bump when the tokens or the counts change meaning: forces a full build
Entry = dict[str, Any]  # a ledger entry (``store.FileEntry`` as a dict): chunk_ids, sha256…
Fetch = Callable[[list[str]], list[Document]]  # chunks by id from the chunk store
Text = Callable[[Document], str]  # the text of a chunk that BM25 indexes


@dataclass
class LexicalState:
    """What the lexical side was built from: the ledger entries of its files (in row order,
    each entry's ``chunk_ids`` those found in the store), their chunks' tokens and the word
    counts of their texts and titles, for a given ingest ``signature``."""

    signature: dict[str, Any]
    files: dict[str, Entry]
    tokens: TokenRows
    counts: WordCounts

    @classmethod
    def empty(cls, signature: dict[str, Any]) -> LexicalState:
        return cls(signature, {}, TokenRows.of([]), WordCounts.of([]))

    @property
    def ids(self) -> list[str]:
        """The chunk ids of the rows."""
        return [chunk_id for entry in self.files.values() for chunk_id in entry["chunk_ids"]]

    def save(self, folder: Path) -> None:
        self.tokens.save(folder / TOKENS_FILE)
        self.counts.save(folder / COUNTS_FILE)
        data = {"version": STATE_VERSION, "signature": self.signature, "files": self.files}
        (folder / STATE_FILE).write_text(json.dumps(data, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, folder: Path) -> LexicalState:
        """The state saved in ``folder``; ``ValueError`` if it was saved by another version."""
        data = json.loads((folder / STATE_FILE).read_text("utf-8"))
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"lexical state of version {data.get('version')}")
        tokens, counts = TokenRows.load(folder / TOKENS_FILE), WordCounts.load(folder / COUNTS_FILE)
        return cls(data["signature"], data["files"], tokens, counts)


@dataclass
class Lexical:
    """The lexical side of an index and the state it was built from."""

    bm25: BM25Index
    table: ChunkTable
    words: LibraryText
    state: LexicalState


def build_lexical(
    files: dict[str, Entry],
    signature: dict[str, Any],
    text: Text,
    fetch: Fetch,
    previous: tuple[LexicalState, ChunkTable] | None = None,
) -> Lexical:
    """The lexical side of ``files`` (ledger key -> entry, in row order), updated from the
    ``previous`` state and chunk table when given (built from every chunk when not)."""
    old, old_table = previous or (LexicalState.empty(signature), ChunkTable([]))
    kept = {key for key, entry in files.items() if old.files.get(key) == entry}
    fresh = _fetch_files({k: e for k, e in files.items() if k not in kept}, fetch)
    entries = {
        key: entry if key in kept else {**entry, "chunk_ids": [str(d.id) for d in fresh[key]]}
        for key, entry in files.items()
    }
    fresh_docs = [doc for docs in fresh.values() for doc in docs]
    rows = _rows(entries, kept, old.ids, len(old.tokens))
    tokens = old.tokens.extended(map(text, fresh_docs)).take(rows).compact()
    gone = {key: entry for key, entry in old.files.items() if key not in kept}
    removed = list(_documents(gone, set(gone), old_table, {}))
    change = WordCounts.of(_texts(fresh_docs)).plus(WordCounts.of(_texts(removed)), -1)
    counts = old.counts.plus(change)
    state = LexicalState(signature, entries, tokens, counts)
    table = ChunkTable(_documents(entries, kept, old_table, fresh))
    return Lexical(BM25Index.of_tokens(state.ids, tokens), table, counts.library(), state)


def _fetch_files(files: dict[str, Entry], fetch: Fetch) -> dict[str, list[Document]]:
    """Each file's chunks read from the store, in ledger order (missing ones left out)."""
    found = {str(d.id): d for d in fetch([c for e in files.values() for c in e["chunk_ids"]])}
    return {key: [found[c] for c in e["chunk_ids"] if c in found] for key, e in files.items()}


def _rows(entries: dict[str, Entry], kept: set[str], old_ids: list[str], first: int) -> np.ndarray:
    """For each new row, its row among the old rows followed by the fresh ones (from
    ``first``, in order)."""
    old_row = {chunk_id: n for n, chunk_id in enumerate(old_ids)}
    fresh = itertools.count(first)
    return np.fromiter(
        (
            old_row[chunk_id] if key in kept else next(fresh)
            for key, entry in entries.items()
            for chunk_id in entry["chunk_ids"]
        ),
        dtype=np.int64,
    )


def _documents(
    entries: dict[str, Entry],
    kept: set[str],
    old_table: ChunkTable,
    fresh: dict[str, list[Document]],
) -> Iterator[Document]:
    """Every chunk in row order: a kept file's from the old table, the others' as read."""
    for key, entry in entries.items():
        if key in kept:
            yield from (old_table.by_id[chunk_id] for chunk_id in entry["chunk_ids"])
        else:
            yield from fresh[key]


def _texts(docs: list[Document]) -> Iterator[str]:
    """The texts whose words the library holds: each chunk's, and its document's title once
    (at the document's first chunk)."""
    titled: set[str] = set()
    for doc in docs:
        doc_id = str(doc.metadata.get("doc_id", ""))
        if doc_id not in titled:
            titled.add(doc_id)
            yield str(doc.metadata.get("title", ""))
        yield doc.page_content
