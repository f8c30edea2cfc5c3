"""Source cards: a cited passage with its bibliographic facts and its surrounding text."""

from __future__ import annotations

import html
from typing import Any

import streamlit as st
from langchain_core.documents import Document

from assistant.store import IndexStore
from assistant.ui.highlight import highlight_html

CARD_CSS = """
<style>
.src-meta {color: #5b6770; font-size: 0.85rem; margin-bottom: 0.4rem;}
.src-passage {border-left: 3px solid #1f6f8b; padding: 0.4rem 0.8rem; background: #f6f8f9;
  border-radius: 0 6px 6px 0; font-size: 0.92rem; line-height: 1.5;}
.src-passage mark {background: #ffe58a; padding: 0 2px; border-radius: 2px;}
.src-context {color: #6b7780; font-size: 0.88rem; line-height: 1.5; padding: 0.3rem 0.8rem;}
</style>
"""


def inject_css() -> None:
    st.markdown(CARD_CSS, unsafe_allow_html=True)


def citation_from_document(doc: Document, marker: int) -> dict[str, Any]:
    """A citation record (the CLI contract's fields plus authors, year and seq)."""
    meta = doc.metadata
    return {
        "marker": marker,
        "chunk_id": meta.get("chunk_id", doc.id),
        "doc_id": meta.get("doc_id"),
        "title": meta.get("title"),
        "authors": meta.get("authors", ""),
        "year": meta.get("year"),
        "section": meta.get("section", ""),
        "page": meta.get("page"),
        "seq": meta.get("seq"),
        "text": doc.page_content,
    }


def card_label(citation: dict[str, Any]) -> str:
    first_author = str(citation.get("authors") or "").split(";")[0]
    who = ", ".join(x for x in (first_author, str(citation.get("year") or "")) if x)
    title = citation.get("title") or "Untitled"
    return f"[{citation.get('marker')}] {title}" + (f" ({who})" if who else "")


def meta_line(citation: dict[str, Any]) -> str:
    parts = []
    if citation.get("authors"):
        parts.append(str(citation["authors"]).replace("; ", ", "))
    if citation.get("year"):
        parts.append(str(citation["year"]))
    if citation.get("section"):
        parts.append("§ " + str(citation["section"]))
    if citation.get("page"):
        parts.append(f"p. {citation['page']}")
    return " · ".join(html.escape(p) for p in parts)


def neighbours(store: IndexStore, citation: dict[str, Any]) -> tuple[str, str]:
    """The text of the passages just before and after the cited one in its document."""
    seq, doc_id = citation.get("seq"), citation.get("doc_id")
    if seq is None:
        got = store.get([citation["chunk_id"]])
        if not got:
            return "", ""
        seq, doc_id = got[0].metadata.get("seq"), got[0].metadata.get("doc_id")
    if seq is None or doc_id is None:
        return "", ""
    seq = int(seq)
    where = {"$and": [{"doc_id": doc_id}, {"seq": {"$in": [seq - 1, seq + 1]}}]}
    got = store.collection.get(where=where, include=["documents", "metadatas"])
    by_seq = {m.get("seq"): t for t, m in zip(got["documents"], got["metadatas"], strict=True)}
    return by_seq.get(seq - 1, ""), by_seq.get(seq + 1, "")


def render_card(
    citation: dict[str, Any],
    sentences: list[str],
    store: IndexStore | None,
    key: str,
    expanded: bool = False,
) -> None:
    """One citation as an expandable card; the cited sentences are highlighted."""
    with st.expander(card_label(citation), expanded=expanded):
        st.markdown(f'<div class="src-meta">{meta_line(citation)}</div>', unsafe_allow_html=True)
        passage = highlight_html(citation.get("text") or "", sentences)
        st.markdown(f'<div class="src-passage">{passage}</div>', unsafe_allow_html=True)
        if store is not None and st.toggle(
            "Show surrounding text", key=f"ctx_{key}_{citation['chunk_id']}"
        ):
            before, after = neighbours(store, citation)
            context = (
                f'<div class="src-context">… {html.escape(before)}</div>'
                f'<div class="src-passage">{passage}</div>'
                f'<div class="src-context">{html.escape(after)} …</div>'
            )
            st.markdown(context, unsafe_allow_html=True)
