"""Questions about what to do, answered from the roadmap of the user's described cluster.

"What should we do first?", "where do we start?", "what next?" name no topic of their own: with a
described cluster they ask for the roadmap's first (or next) steps. The answer leads with those
steps, cited by the passages the roadmap found for them, and adds what the documents say about
the first one (retrieved for a query naming it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.followup import key_entities
from assistant.answering.types import PlanStep

PLAN_QUESTION = re.compile(
    r"\b(what (should|shall|must|can|could|do) (we|i|they|you) (do|start with|begin with|"
    r"focus on|prioriti[sz]e|try)|where (should|do|shall|can) (we|i) (start|begin)|"
    r"how (should|do|shall|can) (we|i) (start|begin|proceed|get started)|"
    r"first (steps?|things?|move|priority)|next steps?|what (comes|to do) (first|next)|"
    r"what next|priorit(y|ies)|what do you (recommend|suggest|advise)|"
    r"(recommend|suggest|advise) (for|to) (us|me|our)|our (cluster|roadmap|strategy)|"
    r"which instruments?)\b",
    re.IGNORECASE,
)
NEXT = re.compile(r"\b(next|then|after that|afterwards|second|later)\b", re.IGNORECASE)
STEPS_SHOWN = 2


def is_plan_question(question: str) -> bool:
    """Whether ``question`` asks what to do (and names no topic, place or source of its own)."""
    return bool(PLAN_QUESTION.search(question)) and not key_entities(question)


def choose_steps(question: str, steps: Sequence[PlanStep]) -> list[PlanStep]:
    """The roadmap's first phase (up to two steps) or, for 'what next?', the phase after it."""
    first = _phase(list(steps))
    return _phase(list(steps[len(first) :])) if NEXT.search(question) else first


def _phase(steps: list[PlanStep]) -> list[PlanStep]:
    """The first steps of ``steps`` that share its first phase (at most ``STEPS_SHOWN``)."""
    if not steps:
        return []
    return [s for s in steps if s.phase_label == steps[0].phase_label][:STEPS_SHOWN]


def plan_query(step: PlanStep) -> str:
    """The query that finds what the documents say about starting with ``step``."""
    return f"How to start {step.name.rstrip('.').lower()} in a cluster initiative"
