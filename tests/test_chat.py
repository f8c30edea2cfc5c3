"""Conversations: follow-up detection and rewriting, sessions, and the ask/chat commands."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assistant.answering.answerer import Answerer
from assistant.answering.chat import ChatSession
from assistant.answering.followup import carry_context, is_followup, key_entities
from assistant.answering.types import Answer
from assistant.cli import app
from assistant.settings import Settings

FIRST = "Why did the garment producers of Atuntaqui, Ecuador, lose their traditional export market?"
FOLLOW_UP = "What did the town do afterwards to market itself?"


@pytest.fixture(scope="module")
def answerer(starter_index: Settings) -> Answerer:
    # a low threshold: these tests are about conversations, not abstention
    update = {"llm_backend": "none", "abstain_threshold": 0.05}
    return Answerer.from_settings(starter_index.model_copy(update=update))


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What about financing?", True),
        ("Who led it?", True),
        ("And what had the working groups turned into by the end?", True),
        (FOLLOW_UP, True),
        (FIRST, False),
        ("Which German cluster contests do Benner and Meyer-Stamer hold up as models?", False),
    ],
)
def test_follow_ups_are_detected(question: str, expected: bool) -> None:
    assert is_followup(question) is expected


def test_rule_rewrite_carries_the_previous_question_and_its_names() -> None:
    first = Answer(question="How did UNIDO help the Rivas banana cluster in Nicaragua?", answer="")
    second_query = carry_context("Who led it?", first)
    second = Answer(question="Who led it?", answer="", rewritten_query=second_query)

    assert second_query == (
        "Who led it? (after: How did UNIDO help the Rivas banana cluster in Nicaragua?)"
    )
    assert carry_context("And what did it cost?", second) == (
        "And what did it cost? (after: Who led it?; UNIDO, Rivas, Nicaragua)"
    )


def test_entities_skip_question_words() -> None:
    assert key_entities("How did UNIDO help the Rivas banana cluster in Nicaragua?") == [
        "UNIDO",
        "Rivas",
        "Nicaragua",
    ]


def test_session_rewrites_follow_ups_and_keeps_each_turns_citations(answerer: Answerer) -> None:
    session = ChatSession(answerer)
    first = session.ask(FIRST)
    second = session.ask(FOLLOW_UP)

    assert first.rewritten_query is None
    assert second.rewritten_query and "Atuntaqui" in second.rewritten_query
    assert not second.abstained and second.citations
    assert session.history == [first, second]
    assert first.citations is not second.citations
    session.reset()
    assert session.history == [] and session.ask(FOLLOW_UP).rewritten_query is None


def test_attached_profile_is_kept_as_context(answerer: Answerer) -> None:
    session = ChatSession(answerer)
    session.attach_profile({"sector": "garments", "region": "Andes", "stage": ""})

    assert session.profile_context == "sector: garments; region: Andes"


def test_chat_and_ask_batch_commands_follow_the_contract(starter_index: Settings, tmp_path) -> None:
    conversations = tmp_path / "conv.jsonl"
    conversations.write_text(
        json.dumps({"id": "f1", "turns": [{"question": FIRST}, {"question": FOLLOW_UP}]}) + "\n",
        encoding="utf-8",
    )
    index = ["--index", str(starter_index.index_dir), "--no-llm"]
    runner = CliRunner(env={"CLUSTER_ASSISTANT_ABSTAIN_THRESHOLD": "0.4"})

    result = runner.invoke(app, ["chat", "--batch", str(conversations), "--json", *index])
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout.strip().splitlines()[-1])
    assert row["id"] == "f1" and len(row["turns"]) == 2
    turn = row["turns"][1]
    assert {"question", "rewritten_query", "answer", "abstained", "citations"} <= set(turn)
    assert "Atuntaqui" in turn["rewritten_query"]
    assert {c["marker"] for c in turn["citations"]} == set(range(1, len(turn["citations"]) + 1))

    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "q1", "question": FIRST}) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["ask", "--batch", str(questions), "--json", *index])
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout.strip())
    assert row["id"] == "q1" and row["abstained"] is False and row["citations"]
