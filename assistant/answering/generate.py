"""Generative answers: a chat model writes the answer, citing numbered passages as ``[n]``.

The passages reach the model as delimited, numbered data in the user message; the rules live in
the system prompt (``prompts/answer_system.md``) and nothing in a passage can change them. The
reply is checked: markers that match no passage are removed and reported, and a reply without
a valid citation, or a backend that cannot be reached, gives the extractive answer instead.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Generator
from dataclasses import dataclass

from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from assistant.answering.compose import cite, compose_abstention, compose_extractive
from assistant.answering.types import Answer, Evidence
from assistant.llm import load_prompt
from assistant.settings import Settings

NOT_COVERED = "NOT_COVERED"
MARKER_GROUP = re.compile(r"\[(\s*\d+\s*(?:[,;]\s*\d+\s*)*)\]")
RETRY_AFTER_S = 60.0  # after a failed call, answer extractively this long before trying again


@dataclass
class RetryClock:
    """After a failed call, the chat model rests for ``pause_s`` (answers are extractive)."""

    pause_s: float = RETRY_AFTER_S
    retry_at: float = 0.0  # monotonic time before which the model is not tried

    def ready(self) -> bool:
        return time.monotonic() >= self.retry_at

    def failed(self) -> None:
        self.retry_at = time.monotonic() + self.pause_s


# "<passage", "</passage>", "< / PASSAGE" …: anything a reader could take for a passage tag
_PASSAGE_TAG = re.compile(r"<(?=\s*/?\s*passage)", re.IGNORECASE)


def _attribute(value: str) -> str:
    """A value for a double-quoted attribute: one line, quotes and angle brackets escaped."""
    return html.escape(" ".join(value.split()), quote=True)


def _passage(n: int, doc: Document) -> str:
    """One numbered passage block; nothing in the document can open, close or forge one."""
    meta = doc.metadata
    source = _attribute(", ".join(str(x) for x in (meta.get("title"), meta.get("year")) if x))
    body = _PASSAGE_TAG.sub("&lt;", doc.page_content)
    return f'<passage n="{n}" source="{source}">\n{body}\n</passage>'


def build_messages(
    settings: Settings, question: str, docs: list[Document], profile_context: str | None = None
) -> list[BaseMessage]:
    """System rules and the user message with the numbered, delimited passages."""
    context = f"About the user's cluster (context, not evidence):\n{profile_context}\n\n"
    user = load_prompt(settings, "answer_user.md").format(
        context=context if profile_context else "",
        passages="\n\n".join(_passage(n, d) for n, d in enumerate(docs, 1)),
        question=question,
    )
    return [SystemMessage(load_prompt(settings, "answer_system.md")), HumanMessage(user)]


def check_markers(reply: str, n_passages: int) -> tuple[str, list[int], list[int]]:
    """The reply with markers renumbered by first use, cited passage indexes, invalid numbers."""
    order: list[int] = []
    invalid: list[int] = []
    for group in MARKER_GROUP.finditer(reply):
        for number in (int(x) for x in re.split(r"[,;]", group.group(1))):
            if 1 <= number <= n_passages:
                order.append(number - 1)
            else:
                invalid.append(number)
    markers = {i: m for m, i in enumerate(dict.fromkeys(order), 1)}

    def renumber(group: re.Match[str]) -> str:
        numbers = dict.fromkeys(int(x) for x in re.split(r"[,;]", group.group(1)))
        return "".join(f"[{markers[n - 1]}]" for n in numbers if 1 <= n <= n_passages)

    text = MARKER_GROUP.sub(renumber, reply)
    text = re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()
    return text, order, list(dict.fromkeys(invalid))


def _fallback(question: str, evidence: Evidence, notice: str) -> Answer:
    result = compose_extractive(question, evidence)
    result.notices.append(notice)
    return result


def generate(
    chat_model: BaseChatModel,
    settings: Settings,
    clock: RetryClock,
    question: str,
    evidence: Evidence,
    profile_context: str | None = None,
) -> Generator[str, None, Answer]:
    """Stream the model's reply, then return the checked ``Answer`` (or the extractive one
    when the model fails, or rests after a failure per ``clock``)."""
    if not clock.ready():
        return compose_extractive(question, evidence)
    messages = build_messages(settings, evidence.query, evidence.docs, profile_context)
    pieces: list[str] = []
    try:
        for chunk in chat_model.stream(messages):
            if chunk.text:
                pieces.append(chunk.text)
                yield chunk.text
    except Exception as exc:  # any backend failure means: answer extractively
        clock.failed()
        reason = f"{type(exc).__name__}: {str(exc)[:160]}".rstrip(": ")
        return _fallback(
            question,
            evidence,
            f"The language model could not be used ({reason}); answered extractively.",
        )
    reply = "".join(pieces).strip()
    if reply.startswith(NOT_COVERED):
        result = compose_abstention(question, evidence)
        result.mode = "llm"
        result.notices.append("The language model found no answer in the retrieved passages.")
        return result
    text, order, invalid = check_markers(reply, len(evidence.docs))
    if not order:
        return _fallback(
            question,
            evidence,
            "The model's reply cited no retrieved passage; showing the passages' own words.",
        )
    _, citations = cite(evidence.docs, order)
    result = Answer(question=question, answer=text, citations=citations, mode="llm")
    if invalid:
        listed = ", ".join(f"[{n}]" for n in invalid)
        result.notices.append(f"Removed citation markers that match no passage: {listed}.")
    return result
