"""The bottom line of an extractive answer: the one or two sentences that answer most directly.

A sentence is chosen for answering, not only for being close to the question: it must be
quotable (a whole declarative sentence, see ``extractive.quotable``), it gains when it has the
form of an answer to the kind of question asked (a reason for "why", a definition for "what
is", a recommendation for "how" or "what should", a warning for "what not to do", a number for
"how many", a name for "who") and when it holds the question's focus (its key terms); it loses
when it leans on the sentence before it ("However, …", "This …"). Asked what a term is or means,
a sentence that defines that very term ("Collective efficiency is defined as …", "A latent
cluster is one that …", "… refers to …") gains most.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answering import abstain
from assistant.answering.extractive import ScoredSentence
from assistant.answering.followup import key_entities
from assistant.index.lexical import tokenize, tokenize_query

FORM_BONUS = 0.12  # the sentence has the form of an answer to this kind of question
FOCUS_BONUS = 0.15  # times the share of the question's key terms the sentence holds
LEANING_PENALTY = 0.08  # the sentence opens by pointing back at the one before
NAME_BONUS = 0.1  # times the share of the question's names its passage holds
SECOND_LEAD = 0.92  # a second lead sentence must score this share of the first
DEFINITION_BONUS = 0.15  # the sentence defines the term the question asks about

# "What is (meant by) X?", "What are X, as opposed to …?", "What does X mean?", "Define X".
_TERM_END = r"(?=\s*(?:[?,;:(.!]|$|\b(?:and|as opposed|according|in the|proposed|compared)\b))"
_ASKS_DEFINITION = tuple(
    re.compile(p, re.I)
    for p in (
        r"^\W*what(?:'s| is| are) (?:meant by |understood by )?(?:an? |the )?(?P<term>.+?)"
        + _TERM_END,
        r"^\W*(?:in [^,]+, )?what (?:does|do) (?P<term>.+?) (?:mean|stand for)\b",
        rf"^\W*(?:please )?define (?P<term>.+?){_TERM_END}",
    )
)
MAX_TERM_WORDS = 5
_DEFINING = (
    r"(?:is|are|can be|may be)\s+(?:defined|understood|described|seen)\s+as"
    r"|refers?\s+to|means|denotes|stands?\s+for|consists?\s+of"
    r"|(?:is|are)\s+(?:an?|the|those|one|ones|clusters?|firms?|groups?)\b"
)
_HAVING = r"(?:is|are|has|have|involves?|describes?)\b"

_FORMS: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (re.compile(q, re.I), re.compile(a, re.I))
    for q, a in (
        (  # what not to do, pitfalls, risks
            r"\b(not|avoid|never|mistakes?|pitfalls?|wrong|fail\w*|risks?|dangers?)\b",
            r"\b(not|never|avoid\w*|cannot|can't|risk\w*|danger\w*|pitfall\w*|fail\w*|mistake\w*"
            r"|wrong|should be careful|beware)\b",
        ),
        (  # reasons
            r"^\W*why\b|\breasons?\b|\bwhat (explains|caused|causes|drove|drives)\b",
            r"\b(because|since|due to|owing to|as a result|reasons?|leads? to|led to|results? in"
            r"|so that|therefore|thus|hence|explain\w*)\b",
        ),
        (  # definitions
            r"\bwhat (is|are)\b|\bmean(s|ing)?\b|\bdefin\w*|\bstand for\b|\bwhat kind of\b",
            r"\b(is|are|means|refers? to|defined|denotes?|consists? of|stands? for|describes?)\b",
        ),
        (  # ways and recommendations
            r"^\W*how\b|\bshould\b|\bwhat can\b|\bways?\b|\brecommend\w*|\bbest\b|\bfirst\b",
            r"\b(should|must|needs? to|can|could|by|through|important|key|recommend\w*|first"
            r"|start\w*|begin\w*|help\w*)\b",
        ),
        (  # actors
            r"^\W*who\b|\bwhich (agency|agencies|organi[sz]ations?|body|bodies|institutions?"
            r"|country|countries|government)\b",
            r"\s(?-i:[A-Z])[\w-]+",  # a name after the first word
        ),
    )
)
_LEANING = re.compile(
    r"^\W*(however|but|also|moreover|furthermore|in addition|thus|therefore|hence|finally|"
    r"first(ly)?|second(ly)?|third(ly)?|lastly|then|so|and|or|this|these|"
    r"that|those|such|it|they|he|she|its|their|another|other|the latter|the former|"
    r"as a result|in turn|accordingly|consequently|likewise|similarly|instead|otherwise|"
    r"for (this|that|these|those|such) reasons?|in (this|that|such|these) (way|case|context)s?|"
    r"to (address|tackle|overcome|solve|meet|avoid|counter) (this|these|that|those|such|them|it))"
    r"\b",
    re.I,
)


def leans_back(sentence: str) -> bool:
    """Whether ``sentence`` opens by pointing back at the one before ("However, …", "To address
    these challenges, …"), so that it cannot open an answer on its own."""
    return bool(_LEANING.match(sentence))


@dataclass(frozen=True)
class LeadScore:
    """How well one sentence would open the answer."""

    sentence: ScoredSentence
    value: float


def answer_form(question: str, sentence: str) -> bool:
    """Whether ``sentence`` has the form of an answer to ``question`` (see the module); the
    first kind of question that matches decides ('what should we not do' asks for a warning)."""
    wanted = abstain.asked_for(question)
    if wanted:
        return bool(abstain.FOUND[wanted].search(abstain.CITED_YEAR.sub(" ", sentence)))
    form = next((a for q, a in _FORMS if q.search(question)), None)  # the most specific
    return bool(form and form.search(sentence))


def defined_term(question: str) -> str | None:
    """The term a question asks to have defined ('latent cluster' in "What is a latent
    cluster?"), without quotes; None for other questions ("What is lost if …?")."""
    for pattern in _ASKS_DEFINITION:
        found = pattern.search(question.strip())
        if found:
            term = re.sub(r"[\"‘’“”]|(?<!\w)'|'(?!\w)", "", found.group("term")).strip()
            if 0 < len(term.split()) <= MAX_TERM_WORDS and not re.search(
                r"\b(if|when|because|whether|that|which|who|why|how)\b", term, re.I
            ):
                return term
    return None


def defines(sentence: str, term: str) -> bool:
    """Whether ``sentence`` defines ``term``: names it, perhaps in the plural, and says what
    it is ("… is defined as", "… refers to", "… means", "… is a …"); opening the sentence,
    also what it has ("Latent clusters have a critical mass of firms …")."""
    name = re.escape(abstain.fold(term)).replace(r"\ ", r"[\s-]+")
    text = abstain.fold(sentence)
    named = rf"(?<!\w){name}s?['\"”]?(?:\s*\([^)]*\))?,?\s+"
    opening = rf"^\W*(?:(?:the|an?)\s+)?{named}(?:{_DEFINING}|{_HAVING})"
    return bool(re.search(named + f"(?:{_DEFINING})", text) or re.search(opening, text))


def focus_share(question: str, sentence: str) -> float:
    """Share of the question's key terms (stemmed) that ``sentence`` holds."""
    terms = set(tokenize_query(question))
    return len(terms & set(tokenize([sentence])[0])) / len(terms) if terms else 0.0


def lead_score(question: str, sentence: ScoredSentence, passage: str = "") -> float:
    """The sentence's relevance plus what makes it a direct answer (see the module);
    ``passage`` is the text it comes from, which should hold the names the question asks about."""
    names = key_entities(question)
    named = sum(n.lower() in passage.lower() for n in names) / len(names) if names else 0.0
    term = defined_term(question)
    return (
        sentence.score
        + FORM_BONUS * answer_form(question, sentence.text)
        + DEFINITION_BONUS * bool(term and defines(sentence.text, term))
        + FOCUS_BONUS * focus_share(question, sentence.text)
        + NAME_BONUS * named
        - LEANING_PENALTY * leans_back(sentence.text)
    )


def choose_lead(
    question: str, candidates: list[ScoredSentence], passages: Sequence[str] = ()
) -> list[ScoredSentence]:
    """The one or two sentences that answer ``question`` most directly (best first), taken
    from those with the form of an answer and some of its key terms when there are any; the
    second only when it scores close to the first and comes from another passage.
    ``passages`` are the texts the candidates' ``doc_index`` points into."""
    answering = [
        s for s in candidates if answer_form(question, s.text) and focus_share(question, s.text) > 0
    ]

    def text_of(s: ScoredSentence) -> str:
        return passages[s.doc_index] if s.doc_index < len(passages) else ""

    ranked = sorted(
        (LeadScore(s, lead_score(question, s, text_of(s))) for s in answering or candidates),
        key=lambda x: -x.value,
    )
    if not ranked:
        return []
    first = ranked[0]
    second = next(
        (
            x
            for x in ranked[1:3]
            if x.sentence.doc_index != first.sentence.doc_index
            and x.value >= SECOND_LEAD * first.value
        ),
        None,
    )
    return [first.sentence] + ([second.sentence] if second else [])
