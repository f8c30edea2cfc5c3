"""Loaders on real files built in the test: good ones give blocks, bad ones a clear reason."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import fixtures_docs as docs
import pytest

from assistant.ingest.document import LoadError
from assistant.ingest.loaders import load_file
from assistant.ingest.metadata import document_meta, load_manifest


def test_pdf_pages_carry_their_printed_labels(tmp_path: Path) -> None:
    loaded = load_file(docs.report_pdf(tmp_path, title="Trust Report", author="A. One and B. Two"))
    headings = {b.text: b.page for b in loaded.blocks if b.is_heading}
    assert headings == {
        "FOREWORD": "i",
        "EXECUTIVE SUMMARY": "ii",
        "1 Building trust among firms": "1",
        "1.1 The role of the facilitator": "2",
        "2 Joint action": "3",
        "2.1 Evaluation of results": "4",
    }
    phrase = next(b for b in loaded.blocks if "unique phrase" in b.text)
    assert phrase.page == "3"
    # the running head printed on every page is not indexed
    assert not any("Cluster Test Report" in b.text for b in loaded.blocks)
    assert (loaded.title, loaded.authors) == ("Trust Report", ["A. One", "B. Two"])


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (docs.encrypted_pdf, "encrypted"),
        (docs.image_only_pdf, "no text layer"),
        (docs.truncated_pdf, "corrupt or truncated"),
    ],
)
def test_bad_pdfs_fail_with_a_reason(tmp_path: Path, build, reason: str) -> None:
    with pytest.raises(LoadError, match=reason):
        load_file(build(tmp_path))


def test_docx_headings_and_properties(tmp_path: Path) -> None:
    path = docs.report_docx(tmp_path, title="Network Notes", author="C. Three", year=2019)
    loaded = load_file(path)
    assert [(b.heading_level, b.text) for b in loaded.blocks if b.is_heading] == [
        (1, "Brokering networks"),
        (2, "Choosing the broker"),
        (1, "Funding networks"),
    ]
    assert (loaded.title, loaded.authors, loaded.year) == ("Network Notes", ["C. Three"], 2019)


def test_docx_without_properties_takes_the_title_paragraph(tmp_path: Path) -> None:
    loaded = load_file(docs.report_docx(tmp_path))
    # python-docx's template author and date are not taken for the document's own
    assert (loaded.title, loaded.authors, loaded.year) == ("Networking Notes", [], None)


def test_markdown_headings(tmp_path: Path) -> None:
    path = tmp_path / "guide.md"
    path.write_text(docs.markdown_text(), encoding="utf-8")
    blocks = load_file(path).blocks
    assert [(b.heading_level, b.text) for b in blocks if b.is_heading] == [
        (1, "Field Guide to Clusters"),
        (2, "Diagnosis"),
        (3, "Mapping actors"),
        (2, "Action"),
    ]


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "utf-16", "utf-8-sig"])
def test_legacy_encodings_are_decoded(tmp_path: Path, encoding: str) -> None:
    euro = "€" if encoding != "latin-1" else "EUR"
    text = (
        "Café owners in São Paulo’s cluster said: “we cooperate” – naïve at first.\n"
        f"The Förderverein paid 5 000 {euro} for the study of the región.\n"
    ) * 3
    if encoding == "latin-1":
        text = text.translate(str.maketrans("’“”–", '\'""-'))
    path = tmp_path / "legacy.txt"
    path.write_bytes(text.encode(encoding))
    body = " ".join(b.text for b in load_file(path).blocks)
    assert "São Paulo" in body and f"5 000 {euro}" in body and "Förderverein" in body
    assert body.count("naïve") == 3


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\n \n", "empty"),
        ("binary.txt", bytes(range(256)) * 8, "not plain text: the content is binary data"),
        ("fake.pdf", b"Just some words, not a PDF.", "not a PDF: the content is plain text"),
        ("fake.docx", b"%PDF-1.4 not really", r"not a Word \(.docx\) file: the content is a PDF"),
        ("notes.rtf", b"{\\rtf1 hello}", "unsupported file type"),
    ],
)
def test_unreadable_files_fail_with_a_reason(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoadError, match=reason):
        load_file(path)


@pytest.mark.parametrize("name", ["notes.md", "notes.txt"])
def test_utf8_with_one_bad_byte_is_read_with_a_replacement(tmp_path: Path, name: str) -> None:
    text = "# Café owners\n\nCafé owners in São Paulo’s cluster cooperate. " * 20
    path = tmp_path / name
    path.write_bytes(text.encode() + b"One bad \xff byte. " + text.encode())
    body = " ".join(b.text for b in load_file(path).blocks)
    assert "São Paulo’s" in body and "One bad \ufffd byte." in body
    assert "Ã" not in body  # not mistaken for Windows-1252


def test_ascii_with_a_stray_byte_is_read(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"Firms in the cluster cooperate on exports. " * 20 + b"\x81 end.")
    assert "cooperate on exports" in load_file(path).blocks[0].text


@pytest.mark.skipif(
    importlib.util.find_spec("cryptography") is not None, reason="cryptography decrypts AES"
)
def test_aes_pdf_without_cryptography_is_refused_as_encrypted(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="the PDF is encrypted with AES") as caught:
        load_file(docs.aes_pdf(tmp_path))
    assert "DependencyError" not in str(caught.value)


def test_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("A sentence about clusters.\n" * 2000, encoding="utf-8")
    with pytest.raises(LoadError, match="too large"):
        load_file(path, max_bytes=10_000)


def test_metadata_of_unlisted_files_comes_from_the_file(tmp_path: Path) -> None:
    pdf = docs.report_pdf(tmp_path, title="Trust Report", author="A. One")
    plain = docs.report_pdf(tmp_path, name="untitled_report.pdf")
    word = docs.report_docx(tmp_path, author="C. Three; D. Four", year=2021)
    md = tmp_path / "guide.md"
    md.write_text(docs.markdown_text(), encoding="utf-8")
    txt = tmp_path / "field-notes_2020.txt"
    txt.write_text(docs.wrapped_text(), encoding="utf-8")

    def meta(path: Path):
        return document_meta(path, load_file(path), {}, f"documents/{path.name}")

    assert (meta(pdf).title, meta(pdf).authors) == ("Trust Report", ["A. One"])
    # no /Title: the first unnumbered top-level heading
    assert meta(plain).title == "FOREWORD"
    assert (meta(word).title, meta(word).authors, meta(word).year) == (
        "Networking Notes",
        ["C. Three", "D. Four"],
        2021,
    )
    assert meta(md).title == "Field Guide to Clusters"
    # its only top-level headings are numbered: the title comes from the file name
    assert meta(txt).title == "Field notes 2020"
    assert meta(txt).doc_id.startswith("field-notes-2020-")


def test_same_name_in_two_folders_gives_two_doc_ids(tmp_path: Path) -> None:
    path = tmp_path / "guide.md"
    path.write_text(docs.markdown_text(), encoding="utf-8")
    loaded = load_file(path)
    first = document_meta(path, loaded, {}, "documents/a/guide.md")
    second = document_meta(path, loaded, {}, "documents/b/guide.md")
    assert first.doc_id != second.doc_id


def test_manifest_entry_wins_over_the_file(tmp_path: Path) -> None:
    (tmp_path / "manifest.yaml").write_text(
        "documents:\n"
        "  - file: report.pdf\n"
        "    id: trust-2020\n"
        "    title: Building Trust\n"
        "    authors: E. Five; F. Six\n"
        "    year: 2020\n"
        "    kind: report\n",
        encoding="utf-8",
    )
    path = docs.report_pdf(tmp_path, title="Embedded Title")
    meta = document_meta(path, load_file(path), load_manifest(tmp_path))
    assert (meta.doc_id, meta.title, meta.authors, meta.year, meta.kind) == (
        "trust-2020",
        "Building Trust",
        ["E. Five", "F. Six"],
        2020,
        "report",
    )


def test_zip_and_damaged_docx(tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "archive.docx"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("data.csv", "a,b\n1,2\n")
    with pytest.raises(LoadError, match="the content is a zip archive"):
        load_file(archive)
    good = docs.report_docx(tmp_path).read_bytes()
    damaged = tmp_path / "damaged.docx"
    damaged.write_bytes(good[: len(good) // 2])
    with pytest.raises(LoadError, match="Word file is corrupt"):
        load_file(damaged)
