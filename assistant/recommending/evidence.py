"""Citations for recommendations: corpus chunks that discuss an instrument in a similar context.

``CitationFinder(retriever, corpus_dir).find(instrument, profile)`` runs the hybrid retriever
with a query built from the instrument and the profile, and prefers chunks holding one of the
instrument's curated quotes (the knowledge base says that passage is about the instrument),
then chunks from the documents the knowledge base cites for it. Falls back to a search for a
curated quote when the contextual query finds none of them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from langchain_core.documents import Document

from assistant.citations import Citation
from assistant.knowledge.catalog import Case, Instrument, Source
from assistant.recommending.profile import ClusterProfile

# Documents with developing-country guidance first (corpus guide, cross-document notes).
DEVELOPING_DOCS = ("benner-2013", "unido-2010", "meyer-stamer-2005")


ENTRY = re.compile(r"^\s*(-\s*)?[A-Z][\w'’.-]+,\s+[A-Z].{0,120}?\(?(19|20)\d\d")
YEAR = re.compile(r"\b(19|20)\d\d\b")


def looks_like_references(text: str) -> bool:
    """A bibliography or list of notes rather than a discussion."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return False
    entries = sum(bool(ENTRY.match(ln)) for ln in lines)
    dense = len(YEAR.findall(text)) * 10 > len(text.split())
    return entries * 2 >= len(lines) or dense


def norm(text: str) -> str:
    return " ".join(text.replace("\u00ad", "").split()).lower()


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
    """Finds 1-3 corpus chunks supporting an instrument for a given profile."""

    def __init__(self, retriever: Any, corpus_dir: Path | str, per_instrument: int = 3) -> None:
        self.retriever = retriever
        self.per_instrument = per_instrument
        self.documents = load_documents_meta(corpus_dir)

    def _doc_ids(self, ins: Instrument) -> set[str]:
        return {self.documents.get(s.doc, {}).get("id", Path(s.doc).stem) for s in ins.sources}

    def _rank(self, docs: list[Document], ins: Instrument, profile: ClusterProfile) -> list:
        quotes = [norm(s.quote) for s in ins.sources]
        cited = self._doc_ids(ins)
        scored = []
        for rank, doc in enumerate(docs):
            if looks_like_references(doc.page_content):
                continue
            text = norm(doc.page_content)
            value = 1.0 / (rank + 1)
            if any(q in text for q in quotes):
                value += 3.0
            if doc.metadata.get("doc_id") in cited:
                value += 1.0
            if profile.development_level == "developing" and (
                doc.metadata.get("doc_id") in DEVELOPING_DOCS
            ):
                value += 0.5
            scored.append((value, doc))
        scored.sort(key=lambda item: -item[0])
        return scored

    def find(self, ins: Instrument, profile: ClusterProfile) -> list[Citation]:
        docs = list(self.retriever.invoke(context_query(ins, profile)))
        scored = self._rank(docs, ins, profile)
        if not scored or scored[0][0] < 3.0:
            # No chunk holding a curated quote: search for the first quote itself.
            docs += [d for d in self.retriever.invoke(ins.sources[0].quote) if d not in docs]
            scored = self._rank(docs, ins, profile)
        picked: list[Citation] = []
        seen: set[str] = set()
        for value, doc in scored:
            if value < 1.0 and picked:
                break
            cid = doc.metadata.get("chunk_id", doc.id)
            if cid in seen:
                continue
            seen.add(cid)
            picked.append(Citation.from_document(doc))
            if len(picked) == self.per_instrument:
                break
        return picked
