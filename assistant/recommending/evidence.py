"""Citations for recommendations: corpus chunks that discuss an instrument in a similar context.

Each instrument's candidate chunks are found at ingest time (``assistant.ingest.supports``):
the chunks holding one of its curated quotes (the knowledge base says that passage is about the
instrument), and the chunks closest to it in the documents the knowledge base cites for it and
in the whole library. ``CitationFinder(store, catalog, embeddings).find_all(instruments,
profile)`` ranks them against a query built from each instrument and the profile (one batch of
query vectors against the candidates' stored vectors; no search at request time): quote holders
first, then chunks of the cited documents, documents with developing-country guidance ahead for
a developing cluster.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from assistant.citations import Citation
from assistant.index.store import IndexStore
from assistant.ingest.supports import Candidate, find_supports, load_supports
from assistant.knowledge.catalog import Case, Catalog, Instrument, Source
from assistant.recommending.profile import ClusterProfile

log = logging.getLogger(__name__)

# Documents with developing-country guidance first (corpus guide, cross-document notes).
DEVELOPING_DOCS = ("benner-2013", "unido-2010", "meyer-stamer-2005")
MAX_QUERIES = 4096  # query vectors kept


def load_documents_meta(corpus_dir: Path | str) -> dict[str, dict[str, Any]]:
    """Manifest entries keyed by file name (the ingest manifest)."""
    from assistant.ingest.metadata import load_manifest

    return load_manifest(Path(corpus_dir))


def quote_citation(src: Source | Case, manifest: dict[str, dict[str, Any]] | None) -> Citation:
    """A knowledge-base quote as a citation (its document, locator and text; no chunk id)."""
    meta = (manifest or {}).get(src.doc, {})
    authors = meta.get("authors") or []
    return Citation(
        doc_id=meta.get("id", Path(src.doc).stem),
        title=meta.get("title", src.doc),
        authors="; ".join(authors) if isinstance(authors, list) else str(authors),
        year=meta.get("year"),
        section=src.locator,
        text=src.quote,
    )


def context_query(ins: Instrument, profile: ClusterProfile) -> str:
    """Instrument name plus the profile facts that matter for finding a similar context."""
    parts = [ins.name.split("(")[0]]
    if profile.development_level == "developing":
        parts.append("developing countries")
    elif profile.development_level == "industrialised":
        parts.append("industrialised regions")
    matched = [p.replace("_", " ") for p in profile.problems if p in ins.fit.addresses]
    parts += matched[:2]
    if profile.trust == "low":
        parts.append("low trust")
    return " ".join(parts)


class CitationFinder:
    """Picks 1-3 corpus chunks supporting each instrument for a given profile, among the
    candidates found at ingest time (found here, in memory, when the index's are out of
    date)."""

    def __init__(
        self,
        store: IndexStore,
        catalog: Catalog,
        embeddings: Embeddings,
        per_instrument: int = 3,
    ) -> None:
        self.store, self.catalog, self.embeddings = store, catalog, embeddings
        self.per_instrument = per_instrument
        self._stamp: str | None = None
        self._candidates: dict[str, list[Candidate]] = {}
        self._chunks: dict[str, tuple[Document, np.ndarray]] = {}
        self._seen: dict[str, np.ndarray] = {}  # query vectors

    def _load(self) -> None:
        """The candidates and their chunks and vectors, read again when the index changed."""
        stamp = self.store.stamp()
        if stamp == self._stamp:
            return
        ledger = self.store.load_ledger()
        found = load_supports(self.store, self.catalog, ledger)
        if found is None:
            log.info("supporting passages out of date in %s: found in memory", self.store.root)
            found = find_supports(self.store, ledger, self.catalog, self.embeddings)
        ids = list(dict.fromkeys(c.chunk_id for cands in found.values() for c in cands))
        got = self.store.collection.get(ids=ids, include=["documents", "metadatas", "embeddings"])
        self._chunks = {
            i: (Document(id=i, page_content=t or "", metadata=dict(m or {})), np.asarray(v))
            for i, t, m, v in zip(
                got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True
            )
        }
        self._candidates = {
            k: [c for c in cands if c.chunk_id in self._chunks] for k, cands in found.items()
        }
        self._stamp = stamp

    def find_all(
        self, instruments: Sequence[Instrument], profile: ClusterProfile
    ) -> dict[str, list[Citation]]:
        """Citations for each of ``instruments`` (by id); the queries embedded in one batch."""
        if not instruments:
            return {}
        self._load()
        queries = [context_query(i, profile) for i in instruments]
        vectors = self._query_vectors(queries)
        return {
            ins.id: self._pick(self._candidates.get(ins.id, []), vectors[q], profile)
            for ins, q in zip(instruments, queries, strict=True)
        }

    def _query_vectors(self, queries: list[str]) -> dict[str, np.ndarray]:
        """The vectors of ``queries``, those not seen before embedded in one batch (the
        queries of a catalog and its profiles are few: they repeat across roadmaps)."""
        new = [q for q in dict.fromkeys(queries) if q not in self._seen]
        if len(self._seen) + len(new) > MAX_QUERIES:
            self._seen.clear()
        if new:
            vectors = self.embeddings.embed_documents(new)
            self._seen.update(zip(new, map(np.asarray, vectors), strict=True))
        return {q: self._seen[q] for q in queries}

    def find(self, ins: Instrument, profile: ClusterProfile) -> list[Citation]:
        return self.find_all([ins], profile)[ins.id]

    def _pick(
        self, candidates: list[Candidate], query: np.ndarray, profile: ClusterProfile
    ) -> list[Citation]:
        """The best candidates: closeness to the query by rank, quote holders and chunks of
        the cited documents ahead; chunks neither close nor cited only to fill an empty list."""
        if not candidates:
            return []
        sims = np.array([self._chunks[c.chunk_id][1] @ query for c in candidates])
        scored = []
        for rank, n in enumerate(np.argsort(-sims, kind="stable")):
            cand = candidates[n]
            doc = self._chunks[cand.chunk_id][0]
            value = 1.0 / (rank + 1) + 3.0 * cand.quote + 1.0 * cand.cited
            if profile.development_level == "developing" and (
                doc.metadata.get("doc_id") in DEVELOPING_DOCS
            ):
                value += 0.5
            scored.append((value, rank, doc))
        scored.sort(key=lambda item: (-item[0], item[1]))
        picked = [Citation.from_document(scored[0][2])]
        for value, _, doc in scored[1 : self.per_instrument]:
            if value < 1.0:
                break
            picked.append(Citation.from_document(doc))
        return picked
