"""Turn a question into an assistant message via ``ChatSession``; the history is kept per
browser session and stored in the index folder (``chat_store``), so it survives a reload."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import streamlit as st

from assistant.answering.chat import ChatSession
from assistant.answering.types import Answer, PlanStep
from assistant.settings import Settings
from assistant.ui import chat_store, resources

HISTORY = "answer_history"
MESSAGES = "messages"
CLUSTER = "cluster_profile"
ROADMAP = "rec_roadmap"  # the Recommend page's roadmap (assistant.ui.recommend.ROADMAP)
SESSION = "chat_session_id"
QUERY_KEY = "chat"


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
        session.attach_profile(cluster["summary"], plan_steps(st.session_state.get(ROADMAP)))
    return session


def plan_steps(roadmap: Any) -> list[PlanStep]:
    """The roadmap's instruments in order, as the chat answers 'what should we do first?'."""
    recommendations = getattr(roadmap, "recommendations", None) or []
    return [
        PlanStep(r.name, r.phase_label, r.rationale, list(r.citations)) for r in recommendations
    ]


def session_id() -> str:
    """This browser session's chat id, kept in the page address so that a reload keeps it."""
    current = chat_store.valid_session_id(st.session_state.get(SESSION))
    current = current or chat_store.valid_session_id(st.query_params.get(QUERY_KEY))
    current = current or chat_store.new_session_id()
    st.session_state[SESSION] = current
    if st.query_params.get(QUERY_KEY) != current:
        st.query_params[QUERY_KEY] = current
    return current


def restore(settings: Settings) -> None:
    """Load this session's stored conversation once per page session."""
    if MESSAGES in st.session_state:
        return
    messages = chat_store.load_messages(settings.index_dir, session_id())
    st.session_state[MESSAGES] = messages
    st.session_state[HISTORY] = chat_store.answer_history(messages)


def persist(settings: Settings) -> None:
    """Store the conversation; a failure to write is logged, never shown as a traceback."""
    try:
        chat_store.save_messages(settings.index_dir, session_id(), st.session_state[MESSAGES])
    except OSError as exc:
        st.toast(f"The conversation could not be saved: {exc}")


def respond(
    settings: Settings, question: str, use_cluster: bool = True
) -> Iterator[str | dict[str, Any]]:
    """Yield answer text as it is produced, then the finished message."""
    for piece in chat_session(settings, use_cluster).stream(question):
        yield to_message(piece) if isinstance(piece, Answer) else piece


def reset_history() -> None:
    """Start a new conversation (a new id: the old one stays stored under its own)."""
    st.session_state[HISTORY] = []
    st.session_state[MESSAGES] = []
    st.session_state[SESSION] = chat_store.new_session_id()
    st.query_params[QUERY_KEY] = st.session_state[SESSION]


def forget_last_answer() -> str | None:
    """Remove the last question and its answer; return the question (to ask it again)."""
    messages = st.session_state.get(MESSAGES, [])
    if len(messages) < 2 or messages[-1]["role"] != "assistant":
        return None
    messages.pop()
    question = messages.pop()["content"]
    history = st.session_state.get(HISTORY, [])
    if history:
        history.pop()
    return str(question)
