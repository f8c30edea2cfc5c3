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
from assistant.llm import load_prompt
from assistant.recommending import profile_lexicon as lex

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.index.embeddings import LocalEmbeddings

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
            return value not in self.institutions
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


def _hits(text: str, patterns: list[str], unless: re.Pattern[str] | None = None) -> list[str]:
    """Matched words, skipping matches whose preceding words match ``unless``."""
    found: list[str] = []
    for pattern in patterns:
        for m in _compile(pattern).finditer(text):
            if unless is None or not unless.search(text[max(0, m.start() - 40) : m.start()]):
                found.append(m.group(0))
    return list(dict.fromkeys(found))


def _match_table(
    text: str, table: dict[str, list[str]], unless: re.Pattern[str] | None = None
) -> dict[str, list[str]]:
    """Value -> matched words, for every value of a table that matched."""
    return {
        value: words
        for value, patterns in table.items()
        if (words := _hits(text, patterns, unless))
    }


NUMBER_WORDS = {
    "a dozen": 12,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "a hundred": 100,
    "hundreds of": 200,
}
FIRM_NOUNS = (
    r"(firms?|companies|enterprises|smes|businesses|producers|growers|smallholders|farmers|"
    r"workshops|manufacturers|suppliers|shoemakers|wineries|members|networks|artisans|makers)"
)
NUMBER = r"(\d{1,3}(?:[,.]\d{3})+|\d+|" + "|".join(NUMBER_WORDS) + r")"
FIRMS_RE = re.compile(rf"{NUMBER}\s+(?:[\w-]+\s+){{0,4}}?{FIRM_NOUNS}\b", re.IGNORECASE)
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


def _numbers(builder: _Builder) -> None:
    text = builder.text
    if count := _largest_firm_count(text):
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
    if m := PLACE_RE.search(text):
        builder.values["place"] = m.group(1).strip()
        builder.note("place", [m.group(0)])


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


def _embedding_problems(builder: _Builder, embeddings: LocalEmbeddings, threshold: float) -> None:
    """Add problems whose prototype statement is close to one of the description's sentences."""
    import numpy as np

    sentences = [s.strip() for s in re.split(r"(?<=[.;!?])\s+", builder.text) if len(s) > 20]
    if not sentences:
        return
    names = list(PROBLEM_STATEMENTS)
    protos = np.array(embeddings.embed_documents([PROBLEM_STATEMENTS[n] for n in names]))
    sents = np.array(embeddings.embed_documents(sentences))
    sims = sents @ protos.T
    problems = builder.values.setdefault("problems", [])
    for j, name in enumerate(names):
        i = int(sims[:, j].argmax())
        if sims[i, j] >= threshold and name not in problems:
            problems.append(name)
            builder.note(f"problems.{name}", [f"~ '{sentences[i][:80]}' ({sims[i, j]:.2f})"])


PROBLEM_STATEMENTS: dict[str, str] = {
    "no_cooperation": "The firms do not cooperate; each works alone and nothing is done jointly.",
    "low_trust": "The firms distrust each other and copy each other's products.",
    "fragmented_support": "Support programmes of different agencies are not coordinated.",
    "weak_institutions": "The business association is weak and lacks capacity and staff.",
    "market_access": "Producers sell at low prices to traders and lack access to better markets.",
    "export": "The firms want to export and reach foreign markets.",
    "branding": "There is no common brand or label for the region's products.",
    "buyer_power": "Powerful buyers dictate prices and terms to the small producers.",
    "finance": "Firms cannot get loans; banks demand collateral and high interest.",
    "skills": "Workers lack the skills the firms need; training is outdated.",
    "technology": "Firms lack modern technology, equipment and design capability.",
    "quality_standards": "Products do not meet the quality standards buyers require.",
    "innovation": "Firms do little research and development and few new products.",
    "infrastructure": "Poor roads, electricity and premises hold the firms back.",
    "regulation": "Regulation, permits and approvals are slow and costly.",
    "decline": "The industry is in decline; firms close and jobs are lost.",
    "lock_in": "The cluster is inward-looking and resists change.",
    "entrepreneurship": "Few new firms are started; young people leave the region.",
    "poverty_inclusion": "Poor households and women earn little from the cluster.",
    "environment": "The firms pollute the river and must meet environmental rules.",
}


# ----------------------------------------------------------------------------- public API


def parse_profile(
    text: str,
    llm: BaseChatModel | None = None,
    embeddings: LocalEmbeddings | None = None,
    similarity_threshold: float = 0.62,
    prompt_template: str | None = None,
) -> ClusterProfile:
    """Parse a free-text cluster description into a ``ClusterProfile``.

    Without ``llm`` only patterns (and, when ``embeddings`` is given, sentence similarity to
    problem statements) are used. With ``llm`` (a LangChain chat model supporting structured
    output) the model's reading fills fields the patterns left unknown (asked with
    ``prompt_template``, default ``prompts/profile.md``, where ``{description}`` stands for the
    text); if the call fails the
    pattern-based profile is returned.
    """
    builder = _Builder(" ".join(text.split()))
    _categories(builder)
    _trust(builder)
    _stage(builder)
    _numbers(builder)
    if embeddings is not None:
        _embedding_problems(builder, embeddings, similarity_threshold)
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
