"""Thumbs up/down on answers, kept as JSON lines for later evaluation; conversation export."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.citations import Citation
from assistant.ui.cards import meta_line


def feedback_record(message: dict[str, Any], rating: str, backend: str) -> dict[str, Any]:
    """What is stored for one rating: the question, the answer and what it cited."""
    return {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "message_id": message["id"],
        "rating": rating,
        "question": message.get("question"),
        "rewritten_query": message.get("rewritten_query"),
        "answer": message.get("content"),
        "abstained": message.get("abstained", False),
        "chunk_ids": [c["chunk_id"] for c in message.get("citations", [])],
        "backend": backend,
    }


def append_feedback(path: Path, record: dict[str, Any]) -> None:
    """Append one JSON line to the feedback file (created with its folder if needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def _sources_markdown(citations: list[dict[str, Any]]) -> list[str]:
    lines = []
    for c in map(Citation.model_validate, citations):
        meta = html.unescape(meta_line(c))
        quote = " ".join(c.text.split())
        lines += [f"[{c.marker}] **{c.title}** — {meta}", "", f"> {quote}", ""]
    return lines


def conversation_markdown(messages: list[dict[str, Any]], title: str) -> str:
    """The conversation as Markdown: each question, its answer, and the passages it cited."""
    lines = [f"# {title}", "", f"Exported {datetime.now(UTC):%Y-%m-%d %H:%M} UTC", ""]
    for message in messages:
        if message["role"] == "user":
            lines += [f"## Q: {message['content']}", ""]
            continue
        if message.get("rewritten_query") and message["rewritten_query"] != message.get("question"):
            lines += [f"*Searched for: {message['rewritten_query']}*", ""]
        lines += [message["content"], ""]
        if message.get("citations"):
            lines += ["**Sources**", "", *_sources_markdown(message["citations"])]
    return "\n".join(lines).rstrip() + "\n"
