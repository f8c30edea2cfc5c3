"""Source cards: a cited passage with its bibliographic facts and its surrounding text."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from typing import Any

import streamlit as st
from langchain_core.documents import Document

from assistant.citations import Citation, display_authors
from assistant.index.chunk_table import stitch
from assistant.index.store import IndexStore
from assistant.ui.highlight import cited_sentences, highlight_html
from assistant.ui.safe_text import inert

CONTEXT_CHUNKS = 3  # chunks read on each side for "surrounding text"
CONTEXT_CHARS = 900  # characters of surrounding text shown on each side
EXCERPT = 450  # characters shown either side of a cited sentence (all: "surrounding text")
BADGE = re.compile(r"[ \t]*\[(\d+)\]")
ITEM = re.compile(r"(^|\n)&#45; ")  # an inert "- " that opens a line: a list item

CARD_CSS = """
<style>
[data-testid="stMainBlockContainer"] {padding-top: 3.5rem;}
.src-meta {color: #5b6770; font-size: 0.85rem; margin-bottom: 0.4rem;}
.src-passage {border-left: 3px solid #1f6f8b; padding: 0.4rem 0.8rem; background: #f6f8f9;
  border-radius: 0 6px 6px 0; font-size: 0.92rem; line-height: 1.5;}
.src-passage mark {background: #ffe58a; padding: 0 2px; border-radius: 2px;}
a.cite {display: inline-block; min-width: 1.3em; padding: 0 0.35em; margin: 0 1px;
  border-radius: 0.5em; background: #e3eef3; color: #1f6f8b; font-size: 0.78em;
  font-weight: 600; text-align: center; text-decoration: none; vertical-align: 0.1em;}
a.cite:hover {background: #1f6f8b; color: #fff;}
.src-anchor {display: block; position: relative; top: -5rem; height: 0;}
div[data-testid="stElementContainer"]:has(.src-anchor) {margin-bottom: -1rem;}
div[data-testid="stElementContainer"]:has(.src-anchor:target)
  + div[data-testid="stExpander"] details,
div[data-testid="stElementContainer"]:has(.src-anchor:target)
  + div details {border: 2px solid #1f6f8b; box-shadow: 0 0 0 3px #cfe3ea;}
.src-context {color: #6b7780; font-size: 0.88rem; line-height: 1.5; padding: 0.3rem 0.8rem;}
</style>
"""


def inject_css() -> None:
    st.markdown(CARD_CSS, unsafe_allow_html=True)


def with_markers(text: str, marker: Callable[[int], str]) -> str:
    """Answer text made inert (``safe_text``), its ``[n]`` citation markers replaced by
    ``marker(n)`` and its "- " lines kept as a list (the supporting points): the only markup
    in it is ours."""
    pieces = BADGE.split(text)  # text, number, text, number, …, text
    out = "".join(marker(int(p)) if i % 2 else inert(p) for i, p in enumerate(pieces))
    return ITEM.sub(r"\1- ", out)


def answer_markdown(text: str) -> str:
    """Answer text for Streamlit Markdown, with citation markers as badges."""
    return with_markers(text, lambda n: f" :blue-badge[{n}]")


def answer_html(text: str, message_id: str) -> str:
    """Answer text as HTML whose citation markers link to their source cards."""
    return with_markers(
        text, lambda n: f' <a class="cite" href="#{card_anchor(message_id, n)}">{n}</a>'
    )


def card_label(citation: Citation) -> str:
    """'[n] Title (Benner, 2013)': the header of a source card (inert text)."""
    return inert(f"[{citation.marker}] {citation.label(where=False)}")


def meta_line(citation: Citation) -> str:
    """Authors · year · § section · p. page, as inert text."""
    parts = [
        display_authors(citation.authors),
        str(citation.year or ""),
        ("" if citation.section.startswith("§") else "§ ") + citation.section
        if citation.section
        else "",
        f"p. {citation.page}" if citation.page else "",
    ]
    return " · ".join(inert(p) for p in parts if p)


def locate(store: IndexStore, citation: Citation) -> Document | None:
    """The indexed chunk of a citation: by chunk id, else the chunk holding its quote."""
    if citation.chunk_id:
        got = store.get([citation.chunk_id])
        return got[0] if got else None
    quote, doc_id = citation.text.strip(), citation.doc_id
    if not quote or not doc_id:
        return None
    got = store.collection.get(
        where={"doc_id": doc_id},
        where_document={"$contains": quote[:120]},
        include=["documents", "metadatas"],
        limit=1,
    )
    if not got["ids"]:
        return None
    meta = dict(got["metadatas"][0] or {})
    return Document(id=got["ids"][0], page_content=got["documents"][0], metadata=meta)


def document_run(store: IndexStore, chunk: Document, radius: int = CONTEXT_CHUNKS) -> str:
    """The text of ``chunk`` and up to ``radius`` chunks either side, overlaps written once."""
    seq, doc_id = chunk.metadata.get("seq"), chunk.metadata.get("doc_id")
    if seq is None or doc_id is None:
        return chunk.page_content
    seq = int(seq)
    where = {
        "$and": [
            {"doc_id": doc_id},
            {"seq": {"$gte": seq - radius}},
            {"seq": {"$lte": seq + radius}},
        ]
    }
    got = store.collection.get(where=where, include=["documents", "metadatas"])
    run = [
        Document(page_content=t, metadata=dict(m or {}))
        for t, m in zip(got["documents"], got["metadatas"], strict=True)
    ]
    return stitch(sorted(run, key=lambda d: int(d.metadata.get("seq", 0))))


def surrounding(full: str, passage: str) -> tuple[str, str] | None:
    """The text just before and after ``passage`` in ``full`` (cut at words), if found."""
    at = full.find(passage)
    if at < 0:
        return None
    before, after = full[:at], full[at + len(passage) :]
    if len(before) > CONTEXT_CHARS:
        before = "… " + before[-CONTEXT_CHARS:].split(" ", 1)[-1]
    if len(after) > CONTEXT_CHARS:
        after = after[:CONTEXT_CHARS].rsplit(" ", 1)[0] + " …"
    return before, after


def render_context(store: IndexStore, citation: Citation, sentences: list[str]) -> None:
    """The cited passage with the text around it in its document."""
    chunk = locate(store, citation)
    if chunk is None:
        st.caption("This passage is not in the index any more.")
        return
    full = document_run(store, chunk)
    text = citation.text if citation.chunk_id else ""
    around = surrounding(full, text) if text else None
    if around is None:  # a catalog quote, or a passage not found verbatim: show its chunk
        sentences = sentences or [citation.text]
        text = chunk.page_content
        around = surrounding(full, text) or ("", "")
    before, after = (inert(x.strip()).replace("\n", "<br>") for x in around)
    st.markdown(
        f'<div class="src-context">{before}</div>'
        f'<div class="src-passage">{highlight_html(text, sentences)}</div>'
        f'<div class="src-context">{after}</div>',
        unsafe_allow_html=True,
    )


def card_anchor(scope: str, marker: int) -> str:
    """The HTML id of a source card, for links from citation markers."""
    return f"src-{scope}-{marker}"


def render_card(
    citation: Citation,
    sentences: list[str],
    store: IndexStore | None,
    key: str,
    expanded: bool = False,
    anchor: str | None = None,
) -> None:
    """One citation as an expandable card; the cited sentences are highlighted."""
    if anchor:
        st.markdown(f'<span class="src-anchor" id="{anchor}"></span>', unsafe_allow_html=True)
    with st.expander(card_label(citation), expanded=expanded):
        st.markdown(f'<div class="src-meta">{meta_line(citation)}</div>', unsafe_allow_html=True)
        body = st.container()
        ident = citation.chunk_id or zlib.crc32(citation.text.encode())
        context = store is not None and st.toggle(
            "Show surrounding text", key=f"ctx_{key}_{citation.marker}_{ident}"
        )
        with body:
            if context and store is not None:
                render_context(store, citation, sentences)
            else:
                passage = highlight_html(citation.text, sentences, EXCERPT)
                st.markdown(f'<div class="src-passage">{passage}</div>', unsafe_allow_html=True)


def render_answer_sources(message: dict[str, Any], store: IndexStore, scope: str, key: str) -> None:
    """The source cards of an answer message, each with the sentences it backs highlighted."""
    for citation in map(Citation.model_validate, message["citations"]):
        sentences = cited_sentences(message["content"], citation.marker or 0)
        anchor = card_anchor(scope, citation.marker or 0)
        render_card(citation, sentences, store, key=key, anchor=anchor)
