"""Conversations: follow-up detection and rewriting, sessions, and the ask/chat commands."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from assistant.answering.answerer import Answerer
from assistant.answering.chat import ChatSession
from assistant.answering.followup import is_followup, key_entities, rewrite_followup
from assistant.answering.types import Answer, PlanStep
from assistant.citations import Citation
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


def rewritten(question: str, *previous: str) -> str | None:
    history = []
    for earlier in previous:
        query = rewrite_followup(earlier, history)
        history.append(Answer(question=earlier, answer="", rewritten_query=query))
    return rewrite_followup(question, history)


@pytest.mark.parametrize(
    ("previous", "question", "expected"),
    [
        (
            "What are cluster organisations?",
            "and who pays for it?",
            "Who pays for the cluster organisations?",
        ),
        ("What is ACENET?", "Who has been paying for it?", "Who has been paying for ACENET?"),
        (FIRST, FOLLOW_UP, "What did Atuntaqui do afterwards to market itself?"),
        (
            "Does Benner think cluster competitions suit developing countries?",
            "So what could such countries do instead?",
            "What could developing countries do instead of cluster competitions? (Benner)",
        ),
        (
            "Should the chamber of commerce run the new initiative?",
            "Would a broker work better instead?",
            "Would a broker work better instead of the chamber of commerce?",
        ),
        (
            "How many people worked in Styria's automotive industry in 2002?",
            "and in 1996?",
            "How many people worked in Styria's automotive industry in 1996?",
        ),
        (
            "Tell me about the woodwork cluster in Mekelle, Ethiopia.",
            "What had driven its growth before the decline?",
            "What had driven the growth of the woodwork cluster in Mekelle, Ethiopia before the "
            "decline?",
        ),
        (
            "Which government agency helps the workshops of Mekelle, Ethiopia?",
            "What else does it provide there?",
            "What else does the government agency provide in Mekelle?",
        ),
    ],
)
def test_rule_rewrite_resolves_the_entity_referred_to(
    previous: str, question: str, expected: str
) -> None:
    result = rewritten(question, previous)
    assert result == expected
    assert previous not in result and "(after:" not in result


def test_an_it_with_its_own_noun_is_not_replaced() -> None:
    result = rewritten(
        "Which government agency helps those small workshops win public contracts there, and "
        "what else does it provide?",
        "Why did the metal workshops of Mekelle, Ethiopia, lose orders?",
    )
    assert result and result.endswith("what else does it provide?") and "in Mekelle" in result


@pytest.mark.parametrize(
    "question",
    [
        "Different question: what did the first phase of Chihuahua Siglo XXI consist of?",
        "New topic: what did UNIDO set up in Atuntaqui's Chamber of Commerce?",
        "Switching subject: which African countries adopted cluster programmes early?",
        "Unrelated question - what reforms should developing countries prioritise for SMEs?",
    ],
)
def test_a_new_topic_does_not_carry_the_old_one(question: str) -> None:
    result = rewritten(question, FIRST)
    assert result and "Atuntaqui, Ecuador" not in result and "garment" not in result
    assert result == question.split(":", 1)[-1].split(" - ", 1)[-1].strip()


def test_a_self_contained_question_is_not_rewritten() -> None:
    assert (
        rewritten("What is a cluster promotion chain?", "What are cluster organisations?") is None
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


STEPS = [
    PlanStep(
        "Cluster development agent / facilitator / network broker / cluster manager",
        "Diagnose and mobilise",
        "Recommended because trust among the growers is low.",
        [Citation(chunk_id="c-1", doc_id="unido", title="UNIDO approach", text="A CDA helps.")],
    ),
    PlanStep("Trust building through joint activities", "Diagnose and mobilise", "Low trust."),
    PlanStep("Export consortia", "Joint action", "Growers sell unprocessed fruit."),
]


@pytest.mark.parametrize("question", ["What should we do first?", "Where do we start?"])
def test_with_a_described_cluster_what_to_do_first_comes_from_the_roadmap(
    answerer: Answerer, question: str
) -> None:
    session = ChatSession(answerer)
    session.ask("How can a cluster initiative build trust among firms?")
    session.attach_profile("3,500 banana growers, low trust", STEPS)
    result = session.ask(question)

    assert not result.abstained
    lead = result.answer.split("\n")[0]
    assert STEPS[0].name in lead and STEPS[1].name in lead and STEPS[2].name not in lead
    assert result.citations[0].chunk_id == "c-1" and result.citations[0].marker == 1
    markers = [int(m) for m in re.findall(r"\[(\d+)\]", result.answer)]
    assert sorted(set(markers)) == [c.marker for c in result.citations]
    assert len(result.citations) > 1, "the documents' answer about the first step is added"
    retrieved = {d.metadata["chunk_id"] for d in answerer.retriever.invoke(result.rewritten_query)}
    assert {c.chunk_id for c in result.citations[1:]} <= retrieved

    later = session.ask("And what next?")
    assert "Export consortia" in later.answer.split("\n")[0]


def test_without_a_cluster_what_to_do_first_is_not_a_roadmap(answerer: Answerer) -> None:
    result = ChatSession(answerer).ask("What should we do first?")
    assert "roadmap" not in result.answer.split("\n")[0]


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
