"""A typed profile of a described cluster, parsed from free text.

``parse_profile(text)`` works without an LLM: word patterns
(``assistant.recommending.profile_lexicon``),
number patterns, and (optionally) embedding similarity of the description's sentences to short
problem statements. With a LangChain chat model (``llm=``) it asks for structured output and
merges it with what the patterns found. Fields nobody could infer stay ``None`` / empty, and
``evidence`` records which words led to which field.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from assistant.knowledge.catalog import CONDITIONS
from assistant.knowledge.places import find_place
from assistant.llm import load_prompt
from assistant.recommending import profile_lexicon as lex

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.recommending.meaning import ConditionMatcher

Development = Literal["developing", "emerging", "industrialised"]
Stage = Literal["latent", "emerging", "growing", "mature", "declining"]
Trust = Literal["low", "moderate", "high"]
Cooperation = Literal["none", "some", "strong"]


class ClusterProfile(BaseModel):
    """What is known about a cluster; every field unknown (None or empty) by default."""

    description: str = ""
    sector: str | None = None
    place: str | None = None
    development_level: Development | None = None
    lifecycle_stage: Stage | None = None
    n_firms: int | None = None
    firm_sizes: list[str] = Field(default_factory=list, description="micro, sme, lead_firms")
    lead_firms: bool | None = None
    fdi: bool | None = None
    trust: Trust | None = None
    cooperation: Cooperation | None = None
    institutions: list[str] = Field(default_factory=list)
    absent: list[str] = Field(
        default_factory=list, description="institutions the description says are missing"
    )
    problems: list[str] = Field(default_factory=list)
    goals: list[str] = Field(default_factory=list)
    proposals: list[str] = Field(default_factory=list, description="measures being considered")
    flags: list[str] = Field(default_factory=list)
    time_frame: str | None = None
    budget: str | None = None
    evidence: dict[str, list[str]] = Field(default_factory=dict)
    contradictions: list[str] = Field(default_factory=list)

    def holds(self, condition: str) -> bool | None:
        """Whether a ``field:value`` condition (``|`` = any of) holds; None when unknown."""
        results = [self._holds_one(part.strip()) for part in condition.split("|")]
        if any(r is True for r in results):
            return True
        if all(r is False for r in results):
            return False
        return None

    def _holds_one(self, condition: str) -> bool | None:
        field, _, value = condition.partition(":")
        single = {
            "development": self.development_level,
            "stage": self.lifecycle_stage,
            "trust": self.trust,
        }
        if field in single:
            return None if single[field] is None else single[field] == value
        if field == "firms":
            return value in self.firm_sizes if self.firm_sizes else None
        if field == "has":
            return value in self.institutions or None
        if field == "lacks":
            if value in self.absent:
                return True
            return False if value in self.institutions else None
        lists = {"problem": self.problems, "proposal": self.proposals, "flag": self.flags}
        return value in lists[field] or None

    def facts(self) -> list[str]:
        """Short human-readable statements of what is known."""
        out = []
        for label, value in (
            ("sector", self.sector),
            ("place", self.place),
            ("development level", self.development_level),
            ("life-cycle stage", self.lifecycle_stage),
            ("firms", self.n_firms),
            ("trust", self.trust),
            ("cooperation", self.cooperation),
            ("time frame", self.time_frame),
            ("budget", self.budget),
        ):
            if value is not None:
                out.append(f"{label}: {value}")
        for label, values in (
            ("firm sizes", self.firm_sizes),
            ("institutions", self.institutions),
            ("missing institutions", self.absent),
            ("problems", self.problems),
            ("proposals on the table", self.proposals),
            ("goals", self.goals),
        ):
            if values:
                out.append(f"{label}: {', '.join(values)}")
        return out


# ----------------------------------------------------------------------------- patterns


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?:{pattern})(?![\w])", re.IGNORECASE)


# Words just before a match that turn it around: "no association", "imports from China".
NEGATED = re.compile(
    r"\b(no|without|lacks?|lack of|absence of|not have|nor)\s+(?:[\w'-]+\s+){0,2}$", re.IGNORECASE
)
ELSEWHERE = re.compile(
    r"\b(from|to|into|than|like|versus|vs\.?|against)\s+(?:the\s+)?$", re.IGNORECASE
)


def _hits(
    text: str, patterns: list[str], unless: re.Pattern[str] | None = None, keep: bool = False
) -> list[str]:
    """Matched words, skipping matches whose preceding words match ``unless`` (with
    ``keep``, only those)."""
    found: list[str] = []
    for pattern in patterns:
        for m in _compile(pattern).finditer(text):
            before = text[max(0, m.start() - 40) : m.start()]
            if unless is None or bool(unless.search(before)) == keep:
                found.append(m.group(0))
    return list(dict.fromkeys(found))


def _match_table(
    text: str,
    table: dict[str, list[str]],
    unless: re.Pattern[str] | None = None,
    keep: bool = False,
) -> dict[str, list[str]]:
    """Value -> matched words, for every value of a table that matched."""
    return {
        value: words
        for value, patterns in table.items()
        if (words := _hits(text, patterns, unless, keep))
    }


# Numbers in words ("some four hundred") are turned into digits by ``number_parser`` first.
NUMBER_WORDS = {"a dozen": 12, "dozens of": 24, "a hundred": 100, "hundreds of": 200}
FIRM_NOUNS = (
    r"(firms?|companies|enterprises|smes|businesses|producers|growers|smallholders|farmers|"
    r"farms|workshops|manufacturers|suppliers|makers|wineries|members|artisans|weavers|"
    r"tanneries|units|mills|factories|plants|shops|yards|boatyards|studios|start-?ups|"
    r"hotels|guesthouses|restaurants|operators|processors|exporters|traders|cooperatives|"
    r"fishermen|fishers|potters|tailors|carpenters|jewellers|households|women|families|"
    r"labs|laboratories|agencies|vendors)"
)
NUMBER = r"(\d{1,3}(?:[,.]\d{3})+|\d+|" + "|".join(NUMBER_WORDS) + r")"
FIRMS_RE = re.compile(rf"{NUMBER}\+?\s+(?:[\w&'-]+\s+){{0,4}}?{FIRM_NOUNS}\b", re.IGNORECASE)
# "units with 10 to 40 workers", "each with 2 to 6 people", "most under 50 employees"
STAFF_RE = re.compile(
    r"(?:with|of|employing|employ|under|below|fewer than|less than|up to|each|most|mostly)\s+"
    r"(?:about |around |some |roughly |only |just |maybe )?(\d+)"
    r"(?:\s*(?:-|–|to)\s*(\d+))?\s+(?:[\w-]+\s+)?"
    r"(?:workers?|employees?|people|persons?|staff|hands|jobs)\b",
    re.IGNORECASE,
)
TIME_RE = re.compile(
    r"\b(?:we have|within|over|in the next|for the next|lasting|programme of|program of|"
    r"period of|horizon of|budget for)\s+(?:about |some |roughly )?"
    r"(\d+|one|two|three|four|five|six|seven|eight|ten)[- ](years?|months?)\b",
    re.IGNORECASE,
)
BUDGET_RE = re.compile(
    r"((?:US)?\$\s?[\d.,]+\s?(?:million|m|k|bn)?|(?:€|EUR|USD)\s?[\d.,]+\s?(?:million|m|k)?|"
    r"[\d.,]+\s?(?:million|thousand)\s(?:dollars|euros|usd|eur)|"
    r"(?:small|modest|large|limited|no|tight) budget|donor money|donor funding)",
    re.IGNORECASE,
)
PLACE_RE = re.compile(
    r"\b(?:in|of)\s+(?:(?:a|an|the)\s+)?((?:[\w'-]+\s){0,6}?(?:country|region|district|town|city|"
    r"valley|province|state|municipalit(?:y|ies)|economy))\b",
    re.IGNORECASE,
)
GOAL_RE = re.compile(
    r"\b(?:how (?:can|could|do|should) (?:we|they|the \w+)|(?:we|they|firms) (?:want|wish|hope|"
    r"would like|need) to|(?:aims?|goal is|objective is|in order) to|asks? how to)\s+"
    r"([^.?!;]{3,80})",
    re.IGNORECASE,
)
WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}


def _to_int(text: str) -> int | None:
    text = text.lower()
    if text in NUMBER_WORDS:
        return NUMBER_WORDS[text]
    digits = re.sub(r"[,.]", "", text)
    return int(digits) if digits.isdigit() else None


def _largest_firm_count(text: str) -> tuple[int, str] | None:
    best: tuple[int, str] | None = None
    for m in FIRMS_RE.finditer(text):
        value = _to_int(m.group(1))
        if value and 2 <= value <= 1_000_000 and (best is None or value > best[0]):
            best = (value, m.group(0))
    return best


class _Builder:
    """Collects field values with the words that led to them."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.values: dict[str, Any] = {"description": text}
        self.evidence: dict[str, list[str]] = {}
        self.contradictions: list[str] = []

    def note(self, field: str, words: list[str]) -> None:
        self.evidence.setdefault(field, [])
        self.evidence[field] += [w for w in words if w not in self.evidence[field]]

    def single(self, field: str, found: dict[str, list[str]], order: list[str]) -> None:
        """Choose one value; several distinct candidates are recorded as a contradiction."""
        if not found:
            return
        chosen = next(v for v in order if v in found)
        self.values[field] = chosen
        self.note(field, found[chosen])
        others = [v for v in found if v != chosen]
        if others:
            detail = "; ".join(f"{v} ({', '.join(found[v][:3])})" for v in [chosen, *others])
            self.contradictions.append(f"{field}: {detail}")

    def many(self, field: str, found: dict[str, list[str]]) -> None:
        if found:
            self.values[field] = list(found)
            for value, words in found.items():
                self.note(f"{field}.{value}", words)


def _trust(builder: _Builder) -> None:
    text = builder.text
    explicit = _match_table(text, lex.TRUST_EXPLICIT)
    if explicit:
        builder.single("trust", explicit, ["low", "moderate", "high"])
        return
    signals = _match_table(text, lex.TRUST_SIGNALS)
    if signals:
        # Signals of distrust outweigh signals of familiarity (Meyer-Stamer's obstacles).
        builder.single("trust", signals, ["low", "moderate", "high"])


def _stage(builder: _Builder) -> None:
    found = _match_table(builder.text, lex.STAGE)
    if "declining" in found and "growing" in found:
        builder.contradictions.append(
            f"lifecycle_stage: declining ({', '.join(found['declining'][:2])}) and growing "
            f"({', '.join(found['growing'][:2])})"
        )
    if found:
        order = ["declining", "mature", "growing", "emerging", "latent"]
        chosen = next(v for v in order if v in found)
        builder.values["lifecycle_stage"] = chosen
        builder.note("lifecycle_stage", found[chosen])


def _firm_size(staff: int) -> str:
    """Size class by employees (the EU's definition: micro < 10, SME < 250)."""
    return "micro" if staff < 10 else "sme" if staff < 250 else "lead_firms"


def _staff_sizes(builder: _Builder, text: str) -> None:
    """Firm sizes from employee counts; they override sizes read from words."""
    sizes: dict[str, list[str]] = {}
    for m in STAFF_RE.finditer(text):
        sizes.setdefault(_firm_size(int(m.group(2) or m.group(1))), []).append(m.group(0))
    if not sizes:
        return
    words = [s for s in builder.values.get("firm_sizes", []) if s == "lead_firms"]
    builder.values["firm_sizes"] = list(dict.fromkeys([*sizes, *words]))
    for size, found in sizes.items():
        builder.note(f"firm_sizes.{size}", found)


def _place(builder: _Builder) -> None:
    """Country or region from the gazetteer; its level unless the text states one."""
    place = find_place(builder.text)
    if place is None:
        return
    builder.values["place"] = place.name
    builder.note("place", [place.words])
    if builder.values.get("development_level") is None and place.development_level:
        builder.values["development_level"] = place.development_level
        named = place.words if place.words.lower() == place.name.lower() else None
        builder.note("development_level", [named or f"{place.words} ({place.name})"])


def _numbers(builder: _Builder) -> None:
    digits, text = _digits(builder.text), builder.text
    _staff_sizes(builder, digits)
    if count := _largest_firm_count(digits):
        builder.values["n_firms"] = count[0]
        builder.note("n_firms", [count[1]])
    if m := TIME_RE.search(text):
        builder.values["time_frame"] = m.group(0)
        builder.note("time_frame", [m.group(0)])
    if m := BUDGET_RE.search(text):
        builder.values["budget"] = m.group(0)
        builder.note("budget", [m.group(0)])
    goals = [m.group(1).strip() for m in GOAL_RE.finditer(text)]
    if goals:
        builder.values["goals"] = goals
        builder.note("goals", [m.group(0) for m in GOAL_RE.finditer(text)])
    if "place" not in builder.values and (m := PLACE_RE.search(text)):
        builder.values["place"] = m.group(1).strip()
        builder.note("place", [m.group(0)])


def _digits(text: str) -> str:
    """The text with numbers in words as digits ("some four hundred" -> "some 400")."""
    from number_parser import parse

    try:
        return str(parse(text))
    except Exception:  # the parser is a convenience: any failure keeps the text as it is
        return text


def _categories(builder: _Builder) -> None:
    text = builder.text
    dev = _match_table(text, lex.DEVELOPMENT, ELSEWHERE) or _match_table(
        text, lex.DEVELOPMENT_HINTS
    )
    # An explicit income/development phrase beats a country or region name.
    builder.single("development_level", dev, _dev_order(dev))
    builder.single("cooperation", _match_table(text, lex.COOPERATION), ["none", "some", "strong"])
    sectors = _match_table(text, lex.SECTORS)
    if sectors:
        builder.values["sector"] = ", ".join(sectors)
        for name, words in sectors.items():
            builder.note(f"sector.{name}", words)
    builder.many("firm_sizes", _match_table(text, lex.FIRMS))
    builder.many("institutions", _match_table(text, lex.INSTITUTIONS, NEGATED))
    denied = _match_table(text, lex.INSTITUTIONS, NEGATED, keep=True)
    present = builder.values.get("institutions", [])
    builder.many("absent", {v: w for v, w in denied.items() if v not in present})
    builder.many("problems", _match_table(text, lex.PROBLEMS))
    builder.many("proposals", _match_table(text, lex.PROPOSALS))
    builder.many("flags", _match_table(text, lex.FLAGS))
    sizes = builder.values.get("firm_sizes", [])
    if "lead_firms" in sizes:
        builder.values["lead_firms"] = True
    flags = builder.values.get("flags", [])
    if "fdi" in flags:
        builder.values["fdi"] = True


def _dev_order(found: dict[str, list[str]]) -> list[str]:
    explicit = re.compile(r"income|developing|developed|industriali|emerging|transition|least")
    strong = [v for v, words in found.items() if any(explicit.search(w.lower()) for w in words)]
    rest = [v for v in ("developing", "emerging", "industrialised") if v not in strong]
    return strong + rest


def _derive(builder: _Builder) -> None:
    """Problems implied by other fields (recorded with the field they come from)."""
    values = builder.values
    problems: list[str] = values.setdefault("problems", [])

    def add(problem: str, because: str) -> None:
        if problem not in problems:
            problems.append(problem)
            builder.note(f"problems.{problem}", [because])

    if values.get("trust") == "low":
        add("low_trust", "trust: low")
    if values.get("cooperation") == "none":
        add("no_cooperation", "cooperation: none")
    if values.get("lifecycle_stage") == "declining":
        add("decline", "lifecycle_stage: declining")
    if "small_country" in values.get("flags", []):
        add("small_market", "flag: small_country")
    if "national_programme" in values.get("flags", []):
        add("programme_design", "flag: national_programme")


def _meaning(builder: _Builder, matcher: ConditionMatcher) -> None:
    """Conditions read by meaning from the description's clauses (``meaning.py``)."""
    values = builder.values
    for match in matcher.match(builder.text):
        field, _, value = match.condition.partition(":")
        words = [f"~ {match.clause}"]
        if field in ("trust", "stage"):
            key = {"trust": "trust", "stage": "lifecycle_stage"}[field]
            if values.get(key) is None:
                values[key] = value
                builder.note(key, words)
            continue
        key = {"problem": "problems", "flag": "flags", "lacks": "absent"}[field]
        present = values.setdefault(key, [])
        named = field == "lacks" and value in values.get("institutions", [])
        if value not in present and not named:
            present.append(value)
            builder.note(f"{key}.{value}", words)


# ----------------------------------------------------------------------------- public API


def parse_profile(
    text: str,
    llm: BaseChatModel | None = None,
    matcher: ConditionMatcher | None = None,
    prompt_template: str | None = None,
) -> ClusterProfile:
    """Parse a free-text cluster description into a ``ClusterProfile``.

    Without ``llm`` only patterns, numbers, the gazetteer and (when ``matcher`` is given)
    conditions read by meaning from the description's clauses are used. With ``llm`` (a
    LangChain chat model supporting structured output) the model's reading fills fields the
    patterns left unknown (asked with ``prompt_template``, default ``prompts/profile.md``,
    where ``{description}`` stands for the text); if the call fails the pattern-based profile
    is returned.
    """
    builder = _Builder(" ".join(text.split()))
    _categories(builder)
    _place(builder)
    _trust(builder)
    _stage(builder)
    _numbers(builder)
    if matcher is not None:
        _meaning(builder, matcher)
    _derive(builder)
    profile = ClusterProfile(
        **builder.values, evidence=builder.evidence, contradictions=builder.contradictions
    )
    if llm is not None:
        profile = _merge_llm(profile, llm, prompt_template or load_prompt(None, "profile.md"))
    return profile


class _LLMProfile(BaseModel):
    """Structured output asked of the LLM (values restricted to the catalog vocabulary)."""

    sector: str | None = None
    place: str | None = None
    development_level: Development | None = None
    lifecycle_stage: Stage | None = None
    n_firms: int | None = None
    trust: Trust | None = None
    cooperation: Cooperation | None = None
    institutions: list[str] = Field(default_factory=list, description=str(CONDITIONS["has"]))
    problems: list[str] = Field(default_factory=list, description=str(CONDITIONS["problem"]))
    proposals: list[str] = Field(default_factory=list, description=str(CONDITIONS["proposal"]))
    goals: list[str] = Field(default_factory=list)
    time_frame: str | None = None
    budget: str | None = None


def _merge_llm(profile: ClusterProfile, llm: BaseChatModel, template: str) -> ClusterProfile:
    try:
        reading = llm.with_structured_output(_LLMProfile).invoke(
            template.replace("{description}", profile.description)
        )
    except Exception:  # the LLM is optional: any failure keeps the pattern-based profile
        return profile
    if not isinstance(reading, _LLMProfile):
        return profile
    data = profile.model_dump()
    evidence = dict(profile.evidence)
    for field, value in reading.model_dump().items():
        if field in ("institutions", "problems", "proposals"):
            allowed = CONDITIONS[{"institutions": "has"}.get(field, field[:-1])]
            extra = [v for v in value if v in allowed and v not in data[field]]
            data[field] = data[field] + extra
            for v in extra:
                evidence[f"{field}.{v}"] = ["(LLM reading)"]
        elif value not in (None, [], "") and data.get(field) in (None, [], ""):
            data[field] = value
            evidence[field] = ["(LLM reading)"]
    data["evidence"] = evidence
    return ClusterProfile(**data)
