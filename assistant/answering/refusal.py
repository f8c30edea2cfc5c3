"""A refusal in plain language: what is missing, what the library covers near the question, and
two questions it can answer.

Topics are the real section titles of the passages found (front matter such as "Introduction",
"Appendix A: Programme" or "Contents" is skipped in favour of the section above or below it) and
the catalog's instruments whose name and description share words with the question. No score or
threshold is ever shown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.documents import Document

from assistant.index.lexical import tokenize, tokenize_query

MAX_TOPICS = 3
FRONT_MATTER = re.compile(
    r"^\W*(\d+(\.\d+)*\.?\s+)?(introduction|appendix|annex|contents|table of contents|abstract|"
    r"preface|foreword|references|bibliography|acknowledge?ments?|notes?|endnotes|footnotes|"
    r"glossary|index|acronyms|abbreviations|list of|about (the|this)|executive summary|"
    r"part [ivxlc\d]+|chapter \d+|figure|fig\.|table|exhibit|chart|untitled)\b",
    re.IGNORECASE,
)
MAX_TOPIC_WORDS = 12
COMMON = 0.5


@dataclass(frozen=True)
class Topic:
    """A section the library covers, and the document it is in."""

    section: str
    title: str

    def label(self) -> str:
        return f"{self.section} ({self.title})" if self.title else self.section


def readable(section: str) -> str:
    """An all-capitals heading in sentence case ('LEARNING WORKSHOP 3' → 'Learning workshop
    3'); other headings as they are, without a trailing colon or numbering dots."""
    text = re.sub(r"^\d+(\.\d+)*\.?\s+", "", " ".join(section.split())).strip(" :.-")
    if text.isupper():
        text = text.capitalize()
    return text


def section_topic(section_path: str) -> str:
    """The deepest part of a 'Part > Chapter > Section' path that is not front matter."""
    for part in reversed([p.strip() for p in section_path.split(" > ")]):
        words = part.split()
        wordy = sum(w[:1].isalpha() for w in words) >= len(words) / 2
        if part and wordy and not FRONT_MATTER.match(part) and len(words) <= MAX_TOPIC_WORDS:
            return readable(part)
    return ""


def covered_topics(docs: Sequence[Document], n: int = MAX_TOPICS) -> list[Topic]:
    """Distinct real sections of the passages found, best passage first."""
    topics: list[Topic] = []
    for doc in docs:
        section = section_topic(str(doc.metadata.get("section") or ""))
        topic = Topic(section, str(doc.metadata.get("title") or ""))
        if section and all(t.section.lower() != section.lower() for t in topics):
            topics.append(topic)
        if len(topics) == n:
            break
    return topics


def near_instruments(
    question: str, instruments: Sequence[tuple[str, str]], n: int = 2
) -> list[str]:
    """Names of the catalog instruments (``(name, description)`` pairs) near the question: a
    distinctive key term of it in their name, or two in their description. Terms found in more
    than ``COMMON`` of the instruments, such as 'cluster', are not distinctive."""
    terms = set(tokenize_query(question))
    if not terms or not instruments:
        return []
    names = [set(t) for t in tokenize([name for name, _ in instruments])]
    texts = [set(t) for t in tokenize([description for _, description in instruments])]
    everywhere = [a | b for a, b in zip(names, texts, strict=True)]
    common = {t for t in terms if sum(t in e for e in everywhere) > COMMON * len(everywhere)}
    wanted = terms - common
    words = {w for w in re.findall(r"[a-z]+", question.lower()) if set(tokenize([w])[0]) & wanted}
    scored = []
    for (name, _), in_name, in_text in zip(instruments, names, texts, strict=True):
        named, described = len(wanted & in_name), len(wanted & in_text)
        exact = len(words & set(re.findall(r"[a-z]+", name.lower())))  # 'competitions' itself
        if named or described >= 2:
            scored.append((2 * named + 2 * exact + described, name))
    return [name for _, name in sorted(scored, key=lambda s: -s[0])[:n]]


def suggested_questions(topics: Sequence[Topic], instruments: Sequence[str]) -> list[str]:
    """Two questions the library can answer: about the nearest instruments, then sections."""
    asks = [
        f"What does “{name.rstrip('.')}” involve, and when is it appropriate?"
        for name in instruments
    ]
    asks += [f"What does {t.title or 'the library'} say about {t.section.lower()}?" for t in topics]
    return list(dict.fromkeys(asks))[:2]


def refusal_text(
    reasons: Sequence[str], topics: Sequence[Topic], instruments: Sequence[str]
) -> str:
    """'The library does not cover this question: why. It does cover … You could ask …'."""
    why = "; ".join(r.rstrip(".") for r in reasons)
    text = "The library does not cover this question" + (f": {why}." if why else ".")
    covered = [t.label() for t in topics] + [f"the instrument “{name}”" for name in instruments]
    if covered:
        text += " Near your question, it covers: " + "; ".join(covered) + "."
    asks = suggested_questions(topics, instruments)
    if asks:
        text += " You could ask: " + " or ".join(f"“{q}”" for q in asks)
    return text
