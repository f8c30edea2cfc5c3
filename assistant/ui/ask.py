"""Ask page: a cited conversation with the library."""

from __future__ import annotations

import logging
from typing import Any

import streamlit as st

from assistant.citations import Citation
from assistant.settings import Settings
from assistant.ui import resources
from assistant.ui.answering import (
    CLUSTER,
    MESSAGES,
    forget_last_answer,
    persist,
    reset_history,
    respond,
    restore,
)
from assistant.ui.cards import answer_html, answer_markdown, render_answer_sources
from assistant.ui.feedback import append_feedback, conversation_markdown, feedback_record
from assistant.ui.safe_text import inert
from assistant.ui.status import backend_label

log = logging.getLogger(__name__)
REGENERATE = "ask_regenerate"
EXAMPLES = (
    "How can a cluster initiative build trust among firms?",
    "What is a cluster promotion chain?",
    "Why are cluster competitions hard to run in developing countries?",
)


def on_feedback(settings: Settings, message: dict[str, Any]) -> None:
    value = st.session_state.get(f"fb_{message['id']}")
    if value is None:
        return
    record = feedback_record(message, "up" if value == 1 else "down", backend_label(settings))
    append_feedback(settings.feedback_file, record)
    st.toast("Thanks: your rating was saved.")


def on_comment(settings: Settings, message: dict[str, Any]) -> None:
    comment = st.session_state.get(f"fbc_{message['id']}", "").strip()
    if comment:
        record = feedback_record(message, "down", backend_label(settings))
        append_feedback(settings.feedback_file, {**record, "comment": comment})
        st.toast("Thanks: your comment was saved.")


def render_feedback(settings: Settings, message: dict[str, Any]) -> None:
    """Thumbs up/down, and after a thumbs-down an optional comment (all kept as JSON lines)."""
    rating = st.feedback(
        "thumbs", key=f"fb_{message['id']}", on_change=on_feedback, args=(settings, message)
    )
    if rating == 0:
        st.text_input(
            "What was wrong or missing? (optional)",
            key=f"fbc_{message['id']}",
            on_change=on_comment,
            args=(settings, message),
        )


def render_sources(settings: Settings, message: dict[str, Any]) -> None:
    store = resources.store(settings)
    render_answer_sources(message, store, scope=message["id"], key=message["id"])


def render_assistant(settings: Settings, message: dict[str, Any], last: bool = False) -> None:
    rewritten = message.get("rewritten_query")
    if rewritten and rewritten != message["question"]:
        st.caption(f":material/manage_search: Follow-up understood as: *{inert(rewritten)}*")
    for notice in message.get("notices", []):
        st.caption(f":material/info: {notice}")
    if message.get("abstained"):
        st.info(answer_markdown(message["content"]), icon=":material/search_off:")
        st.caption(
            "Try naming the instrument, actor or country you mean, or browse the instrument "
            "catalog and case library on the Learn page."
        )
    else:
        st.markdown(answer_html(message["content"], message["id"]), unsafe_allow_html=True)
    if message["citations"]:
        st.markdown("**Sources**")
        render_sources(settings, message)
    render_actions(message, last)
    render_feedback(settings, message)


def copy_text(message: dict[str, Any]) -> str:
    """The answer with its sources as plain text, for the clipboard."""
    sources = [
        f"[{c['marker']}] {Citation.model_validate(c).label()}" for c in message["citations"]
    ]
    return message["content"] + ("\n\nSources:\n" + "\n".join(sources) if sources else "")


def request_regenerate() -> None:
    """Button callback: take back the last answer and ask its question again on this run."""
    question = forget_last_answer()
    if question:
        st.session_state[REGENERATE] = question


def render_actions(message: dict[str, Any], last: bool) -> None:
    """Copy (the answer and its sources, with a copy-to-clipboard icon) and, on the last
    answer, regenerate."""
    copy, again, _ = st.columns([1, 1, 4])
    with copy.popover("Copy", icon=":material/content_copy:"):
        st.caption("Use the copy icon at the top right of the text.")
        st.code(copy_text(message), language=None, wrap_lines=True)
    if last:
        again.button(
            "Regenerate",
            icon=":material/refresh:",
            key=f"regen_{message['id']}",
            on_click=request_regenerate,
        )


def render_history(settings: Settings) -> None:
    messages = st.session_state[MESSAGES]
    for n, message in enumerate(messages):
        with st.chat_message(message["role"]):
            if message["role"] == "user":
                st.markdown(message["content"])
            else:
                render_assistant(settings, message, last=n == len(messages) - 1)


def answer(settings: Settings, question: str, use_cluster: bool) -> None:
    """Show the question, stream the answer, then keep both in the history."""
    st.session_state[MESSAGES].append({"role": "user", "content": question})
    with st.chat_message("user"):
        st.markdown(question)
    with st.chat_message("assistant"):
        placeholder = st.empty()
        streamed = ""
        message = None
        try:
            with st.spinner("Searching the library…"):
                for piece in respond(settings, question, use_cluster):
                    if isinstance(piece, str):
                        streamed += piece
                        placeholder.markdown(answer_markdown(streamed) + " ▌")
                    else:
                        message = piece
        except Exception as exc:  # shown to the user, not as a traceback
            log.exception("answering failed")
            st.session_state[MESSAGES].pop()
            placeholder.error(f"The question could not be answered: {exc}")
            return
        placeholder.empty()
    if message is not None:
        st.session_state[MESSAGES].append(message)
    persist(settings)
    st.rerun()


def render_toolbar(settings: Settings) -> None:
    messages = st.session_state[MESSAGES]
    left, right = st.columns([1, 1])
    left.download_button(
        "Export conversation (Markdown)",
        conversation_markdown(messages, "Cluster policy conversation"),
        file_name="cluster-policy-conversation.md",
        mime="text/markdown",
        icon=":material/download:",
        disabled=not messages,
    )
    if right.button("New conversation", icon=":material/restart_alt:", disabled=not messages):
        reset_history()
        st.rerun()


def render_intro() -> str | None:
    st.markdown(
        "Ask about cluster policy: instruments, sequencing, governance, financing, evaluation, "
        "cases. Every statement is tied to the passage it comes from."
    )
    cols = st.columns(len(EXAMPLES))
    for col, example in zip(cols, EXAMPLES, strict=True):
        if col.button(example, width="stretch"):
            return example
    return None


def render_cluster_toggle() -> bool:
    """Whether answers should take the cluster described on the Recommend page into account."""
    cluster = st.session_state.get(CLUSTER)
    if not cluster:
        return False
    return st.toggle(
        "Take my cluster into account",
        value=True,
        help=f"From the Recommend page: {cluster['summary']}",
    )


def render(settings: Settings) -> None:
    """The Ask page."""
    restore(settings)
    st.title("Ask the library")
    example = None if st.session_state[MESSAGES] else render_intro()
    render_history(settings)
    use_cluster = render_cluster_toggle()
    question = st.chat_input("Ask a question about cluster policy") or example
    question = st.session_state.pop(REGENERATE, None) or question
    if question and question.strip():
        answer(settings, question.strip(), use_cluster)
    if st.session_state[MESSAGES]:
        render_toolbar(settings)
