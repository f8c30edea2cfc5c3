"""Turn a question into an assistant message via ``ChatSession`` (history kept per session)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import streamlit as st

from assistant.answering.chat import ChatSession
from assistant.answering.types import Answer
from assistant.settings import Settings
from assistant.ui import resources

HISTORY = "answer_history"
CLUSTER = "cluster_profile"


def to_message(result: Answer) -> dict[str, Any]:
    """The chat message kept in the session for one answer."""
    return {
        "id": uuid.uuid4().hex[:12],
        "role": "assistant",
        "question": result.question,
        "rewritten_query": result.rewritten_query,
        "content": result.answer,
        "abstained": result.abstained,
        "citations": [c.to_dict() for c in result.citations],
        "notices": list(result.notices),
        "mode": result.mode,
    }


def chat_session(settings: Settings, use_cluster: bool) -> ChatSession:
    """A chat over the shared answerer, with this browser session's history and cluster."""
    session = ChatSession(resources.answerer(settings))
    session.history = st.session_state.setdefault(HISTORY, [])
    cluster = st.session_state.get(CLUSTER)
    if use_cluster and cluster:
        session.attach_profile(cluster["summary"])
    return session


def respond(
    settings: Settings, question: str, use_cluster: bool = True
) -> Iterator[str | dict[str, Any]]:
    """Yield answer text as it is produced, then the finished message."""
    for piece in chat_session(settings, use_cluster).stream(question):
        yield to_message(piece) if isinstance(piece, Answer) else piece


def reset_history() -> None:
    st.session_state[HISTORY] = []
