"""The Learn path: the corpus's key frameworks in order, and a glossary, in the documents' words.

``load_learning(corpus_dir)`` reads ``frameworks.yaml`` from the corpus folder. Each framework
is explained by passages that define it: every passage must hold one of the framework's names
(``terms``), the definition of one of its parts (``parts``: "Agglomeration: A region has …") or
two of its parts, checked on loading. ``cut_quotes``
lists the quotes that are not whole sentences of their document, verbatim.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from assistant.knowledge.catalog import KnowledgeError, Source, Strict, _read_yaml, document_texts

FILE = "frameworks.yaml"
PARTS_NEEDED = 2  # words of a framework's definition a passage without its name must hold
# What may come just before a whole sentence: a sentence's end, an opening bracket or quote,
# a list mark ("ii)"), or a run-in term ("Cluster – A cluster consists of …").
_OPENING = re.compile(r"(^|[.!?:;)(“\"‘'–—])$")
_CLOSING = re.compile(r"^($|[\s”\"’')])")


def mentions(text: str, phrase: str) -> bool:
    """Whether ``text`` holds ``phrase`` as whole words (case and hyphens aside)."""
    flat = re.sub(r"[\s-]+", " ", text.lower())
    wanted = re.sub(r"[\s-]+", " ", phrase.lower()).strip()
    return re.search(rf"(?<!\w){re.escape(wanted)}(?!\w)", flat) is not None


class Framework(Strict):
    """A framework of the corpus, with the passages that define it."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    intro: str
    question: str  # asked of the whole library for more passages that define the framework
    terms: list[str] = Field(min_length=1)
    parts: list[str] = Field(default_factory=list)
    instruments_by: Literal["phase", "lifecycle_stage"] | None = None
    passages: list[Source] = Field(min_length=1)

    def defines(self, text: str) -> bool:
        """Whether ``text`` names the framework, defines one of its parts ("Agglomeration: A
        region has …") or holds enough of its definition."""
        if any(mentions(text, t) for t in self.terms):
            return True
        head = text.partition(":")[0] if ":" in text[:40] else ""
        if any(mentions(head, p) and len(head.split()) <= len(p.split()) + 1 for p in self.parts):
            return True
        return sum(mentions(text, p) for p in self.parts) >= PARTS_NEEDED

    @model_validator(mode="after")
    def _passages_define(self) -> Framework:
        for src in self.passages:
            if not self.defines(src.quote):
                raise ValueError(
                    f"a passage names neither the framework ({', '.join(self.terms)}) nor "
                    f"{PARTS_NEEDED} of its parts: {src.quote[:60]!r}"
                )
        return self


class GlossaryEntry(Strict):
    """A term, a one-line gloss in plain words, and the sentences that define it."""

    term: str
    gloss: str
    sources: list[Source] = Field(min_length=1)

    def matches(self, text: str) -> bool:
        """Whether a search ``text`` is in the term, its gloss or its sources."""
        wanted = text.strip().lower()
        haystack = " ".join([self.term, self.gloss, *(s.quote for s in self.sources)]).lower()
        return wanted in haystack


class Learning(Strict):
    """The frameworks in path order and the glossary in alphabetical order."""

    frameworks: list[Framework]
    glossary: list[GlossaryEntry] = Field(default_factory=list)

    def sources(self) -> list[tuple[str, Source]]:
        """Every quoted source, labelled with its entry."""
        found = [(f"framework {f.id}", s) for f in self.frameworks for s in f.passages]
        return found + [(f"glossary '{g.term}'", s) for g in self.glossary for s in g.sources]


def load_learning(corpus_dir: Path | str) -> Learning:
    """Read and validate ``frameworks.yaml`` from ``corpus_dir`` (``KnowledgeError`` if bad)."""
    path = Path(corpus_dir) / FILE
    data = _read_yaml(path)
    try:
        learning = Learning.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise KnowledgeError(f"{path}: {where}: {first['msg']}") from exc
    return learning.model_copy(
        update={"glossary": sorted(learning.glossary, key=lambda g: g.term.lower())}
    )


def _lines(text: str) -> str:
    """The text with its spacing made single: line breaks as one newline, other runs one space."""
    return re.sub(r"[^\S\n]+", " ", re.sub(r"\s*\n\s*", "\n", text))


def cut_quotes(learning: Learning, corpus_dir: Path | str) -> list[str]:
    """Entries whose quote is not in its document verbatim (spacing aside), or not as whole
    sentences there: it starts inside a sentence (not after a sentence's end, a list mark, a
    run-in term or at a line's start) or ends inside one."""
    texts = {name: _lines(text) for name, text in document_texts(corpus_dir).items()}
    problems = []
    for label, src in learning.sources():
        words = src.quote.split()
        found = re.search(r"\s+".join(map(re.escape, words)), texts.get(src.doc, ""))
        if found is None:
            problems.append(f"{label}: quote not in {src.doc}: {src.quote[:60]!r}")
            continue
        before, after = found.string[: found.start()], found.string[found.end() :]
        starts = before.endswith("\n") or _OPENING.search(before.rstrip(" ")) is not None
        if not (words[-1][-1] in ".!?" and starts and _CLOSING.match(after)):
            problems.append(f"{label}: not whole sentences: {src.quote[:60]!r}")
    return problems
