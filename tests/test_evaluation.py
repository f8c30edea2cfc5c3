"""The project's retrieval metrics agree with eval/score_reference.py; the eval command works."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.evaluation.retrieval import covers, score_question, summarise
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "eval" / "score_reference.py"
FIXTURE_QUESTIONS = ROOT / "tests" / "data" / "retrieval_questions.jsonl"

QUOTE = "Firms in the cluster pooled their training budgets to found a shared academy."
OTHER = "The regional bank offered guarantees to small suppliers of the cluster."
FILLER = "Nothing in this passage is relevant to the question at all."

QUESTIONS = [
    {"id": "a", "type": "fact", "gold": [{"quote": QUOTE}]},
    {"id": "b", "type": "fact", "gold": [{"quote": QUOTE}]},
    {"id": "c", "type": "comparison", "gold": [{"quote": QUOTE}, {"quote": OTHER}]},
    {"id": "d", "type": "comparison", "gold": [{"quote": QUOTE}, {"quote": OTHER}]},
    {"id": "e", "type": "fact", "gold": [{"quote": "too short"}]},
    {"id": "f", "type": "fact", "gold": [{"quote": QUOTE}]},
    {"id": "g", "type": "out_of_scope", "gold": []},
]
# Curly quotes, dashes, case and line breaks are folded; half the 5-grams are enough.
CURLY = QUOTE.replace("shared", "“shared”").upper().replace(" ", "\n", 3)
HALF = " ".join(QUOTE.split()[:9])
PASSAGES = {
    "a": [FILLER, FILLER, CURLY],
    "b": [FILLER] * 5 + [HALF],  # rank 6: a hit@10 but not a hit@5
    "c": [OTHER, FILLER, QUOTE],
    "d": [QUOTE],  # one of the two needed quotes
    "e": [FILLER, "it was too short, sadly"],
    "f": [FILLER] * 10 + [QUOTE],  # rank 11: beyond the cut-off
    "g": [FILLER],
}


def reference_scores(tmp_path: Path, results: dict[str, list[str]]) -> dict[str, Any]:
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS), encoding="utf-8")
    rows = {qid: [{"text": t} for t in texts] for qid, texts in results.items()}
    return run_reference(questions, rows, tmp_path / "results.jsonl")


def run_reference(
    questions: Path, results: dict[str, list[dict[str, Any]]], found: Path
) -> dict[str, Any]:
    """The reference script's metrics for ``results`` (id -> passages), run as a subprocess."""
    found.write_text(
        "".join(json.dumps({"id": qid, "results": r}) + "\n" for qid, r in results.items()),
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(REFERENCE), "retrieval", str(questions), str(found)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_covers_folds_and_needs_half_the_grams() -> None:
    assert covers(CURLY, QUOTE)
    assert covers(HALF, QUOTE)
    assert not covers(" ".join(QUOTE.split()[:7]), QUOTE)
    # A quote shorter than five words is one gram: only a passage that is exactly it covers it.
    assert covers("too short", "Too short")
    assert not covers("it was too short", "too short")


def test_metrics_agree_with_the_reference_script(tmp_path: Path) -> None:
    ours = summarise([score_question(q, PASSAGES[q["id"]]) for q in QUESTIONS if q["gold"]])
    reference = reference_scores(tmp_path, PASSAGES)
    for metric in ("questions", "hit@5", "hit@10", "mrr@10", "recall@10"):
        assert ours[metric] == reference[metric], metric
    assert ours["hit@5"] == round(3 / 6, 3)  # a, c, d
    assert ours["recall@10"] == round((1 + 1 + 1 + 0.5 + 0 + 0) / 6, 3)


def run_eval(*args: str) -> Any:
    result = CliRunner().invoke(app, ["eval", "retrieval", *args])
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.slow
def test_eval_command_on_the_fixture_corpus(fixture_index: Settings, tmp_path: Path) -> None:
    dump = tmp_path / "dump.jsonl"
    index = str(fixture_index.index_dir)
    args = ["--questions", str(FIXTURE_QUESTIONS), "--index", index, "--dump", str(dump)]
    data = json.loads(run_eval(*args, "--json").stdout)
    project = data["metrics"]["project"]
    assert data["questions"] == 4  # the out-of-scope question is not scored
    assert {k: project[k] for k in ("hit@5", "hit@10", "mrr@10", "recall@10")} == {
        "hit@5": 0.75,
        "hit@10": 0.75,
        "mrr@10": 0.75,
        "recall@10": 0.75,
    }
    rows = [json.loads(line) for line in dump.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["t1", "t2", "t3", "t4"]
    assert [r["first"] for r in rows] == [1, 1, 1, None]
    words = [sum(len(p["text"].split()) for p in r["passages"][:10]) for r in rows]
    assert project["words@10"] == round(sum(words) / 4)
    # The same passages scored by the reference script give the same figures.
    passages = {r["id"]: r["passages"] for r in rows}
    reference = run_reference(FIXTURE_QUESTIONS, passages, tmp_path / "found.jsonl")
    assert all(project[m] == reference[m] for m in ("hit@5", "hit@10", "mrr@10", "recall@10"))


@pytest.mark.slow
def test_eval_command_prints_a_table_beside_the_baseline(fixture_index: Settings) -> None:
    index = str(fixture_index.index_dir)
    args = ["--questions", str(FIXTURE_QUESTIONS), "--index", index, "--baseline"]
    env_corpus = {"CLUSTER_ASSISTANT_CORPUS_DIR": str(fixture_index.corpus_dir)}
    result = CliRunner().invoke(app, ["eval", "retrieval", *args], env=env_corpus)
    assert result.exit_code == 0, result.output
    header = next(line for line in result.stdout.splitlines() if "metric" in line)
    assert [c.strip() for c in header.split("┃")[1:-1]] == [
        "metric",
        "project",
        "naive dense",
        "naive BM25",
        "naive RRF",
    ]
    rows = {
        cells[0]: cells[1:]
        for line in result.stdout.splitlines()
        if line.startswith("│") and (cells := [c.strip() for c in line.split("│")[1:-1]])
    }
    assert rows["hit@10"][0] == "0.750" and rows["recall@10"][0] == "0.750"
    assert rows["hit@10"][2] == "0.750"  # naive BM25 finds the three answerable ones too
    assert set(rows) == {"hit@5", "hit@10", "mrr@10", "recall@10", "words@10"}


def test_eval_command_rejects_a_file_without_gold(tmp_path: Path) -> None:
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"id": "x", "question": "?", "gold": []}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "retrieval", "--questions", str(bad)])
    assert result.exit_code != 0


def test_a_followup_is_scored_on_the_turn_its_gold_answers(fixture_index: Settings) -> None:
    from assistant.answering.answerer import Answerer
    from assistant.evaluation.answers import evaluate_followups

    conversation = {
        "id": "three-turns",
        "turns": [
            {"question": "How did the Ruritanian wine cluster double its exports?"},
            {"question": "What does the Sylvanian software cluster offer to founders?"},
            {"question": "How are its graduates recruited?"},
        ],
        "gold": [{"quote": "the firms recruit them through a shared internship scheme"}],
    }
    metrics, rows = evaluate_followups(Answerer.from_settings(fixture_index), [conversation])
    query = rows[0]["rewritten_query"].lower()
    assert "graduates" in query and "recruit" in query, query  # the third turn, not the second
    assert "sylvanian" in query and "ruritanian" not in query, query  # 'its' is the second's
    assert metrics == {"conversations": 1, "followup_hit@5": 1.0}


def test_paraphrase_overlap_counts_shared_instruments_of_the_first_k() -> None:
    from assistant.evaluation.recommendations import paraphrase_overlap

    rankings = {"s01": ["a", "b", "c", "d"], "p1": ["d", "a", "x", "y"], "p2": ["z"]}
    rows = [
        {"id": "p1", "paraphrase_of": "s01"},
        {"id": "p2", "paraphrase_of": "s01"},
        {"id": "p3", "paraphrase_of": "s99"},  # its original was not ranked: left out
        {"id": "s01"},
    ]
    assert paraphrase_overlap(rows, rankings, k=3) == {"p1": 1, "p2": 0}  # 'd' is 4th in s01
    assert paraphrase_overlap(rows, rankings, k=4) == {"p1": 2, "p2": 0}
