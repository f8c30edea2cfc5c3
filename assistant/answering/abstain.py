"""When to say "the library does not cover this": rules on the retrieval evidence.

The assistant abstains when
- no passage was retrieved, or the best sentence of the retrieved passages is not close enough
  to the question (cosine below the ``abstain_threshold`` setting, calibrated on the development
  questions: see ``cluster-assistant eval answers``);
- the question names a year, or a multi-word proper name, that the library never mentions;
- the question asks for a quantity ("how many", "how much money") and none of the best
  sentences holds a number (or an amount of money).
An abstaining answer names the closest topics the library does cover.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from langchain_core.documents import Document

from assistant.answering.extractive import ScoredSentence
from assistant.index.lexical import tokenize

TOP_PASSAGES = 5
TOP_SENTENCES = 5  # the sentences that must hold the number a quantity question asks for
YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
NAME = re.compile(r"\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){2,}")
HOW_MANY = re.compile(r"\bhow (many|much)\b", re.I)
HOW_MUCH_MONEY = re.compile(
    r"\bhow much (money|funding|budget)\b|\bhow much (did|does|do|will|would)\b.*\b"
    r"(cost|spend|spent|invest|invested|pay|paid|put)\b",
    re.I,
)
NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundreds?|thousands?|millions?|billions?|dozens?|half|several)\b",
    re.I,
)
MONEY = re.compile(
    r"[$€£¥]|\b(dollars?|euros?|pounds?|rupees?|yen|francs?|krona|kronor|usd|eur|sek|"
    r"million|billion)\b",
    re.I,
)


@dataclass
class Verdict:
    """The evidence figures and the decision drawn from them (with its reasons)."""

    best_similarity: float
    term_coverage: float
    missing_terms: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def abstain(self) -> bool:
        return bool(self.reasons)


def term_coverage(question: str, docs: list[Document]) -> tuple[float, list[str]]:
    """Share of the question's stemmed key terms found in the top passages, and those missing."""
    terms = list(dict.fromkeys(tokenize([question])[0]))
    if not terms:
        return 0.0, []
    found: set[str] = set()
    for tokens in tokenize([d.page_content for d in docs[:TOP_PASSAGES]] or [""]):
        found.update(tokens)
    missing = [t for t in terms if t not in found]
    return 1 - len(missing) / len(terms), missing


def searchable_text(docs: Iterable[Document]) -> str:
    """Titles and texts of ``docs`` in one lower-cased, single-spaced string."""
    titles = {str(d.metadata.get("title", "")) for d in docs}
    text = " ".join([*titles, *(d.page_content for d in docs)])
    return re.sub(r"\s+", " ", text.lower())


def unmatched_names(question: str, library: str) -> list[str]:
    """Years and multi-word proper names of the question that ``library`` never mentions."""
    missing = [y for y in dict.fromkeys(YEAR.findall(question)) if y not in library]
    for match in NAME.finditer(question):
        words = match.group(0).split()
        variants = {" ".join(words).lower(), " ".join(words[1:]).lower()}
        if not any(v in library for v in variants):
            missing.append(match.group(0))
    return missing


def lacks_quantity(question: str, sentences: list[ScoredSentence]) -> str | None:
    """What a quantity question asks for ('amount of money', 'number') when no top sentence
    holds it; None when the question asks for no quantity or one is there."""
    best = sorted(sentences, key=lambda s: -s.score)[:TOP_SENTENCES]
    if HOW_MUCH_MONEY.search(question):
        return None if any(MONEY.search(s.text) for s in best) else "an amount of money"
    if HOW_MANY.search(question):
        return None if any(NUMBER.search(s.text) for s in best) else "a number"
    return None


def judge(
    question: str,
    docs: list[Document],
    sentences: list[ScoredSentence],
    threshold: float,
    library: str | None = None,
) -> Verdict:
    """Score the evidence for ``question`` and decide whether to abstain (and why).

    ``library`` is the whole library's ``searchable_text`` (names and years are looked up
    there); without it, the retrieved passages stand in for the library."""
    best = max((s.similarity for s in sentences), default=0.0)
    coverage, missing = term_coverage(question, docs)
    verdict = Verdict(round(best, 4), round(coverage, 4), missing)
    if not docs or not sentences:
        verdict.reasons.append("nothing relevant was retrieved")
    elif best < threshold:
        verdict.reasons.append(f"weak evidence (best sentence similarity {best:.2f} < {threshold})")
    names = unmatched_names(question, library or searchable_text(docs))
    if names:
        verdict.reasons.append("the library never mentions " + ", ".join(names))
    wanted = lacks_quantity(question, sentences)
    if wanted:
        verdict.reasons.append(f"the question asks for {wanted} and no passage gives one")
    return verdict


def closest_topics(docs: list[Document], n: int = 3) -> list[str]:
    """Distinct 'section (title)' labels of the best passages: what the library does cover."""
    topics: list[str] = []
    for doc in docs:
        meta = doc.metadata
        section = str(meta.get("section") or "").split(" > ")[-1].strip()
        label = f"{section} ({meta.get('title', '')})" if section else str(meta.get("title", ""))
        if label and label not in topics:
            topics.append(label)
        if len(topics) == n:
            break
    return topics
