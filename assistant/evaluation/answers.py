"""Answer evaluation: cited passages against gold quotes, abstentions, follow-up retrieval.

- cited-hit: share of answerable questions where some cited passage covers a gold quote (the
  matching rule of ``assistant.evaluation.retrieval.covers``); an abstention counts as a miss.
- abstentions: out-of-scope questions (no gold) abstained on, answerable ones abstained on.
- follow-up hit@5: the last turn of each conversation (the one its gold answers) is rewritten
  with the earlier turns as history, each of them answered in order as the chat answers them,
  and the rewritten query's top five passages must cover a gold quote.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.answering.answerer import Answerer
from assistant.answering.chat import ChatSession
from assistant.answering.types import Answer
from assistant.evaluation.retrieval import covers, score_question

FOLLOWUP_DEPTH = 5


def cited_hit(answer: Answer, gold: Sequence[dict[str, Any]]) -> bool:
    """Whether a citation of ``answer`` covers one of the gold quotes."""
    return any(covers(c.text, g["quote"]) for c in answer.citations for g in gold)


def evaluate_answers(
    answerer: Answerer, questions: Sequence[dict[str, Any]]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Answer every question; return the metrics and one row per question."""
    rows: list[dict[str, Any]] = []
    for q in questions:
        answer = answerer.answer(str(q["question"]))
        gold = q.get("gold") or []
        rows.append(
            {
                "id": q.get("id"),
                "answerable": bool(gold),
                "abstained": answer.abstained,
                "cited_hit": bool(gold) and cited_hit(answer, gold),
                "citations": len(answer.citations),
                "notices": answer.notices,
            }
        )
    ans = [r for r in rows if r["answerable"]]
    oos = [r for r in rows if not r["answerable"]]
    metrics = {
        "answerable": len(ans),
        "cited_hit": round(sum(r["cited_hit"] for r in ans) / len(ans), 3) if ans else None,
        "wrong_abstentions": sum(r["abstained"] for r in ans),
        "wrong_abstention_rate": (
            round(sum(r["abstained"] for r in ans) / len(ans), 3) if ans else None
        ),
        "out_of_scope": len(oos),
        "abstained_correctly": sum(r["abstained"] for r in oos),
    }
    return metrics, rows


def last_turn_query(answerer: Answerer, turns: Sequence[str]) -> str:
    """The query the chat searches for the last of ``turns``: the earlier turns answered in
    order (each with the ones before as history), then the last rewritten with them all."""
    session = ChatSession(answerer)
    for question in turns[:-1]:
        session.ask(question)
    return answerer.rewrite(turns[-1], session.history) or turns[-1]


def evaluate_followups(
    answerer: Answerer, conversations: Sequence[dict[str, Any]]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """hit@5 of each conversation's rewritten last-turn query (the earlier turns as history)."""
    rows: list[dict[str, Any]] = []
    for conv in conversations:
        turns = [str(t["question"]) for t in conv.get("turns", [])]
        if len(turns) < 2 or not conv.get("gold"):
            continue
        query = last_turn_query(answerer, turns)
        passages = [d.page_content for d in answerer.retriever.invoke(query)]
        score = score_question({"id": conv.get("id"), "gold": conv["gold"]}, passages)
        hit = score.first is not None and score.first <= FOLLOWUP_DEPTH
        rows.append({"id": conv.get("id"), "rewritten_query": query, "hit@5": hit})
    n = len(rows)
    metrics = {
        "conversations": n,
        "followup_hit@5": round(sum(r["hit@5"] for r in rows) / n, 3) if n else None,
    }
    return metrics, rows
