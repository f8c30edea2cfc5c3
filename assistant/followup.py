"""Follow-up questions: detect them and rewrite them into self-contained queries.

With a chat model the condensing prompt (``prompts/condense.md``) does the rewriting; without
one, the previous turn's key entities (names, acronyms) and topic are carried into the query.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from assistant.lexical import tokenize

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.answer import Answer

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
MAX_CARRIED = 6
MAX_FROM_ANSWER = 2


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


def key_entities(text: str, mid_sentence_only: bool = False) -> list[str]:
    """Names and acronyms in ``text``: capitalised phrases that are not question words
    (with ``mid_sentence_only``, only those not opening a sentence)."""
    found: list[str] = []
    for match in CAPITALISED.finditer(text):
        words = match.group(0).split()
        before = text[: match.start()].rstrip()
        if mid_sentence_only and (not before or before[-1] in '“".!?:'):
            words = words[1:]
        words = [w for w in words if w.lower() not in QUESTION_WORDS]
        phrase = " ".join(words).strip("'’")
        if phrase and phrase not in found:
            found.append(phrase)
    return found


def _key_words(text: str, exclude: str) -> list[str]:
    """Content words of ``text`` (no stop words, numbers or words already in ``exclude``)."""
    taken = set(tokenize([exclude])[0])
    words = []
    for word in re.findall(r"[A-Za-z][\w'’-]+", text):
        stems = tokenize([word])[0]
        if word.lower() not in QUESTION_WORDS and stems and stems[0] not in taken:
            words.append(word)
    return words


def carry_context(question: str, previous: Answer) -> str:
    """``question`` plus the previous turn's entities (from its query, then its answer), or,
    lacking names, the previous query's key terms."""
    query = previous.rewritten_query or previous.question
    asked = [e for e in key_entities(query) if e.lower() not in question.lower()]
    answered = []
    if not previous.abstained:
        answered = [
            e
            for e in key_entities(previous.answer, mid_sentence_only=True)
            if e.lower() not in question.lower() and e not in asked
        ][:MAX_FROM_ANSWER]
    carried = asked + answered or _key_words(query, exclude=question)
    carried = list(dict.fromkeys(carried))[:MAX_CARRIED]
    if not carried:
        return question
    return f"{question.rstrip()} (context: {', '.join(carried)})"


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
