"""Strategy drafts: Markdown and DOCX files that open and carry the citations."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from typer.testing import CliRunner

from assistant.citations import Citation
from assistant.recommending.export import to_docx, to_markdown
from assistant.recommending.roadmap import Recommender, Roadmap

DESCRIPTION = (
    "About 300 family garment workshops in an Andean town of a developing country. Exports "
    "collapsed after dollarisation; firms have no design capability and the vocational school "
    "teaches outdated skills. Producers copy designs, so trust is only moderate. The mayor is "
    "keen to help."
)


@pytest.fixture(scope="module")
def roadmap(starter_index, embeddings) -> Roadmap:
    return Recommender(starter_index, embeddings=embeddings).recommend(DESCRIPTION)


def _first_citation(roadmap: Roadmap) -> Citation:
    return next(c for r in roadmap.recommendations for c in r.citations)


def test_markdown_has_profile_roadmap_warnings_and_citations(roadmap):
    text = to_markdown(roadmap)
    assert text.startswith("# Cluster development strategy")
    for heading in (
        "## Cluster profile",
        "## Roadmap by phase",
        "## What not to do",
        "## Similar documented cases",
        "## References",
    ):
        assert heading in text
    cit = _first_citation(roadmap)
    assert cit.title in text
    assert " ".join(cit.text.split())[:60] in text
    assert roadmap.recommendations[0].name in text


def test_docx_opens_and_contains_the_citations(roadmap, tmp_path: Path):
    path = to_docx(roadmap, tmp_path / "draft.docx")
    doc = Document(str(path))
    text = "\n".join(p.text for p in doc.paragraphs)
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "Roadmap by phase" in headings and "References" in headings
    cit = _first_citation(roadmap)
    assert cit.title in text
    assert " ".join(cit.text.split())[:60] in text
    for item in roadmap.not_recommended:
        assert item.name in text


def test_cli_export_writes_the_file(starter_index, tmp_path: Path):
    from assistant.cli import app

    target = tmp_path / "out" / "strategy.md"
    result = CliRunner().invoke(
        app,
        [
            "recommend",
            DESCRIPTION,
            "--export",
            str(target),
            "--index",
            str(starter_index.index_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    assert target.exists() and "## Roadmap by phase" in target.read_text(encoding="utf-8")
    assert "Strategy draft written" in result.output
