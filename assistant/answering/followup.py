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


NEW_TOPIC = re.compile(
    r"^\W*(?:(?:ok|okay|now|right)[,.]?\s+)?(?:(?:a\s+)?(?:different|unrelated|new|another|"
    r"separate|other)\s+(?:question|topic|subject)|(?:switching|changing|change of)\s+(?:the\s+)?"
    r"(?:subject|topic)|on another note)\s*[:;,.\-–—]*\s*",
    re.I,
)
OPENER = re.compile(r"^\W*(?:(?:ok|okay|so|and|but|also|then|well)\b[,.]?\s*)+", re.I)
ELLIPTIC = re.compile(r"^\W*(what about|how about|for|in|about|on|with|at|regarding)\b", re.I)
YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
PRONOUN = re.compile(r"\b(it|they|them|that|this)\b(?!\s+(?:is|was)\s+(?:why|how|what))", re.I)
POSSESSIVE = re.compile(r"\b(its|their)\b", re.I)
THERE = re.compile(r"\bthere\b(?!\s+(?:is|are|was|were|be|been)\b)", re.I)
DETERMINED = re.compile(r"\b(the|that|this|those|these|such)\s+([a-z][\w-]*)", re.I)
PLACES = {"town", "city", "region", "country", "area", "district", "province", "state", "place"}
PLURAL_PRONOUNS = {"they", "them", "their"}
# Words that end a noun phrase: question words, auxiliaries, pronouns, prepositions other than
# "of", conjunctions, and the verbs common in questions.
BREAKER_WORDS = """
    it its they them their this that these those there to on at by with from into about for
    after before during between once or and but if than up down out over not has have had been
    be being will may might must shall say says said mean means tell me us you help helps make
    makes made use uses used run runs ran rely deal choose chose lead led set provide provides
    work works introduce measure lose lost trying try achieve think face happen happens pay pays
    paid finance fund support promote build create get take taken give show explain improve
    deliver become became turn come comes gain gains involve need start begin recommend suggest
    describe describes define stand pioneer ends end win else doing anywhere most more some any
    many much each every all other such same own so very also just only now then earlier later
    still produce hit cost costs consist offer learn teach grow fall rise want expect play
    matter matters exist succeed fail decline last reach serve join cover include affect reduce
    increase attract benefit emerge decide develop manage operate establish link like really
    usually one suit didn't doesn't don't isn't wasn't weren't aren't can't couldn't won't
    wouldn't shouldn't hasn't haven't"""
BREAKERS = QUESTION_WORDS | set(re.findall(r"\S+", BREAKER_WORDS))
VERB_ENDING = re.compile(r"^[a-z]{3,}(?<!e)ed$|^[a-z]{4,}ied$")
ARTICLES = {"the", "a", "an"}
JOINERS = {"of", "in", ","}
WH_PHRASE = re.compile(r"^\W*(which|what)\s+(?!is\b|are\b|was\b|were\b|did\b|does\b|do\b)", re.I)
FRAMED = re.compile(
    r"^\W*(?:what|who|which)\s+(?:is|are|was|were)\s+|^\W*tell me about\s+|\babout\s+", re.I
)
NAME_WEIGHT = 0.5  # a capitalised word counts this much more than another word
WH_BONUS = {"which": 2.5, "what": 1.0}  # what 'which X…' asks for is what a follow-up's 'it' is
FRAME_BONUS = 1.5  # the thing a 'what is X' / 'tell me about X' question is about
NUMBER_BONUS = 0.5  # 'it' fits a singular phrase, 'they' a plural one


def new_topic(question: str) -> str | None:
    """The question without a 'Different question:' / 'New topic -' marker, if it has one."""
    match = NEW_TOPIC.match(question)
    return (question[match.end() :].strip() or None) if match else None


def _tokens(text: str) -> list[tuple[str, int]]:
    return [(m.group(0), m.start()) for m in re.finditer(r"[\w'’-]+|[^\w\s]", text)]


def _breaks(word: str) -> bool:
    low = word.lower().strip("'’")
    return not word[:1].isalnum() or low in BREAKERS or bool(VERB_ENDING.match(word))


def _runs(text: str) -> list[tuple[list[str], int]]:
    """Maximal runs of phrase words with their start offsets; 'of', 'in' before a name and a
    comma before another phrase word join two runs."""
    tokens = _tokens(text)
    runs: list[tuple[list[str], int]] = []
    run: list[str] = []
    start = 0
    for i, (word, at) in enumerate(tokens):
        nxt = tokens[i + 1][0] if i + 1 < len(tokens) else ""
        low = word.lower()
        joins = bool(run) and low in JOINERS and nxt and not _breaks(nxt)
        joins = joins and (low != "in" or nxt[:1].isupper())
        if joins or (low in ARTICLES and not run) or not _breaks(word):
            start = at if not run else start
            run.append(word)
        elif run:
            runs.append((run, start))
            run = []
    if run:
        runs.append((run, start))
    return [(_trim(r), at) for r, at in runs if _trim(r)]


def _trim(run: list[str]) -> list[str]:
    words = list(run)
    while words and words[-1].lower() in ARTICLES | JOINERS:
        words.pop()
    return words


def noun_phrases(text: str) -> list[tuple[str, float]]:
    """Noun phrases of ``text`` with a weight: their words, names a little more, and a bonus
    for what a 'which X' question asks for or a 'what is X' question is about."""
    wh = WH_PHRASE.match(text)
    framed = FRAMED.search(text)
    phrases = []
    for words, at in _runs(text):
        content = [w for w in words if w.lower() not in ARTICLES | JOINERS]
        names = sum(w[:1].isupper() for w in content[1:] if at == 0) + sum(
            w[:1].isupper() for w in content if at > 0
        )
        weight = len(content) + NAME_WEIGHT * names
        weight += WH_BONUS[wh.group(1).lower()] if wh and at == wh.end() else 0.0
        weight += FRAME_BONUS * bool(framed and at == framed.end())
        phrase = " ".join(words).replace(" ,", ",")
        if content:
            phrases.append((phrase, weight))
    return sorted(phrases, key=lambda pw: -pw[1])


def _plural(phrase: str) -> bool:
    head = re.sub(r"\s+(of|in)\s.*$", "", phrase).split()[-1]
    return head.endswith("s") and not head.endswith("ss") and not head[:1].isupper()


def pick(phrases: list[tuple[str, float]], plural: bool | None, taken: set[str]) -> str | None:
    """The heaviest phrase not yet ``taken``, preferring the pronoun's number."""
    free = [(p, w) for p, w in phrases if p not in taken]
    fit = [(p, w + NUMBER_BONUS * (plural is None or _plural(p) == plural)) for p, w in free]
    return max(fit, key=lambda pw: pw[1])[0] if fit else None


def places(text: str) -> list[str]:
    """The names in ``text`` that follow 'in', 'of', 'at' or a comma: places, most likely."""
    found = [
        m.group(1) for m in re.finditer(r"(?:\bin|\bof|\bat|,)\s+((?:[A-Z][\w'’-]+\s?)+)", text)
    ]
    names = [n.strip() for n in found if n.strip().lower() not in QUESTION_WORDS]
    return list(dict.fromkeys(names))


def resolve(question: str, previous: str) -> str:
    """``question`` made self-contained with ``previous``, the previous turn's query: a
    pronoun, 'that X' or 'the town' is replaced by the entity it refers to, 'there' by the
    place; an elliptical question ('and in 1996?', 'and for X?') becomes the previous question
    about the new year or name. Names of the previous turn the result lacks are added in
    brackets, as its topic."""
    body = OPENER.sub("", question).strip() or question.strip()
    short = len(tokenize([body])[0]) <= 2 or (ELLIPTIC.match(body) and len(body.split()) <= 6)
    if short and not PRONOUN.search(body) and not POSSESSIVE.search(body):
        return _ellipsis(body, previous)
    body = _instead(_references(body, previous), previous)
    body = body[:1].upper() + body[1:]
    names = key_entities(previous)
    if names and not key_entities(body) and not any(n.lower() in body.lower() for n in names):
        body = f"{body.rstrip()} ({', '.join(names[:3])})"
    return body


INSTEAD = re.compile(r"\b(instead|rather)\b(?!\s+(of|than)\b)(?=\s*[?.!]*\s*$)", re.I)


def _instead(body: str, previous: str) -> str:
    """'What could they do instead?' → '… instead of <what the previous turn was about>': the
    heaviest phrase of ``previous`` that is no name and that ``body`` does not hold already."""
    match = INSTEAD.search(body)
    if not match:
        return body
    names = {n.lower() for n in key_entities(previous)}
    held = body.lower()
    phrases = [
        (p, w)
        for p, w in noun_phrases(previous)
        if p.lower() not in names and p.lower() not in held
    ]
    topic = pick(phrases, None, set())
    if not topic:
        return body
    joiner = "of" if match.group(1).lower() == "instead" else "than"
    return f"{body[: match.end()]} {joiner} {topic}{body[match.end() :]}"


def _references(body: str, previous: str) -> str:
    """``body`` with its references to ``previous`` replaced (see ``resolve``)."""
    phrases = noun_phrases(previous)
    taken: set[str] = set()
    body = _determined(body, previous, phrases, taken)
    for match in list(PRONOUN.finditer(body))[::-1]:
        if not _refers_back(body, match):
            continue
        entity = pick(phrases, match.group(1).lower() in PLURAL_PRONOUNS, taken)
        if entity:
            taken.add(entity)
            body = body[: match.start()] + _with_article(entity) + body[match.end() :]
    return _possessive_and_place(body, previous, phrases, taken)


SUBJECTS = {"it", "they", "the", "a", "an", "this", "that", "these", "those", "we", "there"}


def _refers_back(body: str, match: re.Match[str]) -> bool:
    """Whether the pronoun ``match`` points at the previous turn: not 'that' introducing a
    clause ('show that it …') or a noun ('that initiative'), and not an 'it' whose noun comes
    earlier in the same question ('which agency …, and what else does it provide?')."""
    word = match.group(1).lower()
    if word in {"that", "this"}:
        following = _next_word(body, match.end())
        return _breaks(following) and following.lower() not in SUBJECTS
    if word != "it":
        return True
    earlier = noun_phrases(body[: match.start()])
    return not any(not _plural(p) and (w >= 2 or p.lower().startswith("the ")) for p, w in earlier)


def _with_article(phrase: str) -> str:
    """'the evaluation framework' for a common-noun phrase; names as they are."""
    first = phrase.split()[0]
    if first[:1].isupper() or first.lower() in ARTICLES or "'" in first or "’" in first:
        return phrase
    return f"the {phrase}"


def _next_word(text: str, at: int) -> str:
    match = re.match(r"\s*([\w'’-]+|[^\w\s]|$)", text[at:])
    return match.group(1) if match else ""


def _determined(body: str, previous: str, phrases: list[tuple[str, float]], taken: set[str]) -> str:
    """'the town' → the place; 'such countries' / 'that initiative' / 'the initiative' → the
    previous phrase with that head ('developing countries', 'the cluster initiative')."""
    for match in list(DETERMINED.finditer(body))[::-1]:
        det, noun = match.group(1).lower(), match.group(2).lower()
        if _breaks(noun):
            continue
        stem = tokenize([noun])[0]
        same = [p for p, _ in phrases if stem and tokenize([p.split()[-1]])[0] == stem]
        where = places(previous)
        if noun in PLACES and where:
            new = where[0]
        elif same and same[0].lower() != f"{det} {noun}":
            new = same[0] if det == "such" else _with_article(same[0])
        elif det != "the":
            new = f"the {match.group(2)}"
        else:
            continue
        taken.add(new)
        body = body[: match.start()] + new + body[match.end() :]
    return body


def _possessive_and_place(
    body: str, previous: str, phrases: list[tuple[str, float]], taken: set[str]
) -> str:
    """'its growth target' → 'the growth target of X'; 'there' → 'in <place>'."""
    possessive = POSSESSIVE.search(body)
    entity = possessive and pick(phrases, possessive.group(1).lower() == "their", taken)
    if possessive and entity:
        rest = body[possessive.end() :]
        owned = _runs(rest)
        if owned and rest[: owned[0][1]].strip() == "":
            words = owned[0][0]
            noun_end = rest.index(words[-1], owned[0][1]) + len(words[-1])
            thing = rest[owned[0][1] : noun_end]
            body = f"{body[: possessive.start()]}the {thing} of {_with_article(entity)}"
            body += rest[noun_end:]
    there = THERE.search(body)
    where = places(previous)
    if there and where:
        body = body[: there.start()] + f"in {where[0]}" + body[there.end() :]
    return body


def _ellipsis(body: str, previous: str) -> str:
    """'and in 1996?' after '… in 2002?' → '… in 1996?'; 'and for X?' → the previous question
    with X in place of the phrase that shares a word with X (or of its first name)."""
    year = YEAR.search(body)
    if year and YEAR.search(previous):
        return YEAR.sub(year.group(0), previous, count=1)
    new = re.sub(ELLIPTIC.pattern + r"\s*", "", body, count=1, flags=re.I)
    new = re.sub(r"^(the|a|an)\s+", "", new.strip(" ?.!"), flags=re.I)
    if not new:
        return previous
    stems = set(tokenize([new])[0])
    shared = [p for p, _ in noun_phrases(previous) if stems & set(tokenize([p])[0])]
    names = key_entities(previous)
    old = shared[0] if shared else (names[0] if names and new[:1].isupper() else None)
    if old:
        return previous.replace(old, new, 1)
    runs = _runs(previous)
    if not runs:
        return f"{previous.rstrip(' ?')}: {new}?"
    subject = re.sub(r"^(the|a|an)\s+", "", " ".join(runs[0][0]), flags=re.I)
    return f"What about {new} for {_with_article(subject)}?"


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
    fresh = new_topic(question)
    if fresh:
        return fresh
    if not history or not is_followup(question):
        return None
    if chat_model is not None and template:
        rewritten = condense(question, history, chat_model, template)
        if rewritten:
            return rewritten
    previous = history[-1].rewritten_query or history[-1].question
    rewritten = resolve(question, previous)
    return rewritten if rewritten != question else None
