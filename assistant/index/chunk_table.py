"""All chunks of an index, compactly in memory, in document order: look-up, neighbours, stitching.

A library of 300,000 chunks held as ``Document`` objects costs several GB (a metadata dict per
chunk, each repeating its document's title, authors and aliases). The table keeps instead, per
chunk, one pickled record of its text and of the metadata it does not share with its document,
per document the shared metadata once, and the positions in arrays; a ``Document`` is made when
a chunk is asked for (``by_id[chunk_id]``), equal to the one that was stored.

Chunk texts are slices of their document's text (``start``/``end`` character offsets), and
consecutive chunks may overlap; ``stitch`` joins a run of chunks without repeating the overlap.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.documents import Document

PARAGRAPH = "\n\n"
TABLE_FILE = "chunks.pickle"  # the saved table, beside the BM25 index it was built with
NEIGHBOURS = 1  # chunks on each side of a hit that make up the passage retrieval returns
COLUMNS = ("doc_id", "kind", "year")  # metadata keys kept as arrays, for filters
_MISSING = object()


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


class ChunkTable:
    """Chunks by id and by document, ordered by their position (``seq``) in the document.

    ``by_id`` maps chunk ids to ``Document`` objects (made on access); ``ids`` lists them in
    table order: documents in the order first met, each document's chunks by ``seq``.
    ``codes(key)`` gives the values of a metadata key (``COLUMNS``) for every row at once.
    """

    def __init__(self, docs: Iterable[Document]) -> None:
        doc_number: dict[str, int] = {}
        self._shared: list[dict[str, Any]] = []  # each document's first chunk's metadata
        ids: list[str] = []
        records: list[bytes] = []
        docs_of: list[int] = []
        seqs: list[int] = []
        values: dict[str, dict[Any, int]] = {key: {} for key in COLUMNS}
        codes: dict[str, list[int]] = {key: [] for key in COLUMNS}
        for doc in docs:  # packed one at a time: the documents are never all held
            meta = doc.metadata
            number = doc_number.setdefault(str(meta.get("doc_id", "")), len(doc_number))
            if number == len(self._shared):
                self._shared.append(dict(meta))
            shared = self._shared[number]
            own = {k: v for k, v in meta.items() if not _same(shared.get(k, _MISSING), v)}
            absent = tuple(k for k in shared if k not in meta)
            records.append(pickle.dumps((doc.page_content, own, absent), pickle.HIGHEST_PROTOCOL))
            ids.append(str(doc.id))
            docs_of.append(number)
            seqs.append(int(meta.get("seq", 0)))
            for key in COLUMNS:
                value = meta.get(key)
                codes[key].append(values[key].setdefault(value, len(values[key])))
        rows = np.lexsort((np.asarray(seqs, dtype=np.int64), np.asarray(docs_of, dtype=np.int64)))
        self.ids = [ids[r] for r in rows]
        self._records = [records[r] for r in rows]
        self._columns = {
            key: (list(values[key]), np.asarray(codes[key], dtype=np.int32)[rows])
            for key in COLUMNS
        }
        self.doc_ids = list(doc_number)
        self.doc_code = np.asarray(docs_of, dtype=np.int32)[rows]
        counts = np.bincount(self.doc_code, minlength=len(self.doc_ids))
        self._doc_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.row = {chunk_id: n for n, chunk_id in enumerate(self.ids)}
        self.by_id: Mapping[str, Document] = _ById(self)

    def __len__(self) -> int:
        return len(self.ids)

    def save(self, path: Path) -> None:
        """Write the table to ``path`` (``load`` reads it back without the chunks' store)."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("by_id", "row")}
        with path.open("wb") as out:
            pickle.dump(state, out, pickle.HIGHEST_PROTOCOL)

    @classmethod
    def load(cls, path: Path) -> ChunkTable:
        """The table saved at ``path`` (a file of this index's own: it is unpickled)."""
        table = cls.__new__(cls)
        with path.open("rb") as stored:
            table.__dict__.update(pickle.load(stored))
        table.row = {chunk_id: n for n, chunk_id in enumerate(table.ids)}
        table.by_id = _ById(table)
        return table

    def document(self, row: int) -> Document:
        """The chunk of ``row`` as a ``Document`` (text and metadata as stored)."""
        text, own, absent = pickle.loads(self._records[row])
        shared = self._shared[self.doc_code[row]]
        meta = {k: v for k, v in shared.items() if k not in absent} if absent else dict(shared)
        meta.update(own)
        return Document(id=self.ids[row], page_content=text, metadata=meta)

    def text(self, row: int) -> str:
        text: str = pickle.loads(self._records[row])[0]
        return text

    def texts(self) -> Iterator[str]:
        """Every chunk's text, in table order."""
        return (self.text(row) for row in range(len(self.ids)))

    def value(self, row: int, key: str, default: Any = None) -> Any:
        """One metadata value of ``row``, read from its document's shared items when there."""
        _, own, absent = pickle.loads(self._records[row])
        if key in own:
            return own[key]
        return default if key in absent else self._shared[self.doc_code[row]].get(key, default)

    def codes(self, key: str) -> tuple[list[Any], np.ndarray]:
        """The distinct values of metadata ``key`` (None: absent) and each row's index into
        them; ``key`` is one of ``COLUMNS``."""
        return self._columns[key]

    def heads(self) -> list[Document]:
        """The first chunk of each document, in table order."""
        return [self.document(int(self._doc_start[d])) for d in range(len(self.doc_ids))]

    def doc_of(self, chunk_id: str) -> str:
        return self.doc_ids[self.doc_code[self.row[chunk_id]]]

    def run(self, chunk_id: str, before: int, after: int) -> list[Document]:
        """The chunk with up to ``before`` preceding and ``after`` following chunks."""
        return [self.document(r) for r in self._run_rows(chunk_id, before, after)]

    def run_ids(self, chunk_id: str, before: int, after: int) -> list[str]:
        """The ids of ``run(chunk_id, before, after)``."""
        return [self.ids[r] for r in self._run_rows(chunk_id, before, after)]

    def _run_rows(self, chunk_id: str, before: int, after: int) -> range:
        row = self.row[chunk_id]
        doc = self.doc_code[row]
        first = max(int(self._doc_start[doc]), row - before)
        return range(first, min(int(self._doc_start[doc + 1]), row + after + 1))

    def near(self, a: str, b: str, window: int) -> bool:
        """Whether two chunks sit in the same document at most ``window`` chunks apart."""
        i, j = self.row[a], self.row[b]
        return bool(self.doc_code[i] == self.doc_code[j]) and abs(i - j) <= window


class _ById(Mapping[str, Document]):
    """The table's chunks by id; each ``Document`` is made when asked for."""

    def __init__(self, table: ChunkTable) -> None:
        self._table = table

    def __getitem__(self, chunk_id: str) -> Document:
        return self._table.document(self._table.row[chunk_id])

    def __contains__(self, chunk_id: object) -> bool:
        return chunk_id in self._table.row

    def __iter__(self) -> Iterator[str]:
        return iter(self._table.ids)

    def __len__(self) -> int:
        return len(self._table.ids)


def stitch(run: Sequence[Document]) -> str:
    """The text of consecutive chunks of one document, overlaps written once."""
    if not run:
        return ""
    parts = [run[0].page_content]
    end = _end(run[0])
    for doc in run[1:]:
        start = int(doc.metadata.get("start", end))
        if start < end:
            parts.append(doc.page_content[end - start :])
        else:
            parts.append(PARAGRAPH + doc.page_content)
        end = max(end, _end(doc))
    return "".join(parts)


def _end(doc: Document) -> int:
    meta = doc.metadata
    return int(meta.get("end", int(meta.get("start", 0)) + len(doc.page_content)))
