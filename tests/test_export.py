"""Strategy drafts: a real roadmap written as Markdown and Word, read back and rendered."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Mm
from typer.testing import CliRunner

from assistant.citations import Citation, display_authors
from assistant.knowledge.catalog import load_catalog
from assistant.recommending import quotes
from assistant.recommending.export import to_docx, to_markdown
from assistant.recommending.roadmap import Recommender, Roadmap

ROOT = Path(__file__).resolve().parent.parent
DESCRIPTION = (
    "About 300 family garment workshops in an Andean town of a developing country. Exports "
    "collapsed after dollarisation; firms have no design capability and the vocational school "
    "teaches outdated skills. Producers copy designs, so trust is only moderate. The mayor is "
    "keen to help."
)
ROADMAP_COLUMNS = [
    "Phase",
    "Instrument",
    "What to do",
    "Who leads",
    "Timing",
    "Indicator of progress",
    "Key caution",
]
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
# 'Surname, I., & Other, J. (2005). Title. Publisher.' or 'UNIDO (A & B) (2010). Title. …'
REFERENCE = re.compile(r"^[A-Z][\w'-]+(?:, [A-Z]\..*| \(.+\)) \((19|20)\d\d\)\. .+\.")


@pytest.fixture(scope="module")
def roadmap(starter_index, embeddings) -> Roadmap:
    return Recommender(starter_index, embeddings=embeddings).recommend(DESCRIPTION)


@pytest.fixture(scope="module")
def markdown(roadmap, starter_index) -> str:
    return to_markdown(roadmap, starter_index.corpus_dir)


@pytest.fixture(scope="module")
def docx_path(roadmap, starter_index, tmp_path_factory) -> Path:
    return to_docx(
        roadmap, tmp_path_factory.mktemp("draft") / "draft.docx", starter_index.corpus_dir
    )


def internal_names(settings) -> set[str]:
    """Every id of the knowledge base and of the manifest: none may reach a reader."""
    import yaml

    catalog = load_catalog(settings.corpus_dir)
    ids = {i.id for i in catalog.instruments} | {c.id for c in catalog.cases}
    ids |= {p.id for p in catalog.pitfalls} | {d.id for d in catalog.disagreements}
    manifest = yaml.safe_load((Path(settings.corpus_dir) / "manifest.yaml").read_text())
    return ids | {d["id"] for d in manifest["documents"]}


def assert_reads_clean(text: str, settings) -> None:
    assert not re.search(r"score[ :(]*\d|fit score", text, re.IGNORECASE)
    assert not re.search(r"\bline \d+", text), "a catalog line number leaked"
    assert not SNAKE.findall(text), SNAKE.findall(text)[:5]
    leaked = [i for i in internal_names(settings) if re.search(rf"\b{re.escape(i)}\b", text)]
    assert not leaked
    assert "…" not in text and "<sup>" not in text


def section(markdown: str, heading: str) -> str:
    return markdown.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_markdown_reads_as_a_strategy(markdown: str, roadmap: Roadmap, starter_index) -> None:
    for heading in (
        "Executive summary",
        "The cluster as described",
        "Roadmap",
        "Why these instruments",
        "What not to do",
        "Similar cases and what they teach",
        "References",
    ):
        assert f"\n## {heading}\n" in markdown
    assert "| " + " | ".join(ROADMAP_COLUMNS) + " |" in markdown
    summary = section(markdown, "Executive summary")
    assert "developing economy" in summary and "skills gaps" in summary
    assert 3 <= len(re.findall(r"^\d\. ", summary, re.MULTILINE)) <= 5
    assert_reads_clean(markdown, starter_index)


def test_quotes_are_whole_sentences_used_once(markdown: str) -> None:
    rationale = section(markdown, "Why these instruments")
    quotes = re.findall(r": “(.+?)”(?= [A-Z]|$)", rationale, re.MULTILINE)
    assert len(quotes) >= 5
    for quote in quotes:
        assert quote[0].isupper() and quote.rstrip("’”").endswith("."), quote
        assert "?" not in quote and len(quote.split()) <= 45
    assert len(quotes) == len(set(quotes))
    for para in rationale.split("\n\n"):
        evidence = re.findall(r"\(“([^”]+)”\)", para)
        assert len(evidence) == len(set(evidence)), f"a reason repeated in: {para[:80]}"


def test_cases_name_instruments_and_teach(markdown: str, roadmap: Roadmap) -> None:
    cases = section(markdown, "Similar cases and what they teach")
    for case in roadmap.similar_cases:
        assert case.name in cases
    names = [r.name.split(" (")[0].split(",")[0] for r in roadmap.recommendations]
    assert any(n in cases for n in names) and "What it teaches" in cases


def test_bibliography_has_authors_years_titles_publishers(markdown: str) -> None:
    entries = [ln for ln in section(markdown, "References").splitlines() if ln.strip()]
    assert entries and all(REFERENCE.match(e) for e in entries), entries
    benner = next(e for e in entries if e.startswith("Benner"))
    assert "Benner, M. (2013). *Cluster Policy in Developing Countries.* MPRA" in benner
    assert any(e.startswith("Meyer-Stamer, J., & Harmes-Liedtke, U. (2005)") for e in entries)


@pytest.mark.parametrize(
    ("authors", "head"),
    [
        (["Jörg Meyer-Stamer", "Ulrich Harmes-Liedtke"], "Meyer-Stamer, J., & Harmes-Liedtke, U."),
        (["Michael J. Enright", "Ifor Ffowcs-Williams"], "Enright, M. J., & Ffowcs-Williams, I."),
        (["Ffowcs Williams, Ifor"], "Ffowcs Williams, I."),
        (
            ["Thomas Andersson", "Schwaag Serger, Sylvia", "Jens Sörvik"],
            "Andersson, T., Schwaag Serger, S., & Sörvik, J.",
        ),
        (["Jean-Pierre van der Berg"], "van der Berg, J.-P."),
        ("Anna Stancher; Giovanna Ceglie", "Stancher, A., & Ceglie, G."),
    ],
)
def test_reference_names_keep_family_names_of_several_words(authors, head: str) -> None:
    entry = quotes.bibliography_entry({"authors": authors, "year": 2004, "title": "T"})
    assert entry[0] == f"{head} (2004)."


def test_the_manifest_s_authors_come_out_in_author_date_style() -> None:
    import yaml

    manifest = yaml.safe_load((ROOT / "corpus" / "manifest.yaml").read_text(encoding="utf-8"))
    heads = {d["id"]: quotes.bibliography_entry(d)[0] for d in manifest["documents"]}
    assert heads["iked-whitebook-2004"] == (
        "Andersson, T., Schwaag Serger, S., Sörvik, J., & Wise Hansson, E. (2004)."
    )
    assert heads["oecd-enright-2000"] == "Enright, M. J., & Ffowcs-Williams, I. (2000)."
    assert heads["meyer-stamer-2005"] == "Meyer-Stamer, J., & Harmes-Liedtke, U. (2005)."


def test_manifest_family_names_reach_in_text_references_and_cards() -> None:
    whitebook = Citation(authors="Thomas Andersson; Schwaag Serger, Sylvia", year=2004)
    assert quotes.in_text(whitebook) == "Andersson and Schwaag Serger 2004"
    assert display_authors(whitebook.authors) == "Thomas Andersson, Sylvia Schwaag Serger"
    assert Citation(authors="Schwaag Serger, Sylvia", year=2004).short_authors == "Schwaag Serger"
    authors = "Jörg Meyer-Stamer; Ulrich Harmes-Liedtke"
    two = Citation(title="How to Promote Clusters", authors=authors)
    assert two.label() == "How to Promote Clusters (Meyer-Stamer and Harmes-Liedtke)"


def docx_text(doc) -> str:
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_docx_is_a4_with_properties_and_a_roadmap_table(
    docx_path: Path, roadmap: Roadmap, starter_index
) -> None:
    doc = Document(str(docx_path))
    for sec in doc.sections:
        size = sorted((round(sec.page_width / Mm(1)), round(sec.page_height / Mm(1))))
        assert size == [210, 297]
    assert any(s.page_width > s.page_height for s in doc.sections), "roadmap page landscape"
    props = doc.core_properties
    assert props.title == "Cluster development strategy"
    assert props.author == "Cluster Policy Assistant"
    assert "textiles and garments" in props.subject
    assert datetime.now(UTC) - props.created.replace(tzinfo=UTC) < timedelta(hours=1)
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Phase")
    assert [c.text for c in table.rows[0].cells] == ROADMAP_COLUMNS
    rows = table.rows[1:]
    assert len(rows) == len(roadmap.recommendations)
    assert all(r.cells[3].text and r.cells[4].text.startswith("Months") for r in rows)
    assert all(r.cells[5].text and r.cells[6].text for r in rows)
    references = [p.text for p in doc.paragraphs]
    references = references[references.index("References") + 1 :]
    assert references and all(REFERENCE.match(r) for r in references)
    assert_reads_clean(docx_text(doc), starter_index)


def office() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(office() is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler) is not installed")
def test_docx_renders_to_pdf_and_png(docx_path: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    profile = f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}"
    subprocess.run(
        [
            office(),
            profile,
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(docx_path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "draft.pdf"
    pages = PdfReader(str(pdf)).pages
    assert 3 <= len(pages) <= 12
    sizes = {
        tuple(sorted((round(float(p.mediabox.width)), round(float(p.mediabox.height)))))
        for p in pages
    }
    assert sizes == {(595, 842)}, sizes  # A4 in points
    text = " ".join(p.extract_text() for p in pages)
    assert "Executive summary" in text and "Indicator of progress" in text
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=120
    )
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == len(pages)
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 5000 for p in pngs)


def test_cli_export_writes_the_file(starter_index, tmp_path: Path) -> None:
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
    assert target.exists() and "\n## Roadmap\n" in target.read_text(encoding="utf-8")
    assert "Strategy draft written" in result.output
