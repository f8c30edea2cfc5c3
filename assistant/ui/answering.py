"""Turn a question into an assistant message (answer, citations, rewritten query)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from assistant.settings import Settings
from assistant.ui import resources
from assistant.ui.cards import citation_from_document

PASSAGES = 5


def new_message(question: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": uuid.uuid4().hex[:12],
        "role": "assistant",
        "question": question,
        "rewritten_query": question,
        "abstained": False,
        "citations": [],
        "notice": "",
        "content": "",
        **fields,
    }


def search_message(settings: Settings, question: str) -> dict[str, Any]:
    """The best passages for the question, each cited (retrieval only, no answer composed)."""
    docs = resources.retriever(settings, k=PASSAGES).invoke(question)
    citations = [citation_from_document(d, i) for i, d in enumerate(docs, 1)]
    content = "The passages of the library that best match your question:  \n" + "  \n".join(
        f"[{c['marker']}] {c['title']}" + (f" — {c['section']}" if c["section"] else "")
        for c in citations
    )
    return new_message(question, content=content, citations=citations, mode="search")


def respond(settings: Settings, question: str) -> Iterator[str | dict[str, Any]]:
    """Yield answer text as it is produced, then the finished message."""
    yield search_message(settings, question)
