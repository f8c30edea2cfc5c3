"""Rich markup in documents, file names and questions is printed as text, never parsed."""

from __future__ import annotations

import shutil
from pathlib import Path

import fixtures_docs as docs
import pytest
from typer.testing import CliRunner

from assistant.cli import app, common

STARTER = Path(__file__).resolve().parent.parent / "corpus"
TITLE = "Tags [/red] and [/] here"
INSTRUMENT = "Cluster diagnostic study, SWOT and participatory strategy / action planning"
NAME = "[bold]notes[red].md"  # a file name cannot hold "/": opening tags only


@pytest.fixture(autouse=True)
def wide_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """Output as wide as ``COLUMNS=200`` below says: rich fixes a console's width when it is made
    if ``COLUMNS`` is set then (pytest-xdist's workers set 80), and long panel titles would be cut.
    """
    monkeypatch.setattr(common.out, "_width", 200)


@pytest.fixture(scope="module")
def crafted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """A corpus whose document has markup in its name, title and text, and a failing file."""
    root = tmp_path_factory.mktemp("markup")
    folder = root / "corpus" / "documents"
    folder.mkdir(parents=True)
    shutil.copy(STARTER / "cases.yaml", root / "corpus" / "cases.yaml")
    catalog = (STARTER / "instruments.yaml").read_text("utf-8")  # a name edited with markup
    catalog = catalog.replace(f"name: {INSTRUMENT}", f"name: {INSTRUMENT} [/]")
    (root / "corpus" / "instruments.yaml").write_text(catalog, "utf-8")
    text = f"# {TITLE}\n\n## Trust [/]\n\n{docs.paragraph(1)} Brokers [bold]build[/] trust.\n"
    (folder / NAME).write_text(text, encoding="utf-8")
    (folder / "[italic]empty[red].txt").write_bytes(b"")
    runner = CliRunner()
    env = {
        "CLUSTER_ASSISTANT_CORPUS_DIR": str(root / "corpus"),
        "CLUSTER_ASSISTANT_SECOND_EMBEDDING_MODEL": "",
        "COLUMNS": "200",
        # the crafted library is two sentences: answer whatever it finds, so that passages,
        # sources and follow-ups are printed (a refusal would print none of them)
        "CLUSTER_ASSISTANT_ABSTAIN_THRESHOLD": "0",
    }
    result = runner.invoke(app, ["ingest", "--index", str(root / "index")], env=env)
    assert result.exit_code == 0, result.output
    return root, root / "index", result.output


def run(crafted: tuple[Path, Path, str], *args: str, stdin: str | None = None) -> str:
    root, index, _ = crafted
    env = {
        "CLUSTER_ASSISTANT_CORPUS_DIR": str(root / "corpus"),
        "CLUSTER_ASSISTANT_SECOND_EMBEDDING_MODEL": "",
        "COLUMNS": "200",
        # the crafted library is two sentences: answer whatever it finds, so that passages,
        # sources and follow-ups are printed (a refusal would print none of them)
        "CLUSTER_ASSISTANT_ABSTAIN_THRESHOLD": "0",
    }
    result = CliRunner().invoke(app, [*args, "--index", str(index)], input=stdin, env=env)
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    return result.output


def test_ingest_summary_prints_names_and_reasons_as_text(crafted) -> None:
    summary = crafted[2]
    assert NAME in summary and "[italic]empty[red].txt: the file is empty" in summary


def test_ask_prints_titles_as_text(crafted) -> None:
    output = run(crafted, "ask", "How do brokers build trust among firms?", "--no-llm")
    assert TITLE in output


def test_chat_sources_and_follow_ups_print_markup_as_text(crafted) -> None:
    turns = (
        "How do brokers build trust among firms?\n/sources\nAnd [/] what about [bold]them?\n/quit\n"
    )
    output = run(crafted, "chat", "--no-llm", stdin=turns)
    # the follow-up is rewritten to the entity it refers to; its markup is still printed as text
    assert "(searched for: [/] what about [bold]the trust among firms?)" in output
    assert f"] {TITLE}" in output and "Brokers [bold]build[/] trust." in output


def test_recommend_prints_markup_as_text(crafted) -> None:
    description = "[/] 300 furniture makers [bold] in a small town, no association, low trust"
    output = run(crafted, "recommend", description)
    assert f"{INSTRUMENT} [/] (" in output  # the panel title, with its score
