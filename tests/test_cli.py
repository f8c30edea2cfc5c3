"""The command line as a user meets it: expected mistakes give one clear line and exit code 2,
``--batch`` files with bad lines or in Latin-1 are answered line by line, and the loading
spinner stays on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.settings import Settings

CLI = str(Path(sys.executable).with_name("cluster-assistant"))
WINE = "How did the Ruritanian vintners raise their wine exports?"


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CLI, *args], capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=300
    )


def mistakes(tmp: Path) -> list[tuple[list[str], str]]:
    """Command lines a user may get wrong, and what the one line of error must say."""
    a_file = tmp / "notes.txt"
    a_file.write_text("not an index", encoding="utf-8")
    nowhere = str(tmp / "no-index")  # the question is checked before the index and the models
    return [
        (["ingest", "--index", str(a_file)], f"the index folder {a_file} is a file"),
        (["ask", "why?", "--index", str(a_file)], f"the index folder {a_file} is a file"),
        (["ask", "   ", "--index", nowhere], "the question is empty"),
        (["ask", "", "--json", "--index", nowhere], "the question is empty"),
        (["search", " \t", "--index", nowhere], "the query is empty"),
        (["recommend", "  ", "--index", nowhere], "the description is empty"),
        (["ask", "--batch", str(tmp / "missing.jsonl")], "does not exist"),
        (["search", "--batch", str(tmp), "--json"], "is a directory"),
        (["ask", "why?", "--bogus"], "No such option: --bogus"),
        (["recommend", "--colour", "red", "a cluster"], "No such option: --colour"),
        (["ask", "--index", nowhere], "give either a QUESTION or --batch FILE"),
        (["ask", "why?", "--index", nowhere], "no index"),
    ]


def test_expected_mistakes_give_one_line_and_exit_code_2(tmp_path: Path) -> None:
    failures = []
    for args, message in mistakes(tmp_path):
        result = run_cli(*args)
        lines = result.stderr.strip().splitlines()
        if result.returncode != 2 or len(lines) != 1 or message not in lines[0] or result.stdout:
            failures.append((args, result.returncode, result.stderr, result.stdout))
    assert not failures


def test_no_arguments_prints_the_help() -> None:
    result = run_cli()
    assert result.returncode == 2
    assert "ingest" in result.stdout + result.stderr and "Traceback" not in result.stderr


def write_batch(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes("".join(line + "\n" for line in lines).encode(encoding))
    return path


BAD_LINES = [
    json.dumps({"id": "wine", "question": WINE}),
    '{"id": "cut", "question": "how do shipyards',  # cut short: not valid JSON, id kept
    "",  # blank lines are not records
    "[1, 2]",
    json.dumps({"id": 7, "question": "   "}),
    json.dumps({"id": "nothing"}),
    json.dumps({"id": "ships", "question": "Who trained the Freedonian welders?"}),
]


@pytest.mark.slow
def test_bad_batch_lines_are_reported_and_the_others_answered(
    fixture_index: Settings, tmp_path: Path
) -> None:
    batch = write_batch(tmp_path / "questions.jsonl", BAD_LINES)
    args = ["search", "--batch", str(batch), "--json", "-k", "2"]
    result = CliRunner().invoke(app, [*args, "--index", str(fixture_index.index_dir)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["wine", "cut", None, 7, "nothing", "ships"]
    assert [("error" in r) for r in rows] == [False, True, True, True, True, False]
    assert rows[0]["results"][0]["doc_id"] == "ruritania-2001"
    assert rows[5]["results"] and rows[1]["error"].startswith("not valid JSON")
    assert rows[2]["error"] == "expected a JSON object"
    assert rows[3]["error"] == rows[4]["error"] == 'no "question" text'
    for number in (2, 4, 5, 6):  # each bad line named on stderr with its line number
        assert f"{batch}:{number}: " in result.stderr
    assert f"{batch}:1:" not in result.stderr and f"{batch}:7:" not in result.stderr


@pytest.mark.slow
def test_a_latin1_batch_file_is_read_with_a_notice(fixture_index: Settings, tmp_path: Path) -> None:
    question = "Quel rôle ont joué les vignerons de Ruritanie dans les exportations de vin?"
    batch = write_batch(
        tmp_path / "latin1.jsonl",
        [json.dumps({"id": "fr", "question": question}, ensure_ascii=False)],
        "latin-1",
    )
    index = ["--index", str(fixture_index.index_dir)]
    result = CliRunner().invoke(app, ["search", "--batch", str(batch), "--json", *index])
    assert result.exit_code == 0, result.output
    assert "is not UTF-8" in result.stderr and "read as Latin-1" in result.stderr
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["id"] == "fr" and row["results"]


@pytest.mark.slow
def test_chat_batch_reports_conversations_without_questions(
    fixture_index: Settings, tmp_path: Path
) -> None:
    lines = [
        json.dumps({"id": "c1", "turns": [{"question": WINE}, {"question": "And when?"}]}),
        json.dumps({"id": "c2", "turns": []}),
        json.dumps({"id": "c3", "turns": [{"question": WINE}, {"text": "no question"}]}),
    ]
    batch = write_batch(tmp_path / "conversations.jsonl", lines)
    index = ["--index", str(fixture_index.index_dir), "--no-llm"]
    result = CliRunner().invoke(app, ["chat", "--batch", str(batch), "--json", *index])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["c1", "c2", "c3"]
    assert len(rows[0]["turns"]) == 2 and rows[0]["turns"][0]["citations"]
    assert rows[1]["error"] == 'no "turns" list'
    assert rows[2]["error"] == 'turn 2 has no "question" text'


@pytest.mark.slow
def test_cold_start_shows_a_spinner_on_stderr_and_keeps_stdout_json(
    fixture_index: Settings,
) -> None:
    # a terminal as far as rich can tell, so the spinner is drawn
    terminal = {"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1", "TERM": "xterm", "COLUMNS": "120"}
    args = ["ask", WINE, "--json", "--no-llm", "--index", str(fixture_index.index_dir)]
    result = run_cli(*args, env=terminal)
    assert result.returncode == 0, result.stderr
    assert "Loading the models and the index" in result.stderr
    answer = json.loads(result.stdout)  # nothing but the JSON on stdout
    assert answer["citations"] and not answer["abstained"]
