"""Follow-up questions: detect them and rewrite them into self-contained queries.

With a chat model the condensing prompt (``prompts/condense.md``) does the rewriting; without
one, the previous question (its topic and names) is carried into the query.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from assistant.index.lexical import tokenize

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.answering.types import Answer

REFERRING = re.compile(
    r"\b(it|its|itself|they|them|their|theirs|themselves|those|these|that|this|there|he|she|his|"
    r"her|him|the same|such|afterwards|then|former|latter|above)\b",
    re.IGNORECASE,
)
OPENERS = re.compile(r"^\s*(and|but|also|so|then|what about|how about|and what|why not)\b", re.I)
DEFINITE = re.compile(
    r"\bthe (town|city|region|cluster|country|project|programme|program|"
    r"initiative|agency|firms|companies|producers|government)\b",
    re.I,
)
SHORT_QUESTION = 5  # key terms or fewer: likely leans on the conversation
CAPITALISED = re.compile(r"\b(?:[A-Z][\w'’-]*[a-z][\w'’-]*|[A-Z]{2,}[\w-]*)(?:\s+[A-Z][\w'’-]+)*")
QUESTION_WORDS = {
    "what",
    "which",
    "who",
    "whom",
    "why",
    "how",
    "when",
    "where",
    "does",
    "did",
    "do",
    "is",
    "are",
    "was",
    "were",
    "can",
    "could",
    "should",
    "would",
    "and",
    "the",
    "in",
    "a",
    "an",
    "our",
    "we",
    "i",
    "according",
    "as",
}


def is_followup(question: str) -> bool:
    """Whether ``question`` leans on earlier turns: it opens with 'and…'/'what about…', or,
    naming nothing itself, it refers back ('it', 'there', 'the town') or is very short."""
    if OPENERS.search(question):
        return True
    if key_entities(question):
        return False
    return bool(
        REFERRING.search(question)
        or DEFINITE.search(question)
        or len(tokenize([question])[0]) <= SHORT_QUESTION
    )


def key_entities(text: str) -> list[str]:
    """Names and acronyms in ``text`` (capitalised phrases that are not question words)."""
    found: list[str] = []
    for match in CAPITALISED.finditer(text):
        words = [w for w in match.group(0).split() if w.lower() not in QUESTION_WORDS]
        phrase = " ".join(words).strip("'’")
        if phrase and phrase not in found:
            found.append(phrase)
    return found


def carry_context(question: str, previous: Answer) -> str:
    """``question`` followed by the previous question (its topic and names), plus any names
    that question had carried over from earlier turns. On the development conversations this
    found the gold passage more often than carrying names or key terms alone."""
    earlier = [
        e
        for e in key_entities(previous.rewritten_query or "")
        if e.lower() not in previous.question.lower()
    ]
    context = previous.question.strip() + (f"; {', '.join(earlier)}" if earlier else "")
    return f"{question.rstrip()} (after: {context})"


def condense(
    question: str, history: Sequence[Answer], chat_model: BaseChatModel, template: str
) -> str | None:
    """The chat model's self-contained rewrite of ``question``; None if the model fails."""
    lines = []
    for turn in history[-3:]:
        lines.append(f"User: {turn.rewritten_query or turn.question}")
        lines.append(f"Assistant: {turn.answer[:600]}")
    prompt = template.format(history="\n".join(lines), question=question)
    try:
        reply = chat_model.invoke(prompt).text
    except Exception:  # any backend failure: fall back to the rule
        return None
    rewritten = reply.strip().splitlines()[0].strip() if reply.strip() else ""
    return rewritten or None


def rewrite_followup(
    question: str,
    history: Sequence[Answer],
    chat_model: BaseChatModel | None = None,
    template: str = "",
) -> str | None:
    """A self-contained query for a follow-up of ``history``; None for a standalone question."""
    if not history or not is_followup(question):
        return None
    if chat_model is not None and template:
        rewritten = condense(question, history, chat_model, template)
        if rewritten:
            return rewritten
    rewritten = carry_context(question, history[-1])
    return rewritten if rewritten != question else None
