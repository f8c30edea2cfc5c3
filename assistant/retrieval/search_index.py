"""The readable side of an index: dense and BM25 search, filters and chunk look-up.

``SearchIndex(settings)`` opens the index (Chroma collections, BM25, the chunk table) for
reading; ``refresh()`` follows an ingest made by another process. ``Filters`` restrict a search
by document, year and kind.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from assistant.index.chunk_table import TABLE_FILE, ChunkTable
from assistant.index.embeddings import LocalEmbeddings, first_embeddings, second_embeddings
from assistant.index.lexical import BM25Index, tokenize, tokenize_query
from assistant.index.library_words import WORDS_FILE, LibraryText
from assistant.index.publish import publish_bm25
from assistant.index.store import IndexStore, chunk_digest, lexical_extras
from assistant.ingest.chunking import embedding_text
from assistant.ingest.structure import is_reference_list
from assistant.retrieval.named_sources import SourceNames
from assistant.retrieval.relevance_feedback import expansion_terms
from assistant.settings import Settings

FILTER_KEYS = ("doc_ids", "year_min", "year_max", "kinds")
BROAD_FILTER = 0.1  # share of the chunks a filter accepts, from which it filters the hits
# Up to this many chunks, dense search compares every vector in memory (exact, and the same for
# every build of a library; 20,000 chunks of both models hold about 90 MB); beyond, Chroma's graph.
EXACT_SEARCH = 20_000
READ_PAGE = 1000  # chunks read from Chroma at once (a page of 5,000 briefly takes ~200 MB)


class IndexMissingError(RuntimeError):
    """No index has been built yet."""


@dataclass(frozen=True)
class Filters:
    """Metadata restrictions on the chunks a search may return (None: no restriction)."""

    doc_ids: tuple[str, ...] | None = None
    year_min: int | None = None
    year_max: int | None = None
    kinds: tuple[str, ...] | None = None

    @classmethod
    def of(cls, values: dict[str, Any]) -> Filters:
        tup = {k: tuple(v) for k in ("doc_ids", "kinds") if (v := values.get(k)) is not None}
        return cls(year_min=values.get("year_min"), year_max=values.get("year_max"), **tup)

    def __bool__(self) -> bool:
        return any(getattr(self, k) is not None for k in FILTER_KEYS)

    def where(self) -> dict[str, Any] | None:
        """The same restriction as a Chroma ``where`` clause."""
        terms: list[dict[str, Any]] = []
        if self.doc_ids is not None:
            terms.append({"doc_id": {"$in": list(self.doc_ids)}})
        if self.kinds is not None:
            terms.append({"kind": {"$in": list(self.kinds)}})
        if self.year_min is not None:
            terms.append({"year": {"$gte": self.year_min}})
        if self.year_max is not None:
            terms.append({"year": {"$lte": self.year_max}})
        if len(terms) > 1:
            return {"$and": terms}
        return terms[0] if terms else None

    def accepts(self, meta: dict[str, Any]) -> bool:
        year = meta.get("year")
        return (
            (self.doc_ids is None or meta.get("doc_id") in self.doc_ids)
            and (self.kinds is None or meta.get("kind") in self.kinds)
            and (self.year_min is None or (year is not None and year >= self.year_min))
            and (self.year_max is None or (year is not None and year <= self.year_max))
        )


@dataclass(frozen=True)
class Expansion:
    """Extra BM25 query terms: phrases (glossary) and pseudo-relevance feedback settings."""

    phrases: tuple[str, ...] = ()
    phrase_weight: float = 0.5
    terms: int = 10
    feedback_weight: float = 0.3


def fresh_store(settings: Settings) -> IndexStore:
    """A store whose Chroma client reads the index as it is on disk now.

    Embedded Chroma shares one client system per folder and process, and its in-memory vector
    graph never sees what another process wrote since: a reader kept for long (the app) would
    miss new documents. The shared system of this folder is forgotten, so that the store's
    client loads the index afresh (clients already open keep theirs).
    """
    store = IndexStore(settings)
    if not settings.chroma_url:
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient._identifier_to_system.pop(str(store.root / "chroma"), None)
    return store


def release_memory() -> None:
    """Give freed memory back to the system (glibc keeps it, after the many small allocations
    of a large read, for the process's lifetime); nothing elsewhere."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def top_rows(scores: Any, k: int):  # -> numpy.ndarray
    """The rows of the ``k`` highest scores, best first (ties in row order), without sorting
    the whole library."""
    import numpy as np

    if k < len(scores):
        part = np.argpartition(-scores, k - 1)[:k]
        threshold = scores[part].min()
        # every row tied at the cut, in row order (rows scoring nothing are never returned)
        part = np.flatnonzero(scores >= threshold if threshold > 0 else scores > 0)
    else:
        part = np.arange(len(scores))
    return part[np.argsort(-scores[part], kind="stable")][:k]


def _nearest(
    order: list[str],
    rows: dict[str, int],
    matrix: Any,
    vector: Sequence[float],
    k: int,
    ids: list[str] | None,
) -> list[tuple[str, float]]:
    """The ``k`` rows of ``matrix`` most similar to ``vector`` (cosine; among ``ids`` when
    given), as ``(chunk_id, similarity)`` best first."""
    import numpy as np

    query = np.asarray(vector, dtype=np.float32)
    query /= np.linalg.norm(query) or 1.0
    names = order if ids is None else [i for i in ids if i in rows]
    if not names:
        return []
    picked = matrix if ids is None else matrix[[rows[i] for i in names]]
    scores = picked @ query
    best = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    best = best[np.argsort(-scores[best], kind="stable")]
    return [(names[r], float(scores[r])) for r in best]


class SearchIndex:
    """The readable side of an index: dense and lexical search plus chunk look-up."""

    def __init__(self, settings: Settings, embeddings: LocalEmbeddings | None = None) -> None:
        self.settings = settings
        self.store = fresh_store(settings)
        self.embeddings = embeddings or first_embeddings(settings)
        self.second_embeddings = second_embeddings(settings)
        if not self.store.exists():
            raise IndexMissingError(
                f"no index in {settings.index_dir}: run 'cluster-assistant ingest' first"
            )
        self._stamp = self.store.stamp()
        self._tokens_of: dict[str, list[str]] = {}
        self._masks: dict[Filters, Any] = {}
        self._references: dict[str, bool] = {}
        self._matrices: dict[bool, tuple[list[str], dict[str, int], Any] | None] = {}

    @cached_property
    def generation(self) -> Path | None:
        """The folder of the current BM25 generation when it describes the chunks this reader
        sees (locally: always, ingest writes it last; with a Chroma server: when it holds the
        published chunks). It may also hold the chunk table and the library's words."""
        folder = self.store.bm25_dir
        try:
            if self.store.remote and chunk_digest(BM25Index.stored_ids(folder)) != self._stamp:
                return None
            return folder.resolve(strict=True)
        except Exception:  # missing or half-written: the chunks are the source of truth
            return None

    @cached_property
    def bm25(self) -> BM25Index:
        """The BM25 index of the folder (its current generation), or one built from the
        chunks when it cannot be read (an index folder damaged or copied without it). With a
        Chroma server, the folder's copy is a cache: rebuilt from the server's chunks when it
        does not hold the published ones."""
        if self.generation is not None:
            with contextlib.suppress(Exception):
                return BM25Index.load(self.generation)
        headers = self.settings.embed_headers
        texts = [embedding_text(d, headers) for d in self.table.by_id.values()]
        bm25 = BM25Index.build(self.table.ids, texts)
        if self.store.remote:
            publish_bm25(bm25, self.store.bm25_dir, lexical_extras(self.table))
        return bm25

    @cached_property
    def table(self) -> ChunkTable:
        """Every chunk in document order: saved with BM25 by the ingest, else read from Chroma
        (and kept in the generation for the next reader)."""
        if self.generation is not None and (self.generation / TABLE_FILE).exists():
            with contextlib.suppress(Exception):
                table = ChunkTable.load(self.generation / TABLE_FILE)
                if set(table.ids) == set(BM25Index.stored_ids(self.generation)):
                    return table
        table = ChunkTable(self.store.documents(page=READ_PAGE))
        release_memory()  # what reading the pages left behind
        self._keep(TABLE_FILE, table.save)
        return table

    @cached_property
    def library_words(self) -> LibraryText:
        """The words of all chunk texts and titles, for name look-ups (``LibraryText``):
        saved with BM25 by the ingest, else built from the table (and kept)."""
        if self.generation is not None and (self.generation / WORDS_FILE).exists():
            with contextlib.suppress(Exception):
                return LibraryText.load(self.generation / WORDS_FILE)
        words = LibraryText.of_table(self.table)
        self._keep(WORDS_FILE, words.save)
        return words

    def _keep(self, name: str, save: Callable[[Path], None]) -> None:
        """Write ``name`` into the current generation for the next reader (if allowed)."""
        if self.generation is None:
            return
        partial = self.generation / f".{name}.{os.getpid()}"
        with contextlib.suppress(OSError):
            save(partial)
            os.replace(partial, self.generation / name)
        partial.unlink(missing_ok=True)

    @cached_property
    def sources(self) -> SourceNames:
        return SourceNames.of(self.table.heads())

    def is_reference(self, chunk_id: str) -> bool:
        """Whether the chunk is mostly bibliography entries or citation footnotes (judged when
        first asked: opening a large library does not read every text)."""
        found = self._references.get(chunk_id)
        if found is None:
            found = self._references[chunk_id] = is_reference_list(
                self.table.text(self.table.row[chunk_id])
            )
        return found

    @cached_property
    def columns(self) -> dict[str, Any]:
        """The filterable metadata of the BM25 rows as arrays: document and kind codes (indexes
        into ``doc_names``/``kind_names``; -1 for a row missing from the table), years (NaN
        when unknown) and the chunk ids. Filters become array comparisons, not a loop over the
        library."""
        import numpy as np

        table = self.table
        rows = np.array([table.row.get(i, -1) for i in self.bm25.ids], dtype=np.int64)
        present = rows >= 0
        rows[~present] = 0

        def per_row(key: str, values: list[Any], dtype: Any) -> Any:
            """``values`` (one per distinct value of ``key`` in the table) for each BM25 row."""
            if not len(table):
                return np.zeros(len(rows), dtype=dtype)
            return np.asarray(values, dtype=dtype)[table.codes(key)[1][rows]]

        columns: dict[str, Any] = {"present": present, "ids": np.array(self.bm25.ids, dtype=object)}
        for key in ("doc_id", "kind"):
            values = table.codes(key)[0]
            names = sorted({str(v) for v in values if v is not None})
            code = {name: n for n, name in enumerate(names)}
            codes = [-1 if v is None else code.get(str(v), -1) for v in values]
            columns[key] = np.where(present, per_row(key, codes, np.int32), -1).astype(np.int32)
            columns[key + "_names"] = code
        years = [np.nan if y is None else y for y in table.codes("year")[0]]
        columns["year"] = np.where(present, per_row("year", years, np.float64), np.nan)
        return columns

    def refresh(self) -> None:
        """Drop what was read from disk, and reopen Chroma, if an ingest (in this process or
        another) has changed the index since: one ``stat`` of the ledger per call."""
        stamp = self.store.stamp()
        if stamp != self._stamp:
            self._stamp = stamp
            self.store = fresh_store(self.settings)
            for name in ("generation", "bm25", "table", "library_words", "sources", "columns"):
                self.__dict__.pop(name, None)
            self._tokens_of.clear()
            self._masks.clear()
            self._references.clear()
            self._matrices.clear()

    def query_vector(self, query: str, second: bool = False) -> list[float]:
        """The query's vector from the first model, or from the second (``second=True``)."""
        model = self.second_embeddings if second else self.embeddings
        if model is None:
            raise ValueError("this index has no second embedding model")
        return model.embed_query(query)

    def _collection(self, second: bool):  # -> chromadb.Collection
        return self.store.second_collection if second else self.store.collection

    def window_scores(
        self, vector: Sequence[float], hits: dict[str, float], weight: float, second: bool = False
    ) -> dict[str, float]:
        """Dense scores of ``hits`` raised by ``weight`` x their best neighbour's similarity.

        A hit is returned with its neighbours, so the passage is judged as a whole: a chunk
        whose neighbour also matches the question beats an isolated match of equal score.
        """
        if not weight or not hits:
            return hits
        import numpy as np

        table = self.table
        runs = {i: [n for n in table.run_ids(i, 1, 1) if n != i] for i in hits}
        missing = sorted({n for ns in runs.values() for n in ns} - hits.keys())
        sims = dict(hits)
        if missing:
            got = self._collection(second).get(ids=missing, include=["embeddings"])
            if len(got["ids"]):
                matrix = np.asarray(got["embeddings"], dtype=np.float32)
                sims.update(zip(got["ids"], (matrix @ np.asarray(vector)).tolist(), strict=True))
        return {
            i: score + weight * max((sims.get(n, 0.0) for n in runs[i]), default=0.0)
            for i, score in hits.items()
        }

    def dense_ranking(
        self,
        vector: Sequence[float],
        k: int,
        filters: Filters | None,
        window_weight: float,
        second: bool = False,
    ) -> tuple[dict[str, float], list[str]]:
        """The ``k`` nearest chunks that ``filters`` accept: their cosine scores, and their
        ranking by window score."""
        known = self.table.by_id  # a vector whose chunk is gone (a killed run) is skipped
        hits = {i: s for i, s in self.filtered_dense(vector, k, filters, second) if i in known}
        windowed = self.window_scores(vector, hits, window_weight, second)
        return hits, sorted(windowed, key=lambda i: -windowed[i])

    def filtered_dense(
        self, vector: Sequence[float], k: int, filters: Filters | None, second: bool = False
    ) -> list[tuple[str, float]]:
        """``dense`` restricted by ``filters``, which are never given to Chroma as a ``where``
        clause: Chroma evaluates each of its terms over the whole metadata table at every query
        (a year range: half the library; 1.4 s at 100,000 chunks). A broad filter
        (``BROAD_FILTER``: most chunks pass) is applied to the hits of a wider search without
        one; a narrow one (a named document) becomes the ids it accepts, found in the filter
        columns, among which Chroma compares the vectors."""
        import numpy as np

        if not filters:
            return self.dense(vector, k, None, second)
        n = len(self.table)
        mask = self._mask(filters)
        share = float(mask.mean()) if len(mask) else 0.0
        if share and share >= BROAD_FILTER:
            wide = min(n, math.ceil(2 * k / share) + 10)
            table = self.table
            hits = [
                (i, s)
                for i, s in self.dense(vector, wide, None, second)
                if i in table.row and filters.accepts(table.by_id[i].metadata)
            ]
            if len(hits) >= k or wide >= n:
                return hits[:k]
        ids = self.columns["ids"][np.flatnonzero(mask)].tolist()
        return self.dense(vector, k, None, second, ids)

    def dense(
        self,
        query: str | Sequence[float],
        k: int,
        where: dict[str, Any] | None = None,
        second: bool = False,
        ids: list[str] | None = None,
    ) -> list[tuple[str, float]]:
        """``(chunk_id, cosine similarity)`` pairs, best first (query as text or vector), from
        the first model's vectors or the second's; among ``ids`` only, when given."""
        n = len(self.table) if ids is None else len(ids)  # (a Chroma count costs a scan)
        if not n:
            return []
        vector = self.query_vector(query, second) if isinstance(query, str) else list(query)
        if where is None and (matrix := self._matrix(second)) is not None:
            return _nearest(*matrix, vector, k, ids)
        got = self._collection(second).query(
            query_embeddings=[vector],
            ids=ids,
            n_results=min(k, n),
            where=where or None,
            include=["distances"],
        )
        return [(i, 1.0 - d) for i, d in zip(got["ids"][0], got["distances"][0], strict=True)]

    def _matrix(self, second: bool) -> tuple[list[str], dict[str, int], Any] | None:
        """The chunk ids in row order, the row of each, and all of one model's vectors, read from
        Chroma once per index state, for a library small enough to compare every vector
        (``EXACT_SEARCH`` chunks, in the index folder). Chroma's graph search is approximate:
        even at ``ef_search`` 400 it missed 1-3 of the true 30 nearest in 1,800 on the starter
        corpus, and which ones changed from one build of the same corpus to the next."""
        if second not in self._matrices:
            found = None
            if not self.store.remote and len(self.table) <= EXACT_SEARCH:
                import numpy as np

                got = self._collection(second).get(include=["embeddings"])
                matrix = np.asarray(got["embeddings"], dtype=np.float32)
                if len(matrix):
                    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
                ids = list(got["ids"])
                found = (ids, {i: n for n, i in enumerate(ids)}, matrix)
            self._matrices[second] = found
        return self._matrices[second]

    def lexical(
        self,
        query: str,
        k: int,
        filters: Filters | None = None,
        feedback: Sequence[str] = (),
        expansion: Expansion = Expansion(),
    ) -> list[tuple[str, float]]:
        """``(chunk_id, BM25 score)`` pairs, best first, restricted by ``filters``.

        ``expansion.phrases`` (e.g. glossary synonyms) and, with ``feedback`` chunk ids, the
        best terms of those chunks (RM3-like) join the query with weights below its own terms.
        """

        bm25 = self.bm25
        tokens = tokenize_query(query)
        terms: dict[str, float] = {t: float(c) for t, c in Counter(tokens).items()}
        for token in tokenize_query(" ".join(expansion.phrases)):
            terms[token] = terms.get(token) or expansion.phrase_weight
        if feedback:
            fed = [self._tokens(i) for i in feedback]
            extra = expansion_terms(tokens, fed, bm25.doc_freq, len(bm25.ids), expansion.terms)
            for term, weight in extra:
                terms[term] = terms.get(term) or expansion.feedback_weight * weight
        scores = bm25.score_terms(list(terms.items()))
        if filters:
            scores = scores * self._mask(filters)
        known = self.table.by_id  # BM25 may lag behind Chroma after a killed run
        return [
            (bm25.ids[r], float(scores[r]))
            for r in top_rows(scores, k)
            if scores[r] > 0 and bm25.ids[r] in known
        ]

    def _tokens(self, chunk_id: str) -> list[str]:
        if chunk_id not in self._tokens_of:
            text = self.table.text(self.table.row[chunk_id])
            self._tokens_of[chunk_id] = tokenize([text])[0]
        return self._tokens_of[chunk_id]

    def _mask(self, filters: Filters):  # -> numpy.ndarray
        """1 for the BM25 rows the filters accept, 0 for the others (cached per filter)."""
        import numpy as np

        if filters not in self._masks:
            if len(self._masks) > 256:  # named-source filters vary with the question
                self._masks.clear()
            self._masks[filters] = self._accepted(filters).astype(np.float32)
        return self._masks[filters]

    def _accepted(self, filters: Filters):  # -> numpy.ndarray of bool
        """``Filters.accepts`` for every BM25 row at once."""
        import numpy as np

        cols = self.columns
        keep = cols["present"].copy()
        for key, wanted in (("doc_id", filters.doc_ids), ("kind", filters.kinds)):
            if wanted is not None:
                codes = [cols[key + "_names"][w] for w in wanted if w in cols[key + "_names"]]
                keep &= np.isin(cols[key], codes)
        with np.errstate(invalid="ignore"):  # NaN years fail both comparisons, as in accepts
            if filters.year_min is not None:
                keep &= cols["year"] >= filters.year_min
            if filters.year_max is not None:
                keep &= cols["year"] <= filters.year_max
        return keep
