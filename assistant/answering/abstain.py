"""The evidence judgment: does what was retrieved answer the question, or does the assistant
say "the library does not cover this"?

Several signals of the evidence (``Signals``) are combined by a logistic model fitted on labelled
questions (``judgment.json`` beside this module; ``cluster-assistant eval judgment --write``
refits it): how close the best sentences are to the question by each embedding model, how much
of the question's content the passages and the best sentences hold (in the best sentences also
with each term weighted by its rarity in the library, so that "hydrogen" in a question counts
for more than "cluster"), whether the kind of answer asked for (an amount of money, a
percentage, a number, a date) appears in a relevant sentence, and whether the names and years of
the question occur in the evidence and in the library at all. A question naming what the
library never mentions is refused whatever the model says (``ruled_out``). The refusal says, in
plain words, what is missing.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from langchain_core.documents import Document

from assistant.answering.extractive import ScoredSentence
from assistant.index.lexical import query_stopwords, tokenize, tokenize_query
from assistant.index.library_words import fold

MODEL_FILE = Path(__file__).with_name("judgment.json")
TOP_PASSAGES = 5
TOP_SENTENCES = 5  # the sentences that must hold the kind of answer asked for
YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
CITED_YEAR = re.compile(r"\(\s*(?:[A-Z][^()]{0,60}?,?\s*)?(1[89]\d\d|20\d\d)[a-z]?\s*[,;)]")
# A capitalised word or run of them: a name to look up (unless it is an ordinary word that
# starts the question or a sentence, such as "What" or "Describe").
NAME = re.compile(r"\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]+)*")
SENTENCE_START = re.compile(r"(^|[.?!:;]\s+)$")
ASKS = {
    # "how much … paid", or "what (is the) … fee of/for/…?": a money word asked about, not one
    # used in passing ("price itself out of the market", "a tiny budget", "budget problem").
    "an amount of money": re.compile(
        r"\bhow much\b.*\b(cost|costs|spend|spent|invest|invested|pay|paid|budget|fund|funding|"
        r"money|charge|charged|earn|earned)\b|\bhow much (money|funding)\b"
        r"|\b(what|which|how high|how big|how large)\s+(?:(?:is|was|were|are|did)\s+)?"
        r"(?:(?:the|a|an|its|their|this|that)\s+)?"
        r"(?:(?!(?:should|could|would|can|do|does|must|will|might|may)\b)[\w'’-]+\s+){0,3}?"
        r"(fee|fees|salary|salaries|price|prices|wage|wages|budget|prize|grant size|amount)\b"
        r"(?=\s*(?:[?,.]|$|\b(?:of|for|in|at|to|per|on|did|does|do|was|were|is|are|paid|"
        r"charged|had|has|that|which)\b))",
        re.I,
    ),
    "a percentage": re.compile(r"\b(percentage|per ?cent|what share|what proportion)\b", re.I),
    "a number": re.compile(r"\bhow many\b|\bwhat number\b|\bhow large\b.*\b(membership)\b", re.I),
    "a date": re.compile(r"\b(in )?what year\b|\bwhen (was|were|did)\b|\bwhich year\b", re.I),
}
FOUND = {
    "an amount of money": re.compile(
        r"[$€£¥]\s?\d|\b\d[\d,.]*\s?(dollars?|euros?|pounds?|rupees?|yen|francs?|kronor|usd|eur"
        r"|sek|million|billion|m\b)|\b(dollars?|euros?|usd|eur)\s?\d",
        re.I,
    ),
    "a percentage": re.compile(r"\d\s?%|\b\d[\d.,]*\s?(per ?cent)\b", re.I),
    "a number": re.compile(
        r"\b\d[\d,.]*\b|\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|"
        r"thirty|forty|fifty|hundreds?|thousands?|dozens?)\b",
        re.I,
    ),
    "a date": YEAR,
}


@dataclass
class Signals:
    """What the evidence says about a question, as numbers the judgment combines."""

    sentence: float = 0.0  # best sentence cosine (first embedding model)
    sentences3: float = 0.0  # mean cosine of the three best sentences
    passage2: float = 0.0  # best passage cosine by the second model (top passages)
    coverage: float = 0.0  # share of the question's key terms in the top passages
    sentence_coverage: float = 0.0  # ... in the three best sentences
    sentence_rare_coverage: float = 0.0  # ... weighted by rarity in the library (IDF)
    answer_type_missing: float = 0.0  # 1: the kind of answer asked for is in no good sentence
    names_missing: float = 0.0  # names and years of the question absent from the evidence
    unknown_names: float = 0.0  # ... absent from the whole library

    def vector(self) -> list[float]:
        return [float(v) for v in asdict(self).values()]


FEATURES = list(asdict(Signals()))


@dataclass
class Verdict:
    """The judgment on one question: the signals, the probability that the evidence answers it,
    and, when the assistant abstains, the reasons in plain words."""

    signals: Signals
    probability: float
    missing_terms: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def abstain(self) -> bool:
        return bool(self.reasons)


@dataclass(frozen=True)
class JudgmentModel:
    """A logistic model over standardised ``Signals``, and the probability below which the
    assistant abstains."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float

    def probability(self, signals: Signals) -> float:
        z = self.intercept + sum(
            c * (x - m) / (s or 1.0)
            for c, x, m, s in zip(self.coef, signals.vector(), self.mean, self.scale, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_dict(self) -> dict[str, Any]:
        return {"features": FEATURES, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JudgmentModel:
        if data.get("features") != FEATURES:
            raise ValueError("the judgment model was fitted on other signals: refit it")
        return cls(
            tuple(data["mean"]),
            tuple(data["scale"]),
            tuple(data["coef"]),
            float(data["intercept"]),
            float(data["threshold"]),
        )


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_FILE) -> JudgmentModel:
    """The fitted judgment (read once)."""
    return JudgmentModel.from_dict(json.loads(path.read_text(encoding="utf-8")))


def term_coverage(
    question: str, texts: list[str], weight: Callable[[str], float] | None = None
) -> tuple[float, list[str]]:
    """Share of the question's key terms (stemmed) found in ``texts``, each counted by its
    ``weight`` (default 1; e.g. its rarity in the library, so that the rare words of a question
    count most), and the question's own words for those missing."""
    words = re.findall(r"[\w'’-]+", question)
    stems = tokenize(words) if words else []
    word_of = {stem: word for word, found in zip(words, stems, strict=True) for stem in found}
    terms = list(dict.fromkeys(tokenize_query(question)))
    if not terms:
        return 0.0, []
    seen: set[str] = set()
    for tokens in tokenize(texts or [""]):
        seen.update(tokens)
    missing = [t for t in terms if t not in seen]
    weights = {t: weight(t) if weight else 1.0 for t in terms}
    total = sum(weights.values()) or 1.0
    return 1 - sum(weights[t] for t in missing) / total, [word_of.get(t, t) for t in missing]


def searchable_text(docs: Iterable[Document]) -> str:
    """Titles and texts of ``docs`` in one folded string, for name look-ups."""
    docs = list(docs)
    titles = {str(d.metadata.get("title", "")) for d in docs}
    return fold(" ".join([*titles, *(d.page_content for d in docs)]))


def question_names(question: str, library: str = "") -> list[str]:
    """The names (capitalised words and runs, acronyms) and years a question mentions. A single
    capitalised word that starts a sentence counts only when ``library`` (folded text) never
    uses it as an ordinary word."""
    names = []
    for match in NAME.finditer(question):
        word = match.group(0)
        if fold(word.split()[0]) in query_stopwords():  # "What", "How", "The Whitebook"
            word = " ".join(word.split()[1:])
        opening = SENTENCE_START.search(question[: match.start()]) is not None
        ordinary = re.search(rf"\b{re.escape(fold(word))}\b", library) is not None
        if word and not (opening and " " not in word and ordinary):
            names.append(word)
    names += YEAR.findall(question)
    return list(dict.fromkeys(n.strip() for n in names))


def _variants(name: str) -> set[str]:
    """A name as it may appear in the text: folded, without possessive, without its first
    word ('Professor Michael Porter' → 'michael porter'), or its last word shortened by up to
    three letters ('Pakistani' → 'pakistan', 'Brazilian' → 'brazil')."""
    base = re.sub(r"'s$|s'$", "", fold(name))
    words = base.split()
    found = {base, " ".join(words[1:])}
    if words and len(words[-1]) >= 7:
        found |= {" ".join([*words[:-1], words[-1][:-n]]) for n in (1, 2, 3)}
    return found - {""}


def unmatched_names(question: str, text: str, library: str = "") -> list[str]:
    """The question's names and years that the (folded) ``text`` never mentions (``library``
    tells ordinary words at the start of a sentence from names; default: ``text``)."""
    return absent(question_names(question, library or text), text)


def absent(names: list[str], text: str) -> list[str]:
    """The ``names`` that the (folded) ``text`` never mentions."""
    return [n for n in names if not any(mentions(text, v) for v in _variants(n))]


SHORT_NAME = 4  # letters: a name this short ('AI', 'EU', 'SME') must be a whole word


def mentions(text: str, variant: str) -> bool:
    """Whether the folded ``text`` holds ``variant`` where a word starts ('brazil' in
    'brazilian', not 'ai' in 'said'); a short one only as a whole word, perhaps plural."""
    if " " in variant:  # a phrase (a ``LibraryText`` looks it up by its pairs of words)
        return variant in text
    end = r"s?(?!\w)" if len(variant) <= SHORT_NAME else ""
    return re.search(rf"(?<!\w){re.escape(variant)}{end}", text) is not None


def asked_for(question: str) -> str | None:
    """The kind of answer the question asks for ('an amount of money', 'a number'…), if any."""
    return next((kind for kind, pattern in ASKS.items() if pattern.search(question)), None)


def lacks_answer_type(question: str, sentences: list[ScoredSentence]) -> str | None:
    """The kind of answer asked for when none of the best sentences holds one (citation years
    do not count as dates or numbers); None when nothing specific is asked or one is there."""
    wanted = asked_for(question)
    if wanted is None:
        return None
    best = sorted(sentences, key=lambda s: -s.score)[:TOP_SENTENCES]
    texts = [CITED_YEAR.sub(" ", s.text) for s in best]
    counted = counted_thing(question) if wanted == "a number" else None
    return None if any(_holds(FOUND[wanted], t, counted) for t in texts) else wanted


COUNTED = re.compile(
    r"\bhow many\s+(?:of\s+the\s+)?((?:[\w-]+\s+){0,2}?[\w-]+)"
    r"(?=\s+(?:did|do|does|are|were|is|was|have|has|had|will|can|could|should|would|in|of|"
    r"took|joined|make|made|work|there)\b|\s*[?,.]|$)",
    re.I,
)


def counted_thing(question: str) -> set[str] | None:
    """The stems of what a 'how many …' question counts ('export consortia' → {'export',
    'consortia'}), if any."""
    match = COUNTED.search(question) or re.search(r"\bhow many\s+([\w-]+)", question, re.I)
    stems = set(tokenize([match.group(1)])[0]) if match else set()
    return stems or None


def _holds(pattern: re.Pattern[str], text: str, near: set[str] | None, window: int = 30) -> bool:
    """Whether ``text`` holds ``pattern``, within ``window`` words of one of the stems ``near``."""
    if near is None:
        return bool(pattern.search(text))
    words = text.split()
    stems = tokenize(words) if words else []
    at = [i for i, found in enumerate(stems) if near & set(found)]
    hits = [i for i, w in enumerate(words) if pattern.search(w)]
    return any(abs(i - j) <= window for i in hits for j in at)


def lacks_quantity(question: str, sentences: list[ScoredSentence]) -> str | None:
    """``lacks_answer_type`` for quantities only (money, percentage, number)."""
    missing = lacks_answer_type(question, sentences)
    return None if missing == "a date" else missing


def signals(
    question: str,
    docs: list[Document],
    sentences: list[ScoredSentence],
    library: str,
    rarity: Callable[[str], float] | None = None,
) -> tuple[Signals, list[str], list[str], str | None]:
    """The evidence signals, the key terms missing from the passages, the names the library
    never mentions, and the kind of answer asked for but not found. ``rarity`` weighs a key
    term by how rare it is in the library (``BM25Index.idf``)."""
    best = sorted(sentences, key=lambda s: -s.similarity)
    top = docs[:TOP_PASSAGES]
    coverage, missing = term_coverage(question, [d.page_content for d in top])
    best_texts = [s.text for s in best[:3]]
    sentence_coverage, _ = term_coverage(question, best_texts)
    rare_coverage, _ = term_coverage(question, best_texts, rarity)
    evidence = searchable_text(docs)
    names = question_names(question, library)  # found once, looked up in both texts
    unknown = absent(names, library)
    wanted = lacks_answer_type(question, sentences)
    second = [d.metadata.get("second_dense_score") for d in top]
    found = Signals(
        sentence=best[0].similarity if best else 0.0,
        sentences3=sum(s.similarity for s in best[:3]) / 3 if best else 0.0,
        passage2=max((float(v) for v in second if v is not None), default=0.0),
        coverage=coverage,
        sentence_coverage=sentence_coverage,
        sentence_rare_coverage=rare_coverage,
        answer_type_missing=float(wanted is not None),
        names_missing=float(len(absent(names, evidence))),
        unknown_names=float(len(unknown)),
    )
    return found, missing, unknown, wanted


def judge(
    question: str,
    docs: list[Document],
    sentences: list[ScoredSentence],
    library: str,
    model: JudgmentModel | None = None,
    threshold: float | None = None,
    rarity: Callable[[str], float] | None = None,
) -> Verdict:
    """Decide whether the evidence answers ``question`` and, if not, say why.

    ``library`` is the whole library's ``searchable_text``; ``threshold`` overrides the model's
    least probability for an answer; ``rarity`` weighs the question's terms (see ``signals``)."""
    model = model or load_model()
    found, missing, unknown, wanted = signals(question, docs, sentences, library, rarity)
    answerable = bool(docs and sentences) and not ruled_out(found)
    probability = model.probability(found) if answerable else 0.0
    verdict = Verdict(found, round(probability, 4), missing)
    least = model.threshold if threshold is None else threshold
    if not docs or not sentences:
        verdict.reasons.append("nothing in the library matches the question")
    elif probability < least:
        verdict.reasons.append(_why(found, missing, unknown, wanted))
    return verdict


def ruled_out(found: Signals) -> bool:
    """Whether the evidence cannot answer, whatever the model says: the question names
    something (a name, a year) that the library never mentions."""
    return found.unknown_names > 0


def _why(found: Signals, missing: list[str], unknown: list[str], wanted: str | None) -> str:
    """The plainest true reason for a refusal."""
    if unknown:
        return "the documents never mention " + ", ".join(unknown)
    if wanted:
        return f"the passages on this topic give no {wanted.split(' ', 1)[1]}"
    if found.names_missing:
        return "the passages found do not discuss what the question names"
    if missing and found.coverage < 0.75:
        return "the passages found do not address: " + ", ".join(missing[:4])
    return "the passages found are only loosely related to the question"


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
