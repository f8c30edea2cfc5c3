"""Plain-dict views of chunks for JSON output (the command-line contract of DESIGN.md)."""

from __future__ import annotations

from typing import Any

from langchain_core.documents import Document


def chunk_record(doc: Document, with_score: bool = True) -> dict[str, Any]:
    """``chunk_id, doc_id, title, section, page, text`` (and ``score``) of a retrieved passage.

    ``text`` is the passage as retrieved: the hit chunk stitched with its neighbours when the
    retriever expands hits; ``chunk_text`` is then the hit chunk's own text.
    """
    meta = doc.metadata
    record: dict[str, Any] = {
        "chunk_id": meta.get("chunk_id", doc.id),
        "doc_id": meta.get("doc_id"),
        "title": meta.get("title"),
        "section": meta.get("section", ""),
        "page": meta.get("page"),
        "text": doc.page_content,
    }
    if meta.get("chunk_text") and meta["chunk_text"] != doc.page_content:
        record["chunk_text"] = meta["chunk_text"]
    if with_score:
        record["score"] = meta.get("score")
    return record


def source_label(meta: dict[str, Any]) -> str:
    """A short human label: 'Title (Authors, Year), Section, p. N'."""
    who = ", ".join(x for x in (meta.get("authors", ""), str(meta.get("year") or "")) if x)
    parts = [f"{meta.get('title', '?')}" + (f" ({who})" if who else "")]
    if meta.get("section"):
        parts.append(str(meta["section"]))
    if meta.get("page"):
        parts.append(f"p. {meta['page']}")
    return ", ".join(parts)
