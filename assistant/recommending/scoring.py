"""Scoring instruments, pitfalls and cases against a ``ClusterProfile``.

The rules are general, taken from the documents' frameworks rather than from any example:
problems an instrument addresses (its ``fit.addresses``), fit conditions (development level,
life-cycle stage, trust, firm structure), situations that make it more pressing
(``fit.boost_when``), prerequisites, and conflicts that rule it out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

from assistant.knowledge.catalog import PHASES, Case, Catalog, Conflict, Instrument, Pitfall
from assistant.recommending.profile import ClusterProfile, parse_profile

# Weight of a matched problem by its place in the instrument's ``addresses`` list: the first
# is what the instrument is for, later ones are side benefits.
PROBLEM_WEIGHTS = (3.0, 2.0, 1.5)
MAX_PROBLEMS = 3
# A problem already answered by a higher-ranked instrument counts this much less again.
COVERED_DECAY = 0.75
BOOST_WEIGHT = 1.5
FIT_MATCH = 0.5
FIT_MISMATCH = -2.5
PREREQ_MISSING = -3.0
PREREQ_UNKNOWN = -1.0
PRACTICE_WEIGHT = 0.25
# A need the documents state for most clusters of a kind (``fit.common_need``): full weight
# when the profile shows the kind, half when it does not say.
COMMON_NEED_WEIGHT = 3.0
# Warned against in this situation, on one word of evidence: held back, not ruled out.
CONFLICT_PENALTY = -4.0
CONFLICT_EVIDENCE = 2
# Cosine similarity of the description to the instrument's own description (a tie-breaker).
SIMILARITY_WEIGHT = 3.5

DIMENSIONS = (
    ("development_level", "development_level", "development level"),
    ("lifecycle_stage", "lifecycle_stage", "life-cycle stage"),
    ("trust_level", "trust", "trust"),
)


PHRASES = {
    "development": "a {} economy",
    "stage": "a {} cluster",
    "trust": "{} trust among firms",
    "firms": "{} firms present",
    "has": "an existing {}",
    "lacks": "no {} mentioned yet",
    "problem": "{}",
    "proposal": "the proposal on the table ({})",
    "flag": "{}",
}
FLAG_PHRASES = {
    "donor_funded": "donor funding",
    "national_programme": "a programme for many clusters",
    "small_country": "a small country",
    "public_willing": "public actors willing to help",
    "fdi": "foreign investors present",
    "high_tech": "a high-tech sector",
    "crisis": "a crisis",
}


PROBLEM_PHRASES = {
    "no_cooperation": "little cooperation among firms",
    "low_trust": "low trust among firms",
    "fragmented_support": "uncoordinated support programmes",
    "weak_institutions": "weak local institutions",
    "no_strategy": "no shared strategy yet",
    "information_gap": "missing market or technology information",
    "market_access": "poor market access",
    "export": "export ambitions or barriers",
    "branding": "no common brand or image",
    "buyer_power": "dependence on powerful buyers",
    "supplier_linkages": "weak supplier linkages with larger firms",
    "finance": "poor access to credit",
    "risk_capital": "lack of risk capital",
    "skills": "skills gaps",
    "technology": "technology or design gaps",
    "quality_standards": "quality and standards requirements",
    "innovation": "innovation needs",
    "input_costs": "costly or hard-to-source inputs",
    "infrastructure": "infrastructure needs",
    "regulation": "regulatory obstacles",
    "public_demand": "public customers buying on price",
    "decline": "decline of the cluster",
    "lock_in": "lock-in and inward orientation",
    "entrepreneurship": "the need for new firms",
    "poverty_inclusion": "poverty and inclusion concerns",
    "environment": "environmental problems",
    "small_market": "a small home market",
    "investment_gap": "gaps to fill by investment",
    "monitoring": "the need to show results",
    "talent": "loss or shortage of talent",
    "diversification": "diversification into new markets",
    "programme_design": "designing a programme for many clusters",
}


def _label(condition: str) -> str:
    """A condition in words: 'has:university' -> 'an existing university'."""
    parts = []
    for part in condition.split("|"):
        field_name, _, value = part.partition(":")
        if field_name == "flag":
            value = FLAG_PHRASES.get(value, value)
        elif field_name == "problem":
            value = PROBLEM_PHRASES.get(value, value)
        parts.append(PHRASES[field_name].format(value.replace("_", " ")))
    return " or ".join(parts)


def _words(profile: ClusterProfile, key: str) -> str:
    words = profile.evidence.get(key, [])
    return f" ('{words[0]}')" if words else ""


@dataclass
class Score:
    """An instrument's score for a profile, with the reasons behind it."""

    instrument: Instrument
    base: float = 0.0
    problems: dict[str, float] = field(default_factory=dict)
    value: float = 0.0
    facts: list[str] = field(default_factory=list)
    cautions: list[str] = field(default_factory=list)
    blocked: Conflict | None = None
    against: list[str] = field(default_factory=list)  # the facts that held it back

    def add(self, value: float, fact: str | None = None, caution: str | None = None) -> None:
        self.base += value
        self.value += value
        if fact and fact not in self.facts:  # a problem it addresses may also be a boost
            self.facts.append(fact)
        if caution:
            self.cautions.append(caution)
            if value < 0:
                self.against.append(caution)

    def with_coverage(self, covered: dict[str, int]) -> float:
        """Score when some problems are already answered by instruments ranked above."""
        return self.base + sum(
            w * COVERED_DECAY ** covered.get(p, 0) for p, w in self.problems.items()
        )

    def rationale(self, profile: ClusterProfile) -> str:
        if not self.facts:
            text = (
                f"A general {PHASES[self.instrument.phase].split('. ')[-1].lower()} step; "
                "the description gives no specific signal for it."
            )
        else:
            text = "Recommended because of " + "; ".join(self.facts) + "."
        if self.against:
            text += " Held back because " + "; ".join(a.rstrip(".") for a in self.against) + "."
        return text


def _problems(score: Score, profile: ClusterProfile) -> None:
    addresses = score.instrument.fit.addresses
    matched = [(n, p) for n, p in enumerate(addresses) if p in profile.problems]
    for n, problem in matched[:MAX_PROBLEMS]:
        weight = PROBLEM_WEIGHTS[min(n, len(PROBLEM_WEIGHTS) - 1)]
        score.problems[problem] = weight
        score.value += weight
        words = _words(profile, f"problems.{problem}")
        score.facts.append(f"{_label('problem:' + problem)}{words}")


def _fit(score: Score, profile: ClusterProfile) -> None:
    fit = score.instrument.fit
    for fit_field, profile_field, label in DIMENSIONS:
        allowed = getattr(fit, fit_field)
        value = getattr(profile, profile_field)
        if not allowed or value is None:
            continue
        if value in allowed:
            score.add(FIT_MATCH)
        else:
            score.add(
                FIT_MISMATCH,
                caution=f"the documents place it where {label} is {', '.join(allowed)}; "
                f"this cluster's {label} is {value}",
            )
    if fit.firm_structure and profile.firm_sizes:
        if set(fit.firm_structure) & set(profile.firm_sizes):
            score.add(FIT_MATCH)
        else:
            score.add(FIT_MISMATCH / 2, caution=f"suited to {', '.join(fit.firm_structure)} firms")


def _boosts(score: Score, profile: ClusterProfile) -> None:
    for condition in score.instrument.fit.boost_when:
        if profile.holds(condition):
            words = _words(profile, _evidence_key(condition, profile))
            score.add(BOOST_WEIGHT, f"{_label(condition)}{words}")


def _evidence_key(condition: str, profile: ClusterProfile) -> str:
    for part in condition.split("|"):
        field_name, _, value = part.partition(":")
        key = {
            "development": "development_level",
            "stage": "lifecycle_stage",
            "trust": "trust",
        }.get(field_name)
        if key and profile.holds(part):
            return key
        plural = {
            "has": "institutions",
            "proposal": "proposals",
            "flag": "flags",
            "problem": "problems",
            "firms": "firm_sizes",
        }.get(field_name)
        if plural and profile.holds(part):
            return f"{plural}.{value}"
    return ""


def _prerequisites(score: Score, profile: ClusterProfile) -> None:
    for condition in score.instrument.fit.prerequisites:
        held = profile.holds(condition)
        if held is False:
            score.add(PREREQ_MISSING, caution=f"prerequisite missing: {_label(condition)}")
        elif held is None:
            score.add(PREREQ_UNKNOWN, caution=f"check the prerequisite: {_label(condition)}")


def _common_need(score: Score, profile: ClusterProfile) -> None:
    held = [profile.holds(c) for c in score.instrument.fit.common_need]
    if any(h is True for h in held):
        score.add(COMMON_NEED_WEIGHT, "a need the documents see in most clusters of this kind")
    elif held and all(h is None for h in held):
        score.add(COMMON_NEED_WEIGHT / 2)


def _conflicts(score: Score, profile: ClusterProfile) -> None:
    """Ruled out when the situation the documents warn about is well attested; held back
    with a caution when a single word suggests it."""
    for conflict in score.instrument.conflicts:
        if not all(profile.holds(c) for c in conflict.when):
            continue
        keys = [_evidence_key(c, profile) for c in conflict.when]
        support = sum(len(profile.evidence.get(key, [])) for key in keys)
        if support >= CONFLICT_EVIDENCE:
            score.blocked = conflict
            return
        score.add(CONFLICT_PENALTY, caution=f"the documents warn: {conflict.reason}")


def score_instrument(
    ins: Instrument, profile: ClusterProfile, practice: int = 0, similarity: float = 0.0
) -> Score:
    """Score one instrument: problems addressed, fit, boosts, prerequisites, conflicts.

    ``practice`` is the number of documented cases that used the instrument (a small prior);
    ``similarity`` the cosine similarity of the description to the instrument's description.
    """
    score = Score(ins)
    _problems(score, profile)
    if practice:
        score.add(PRACTICE_WEIGHT * math.log2(1 + practice))
    score.add(SIMILARITY_WEIGHT * similarity)
    _fit(score, profile)
    _boosts(score, profile)
    _prerequisites(score, profile)
    _common_need(score, profile)
    _conflicts(score, profile)
    score.cautions += ins.cautions[:2]
    return score


def order(scores: list[Score]) -> list[Score]:
    """Rank greedily so that each problem of the profile gets an answer before repeats.

    Blocked instruments go last. Each step takes the instrument with the best score given
    the problems already answered by those ranked above it.
    """
    pool = [s for s in scores if s.blocked is None]
    ranked: list[Score] = []
    covered: dict[str, int] = {}
    while pool:
        best = max(pool, key=lambda s: (s.with_coverage(covered), s.value))
        pool.remove(best)
        ranked.append(best)
        for problem in best.problems:
            covered[problem] = covered.get(problem, 0) + 1
    return ranked + [s for s in scores if s.blocked is not None]


def _specificity(group: list[str]) -> int:
    """Conditions naming a proposal on the table weigh most, then flags, then the rest."""
    return sum(
        10 if c.startswith("proposal:") else 3 if c.startswith("flag:") else 1 for c in group
    )


def triggered_pitfalls(
    pitfalls: list[Pitfall], profile: ClusterProfile
) -> list[tuple[Pitfall, list[str]]]:
    """Pitfalls whose conditions hold, most specific first (a proposal on the table first)."""
    found = []
    for pit in pitfalls:
        matched = [g for g in pit.when if all(profile.holds(c) for c in g)]
        if matched:
            group = max(matched, key=_specificity)
            found.append((_specificity(group), pit, group))
    found.sort(key=lambda item: -item[0])
    return [(pit, list(group)) for _, pit, group in found]


# ------------------------------------------------------------------------------ cases


def _case_profile(case: Case) -> ClusterProfile:
    return _parsed_case(f"{case.sector}. {case.country}. {case.situation}")


@lru_cache(maxsize=1024)
def _parsed_case(text: str) -> ClusterProfile:
    """A case's profile, read once per process (callers only read it)."""
    return parse_profile(text)


def similar_cases(
    catalog: Catalog, profile: ClusterProfile, chosen: list[str], top: int = 3
) -> list[tuple[Case, str]]:
    """The documented cases most like the profile, each with why it is similar."""
    scored = []
    for case in catalog.cases:
        if case.depth == "mention":
            continue
        other = _case_profile(case)
        value, why = 0.0, []
        for label, mine, theirs in (
            ("development level", profile.development_level, other.development_level),
            ("life-cycle stage", profile.lifecycle_stage, other.lifecycle_stage),
            ("trust", profile.trust, other.trust),
        ):
            if mine and mine == theirs:
                value += 1.0
                why.append(f"same {label} ({mine})")
        my_sectors = set((profile.sector or "").split(", ")) - {""}
        their_sectors = set((other.sector or "").split(", ")) - {""}
        if my_sectors & their_sectors and not case.sector.lower().startswith("multiple"):
            value += 3.0
            why.append(f"similar sector ({case.sector})")
        shared = [p for p in profile.problems if p in other.problems]
        if shared:
            value += 0.75 * len(shared)
            why.append("shared problems: " + ", ".join(p.replace("_", " ") for p in shared[:3]))
        used = [i for i in case.interventions if i in chosen]
        if used:
            value += 0.5 * len(used)
            why.append(f"used {len(used)} of the recommended instruments ({', '.join(used[:3])})")
        if case.depth == "detailed":
            value += 0.5
        if value >= 2.5:
            scored.append((value, case, "; ".join(why)))
    scored.sort(key=lambda item: -item[0])
    return [(case, why) for _, case, why in scored[:top]]
