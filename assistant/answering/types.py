"""What an answer is: its text with ``[n]`` markers, its citations, and the evidence behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from langchain_core.documents import Document

from assistant.answering.abstain import Verdict
from assistant.answering.extractive import ScoredSentence
from assistant.citations import Citation

Mode = Literal["extractive", "llm"]


@dataclass
class Answer:
    """One answer: its text with ``[n]`` markers, the citations behind them, and notices."""

    question: str
    answer: str
    abstained: bool = False
    citations: list[Citation] = field(default_factory=list)
    rewritten_query: str | None = None
    notices: list[str] = field(default_factory=list)
    mode: Mode = "extractive"

    def to_dict(self) -> dict[str, Any]:
        """The contract of DESIGN.md (``answer, abstained, citations``) plus the extras."""
        return {
            "question": self.question,
            "rewritten_query": self.rewritten_query,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "notices": list(self.notices),
            "mode": self.mode,
        }


@dataclass
class Evidence:
    """What retrieval found for a query, scored once and shared by both answer modes."""

    query: str
    docs: list[Document]
    sentences: list[ScoredSentence]
    vectors: np.ndarray
    verdict: Verdict


@dataclass
class PlanStep:
    """One step of the roadmap of the user's described cluster, as the chat uses it: the
    instrument, its phase, why it was chosen, and the passages that support it."""

    name: str
    phase_label: str
    rationale: str = ""
    citations: list[Citation] = field(default_factory=list)
