"""A conversation: questions answered with the earlier turns as history.

Each turn keeps its own ``Answer`` (text, citations, rewritten query), so the history never
shows a citation from another turn. A described cluster can be attached as context.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from assistant.answering.answerer import Answerer
from assistant.answering.types import Answer, PlanStep


def profile_text(profile: Any) -> str:
    """A short text for a cluster profile given as text, a dict or an object with a summary."""
    if profile is None:
        return ""
    if isinstance(profile, str):
        return profile.strip()
    for attr in ("summary", "describe", "to_text"):
        value = getattr(profile, attr, None)
        if callable(value):
            return str(value()).strip()
        if isinstance(value, str):
            return value.strip()
    data = profile.to_dict() if hasattr(profile, "to_dict") else profile
    if isinstance(data, dict):
        return "; ".join(f"{k}: {v}" for k, v in data.items() if v not in (None, "", [], {}))
    return str(profile).strip()


class ChatSession:
    """History of one conversation, with follow-ups rewritten into self-contained queries."""

    def __init__(self, answerer: Answerer) -> None:
        self.answerer = answerer
        self.history: list[Answer] = []
        self.profile_context: str | None = None
        self.steps: list[PlanStep] = []

    def attach_profile(self, text_or_profile: Any, steps: Sequence[PlanStep] = ()) -> None:
        """Use a described cluster (text or profile object) as context for later answers, and
        its roadmap ``steps`` for questions such as 'what should we do first?'."""
        self.profile_context = profile_text(text_or_profile) or None
        self.steps = list(steps)

    def ask(self, question: str) -> Answer:
        """Answer ``question`` as the next turn and record it."""
        result = self.answerer.answer(question, self.history, self.profile_context, self.steps)
        self.history.append(result)
        return result

    def stream(self, question: str) -> Iterator[str | Answer]:
        """Like ``ask``, yielding text pieces and then the final ``Answer`` (recorded)."""
        pieces = self.answerer.stream(question, self.history, self.profile_context, self.steps)
        for piece in pieces:
            if isinstance(piece, Answer):
                self.history.append(piece)
            yield piece

    @property
    def last(self) -> Answer | None:
        return self.history[-1] if self.history else None

    def reset(self) -> None:
        """Forget the history (the attached profile stays)."""
        self.history.clear()
