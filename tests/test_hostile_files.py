"""Hostile files built in the test: each is refused with a one-line LoadError, never a crash."""

from __future__ import annotations

import base64
import random
import time
from pathlib import Path

import fixtures_docs as docs
import pytest

from assistant.ingest.document import LoadError
from assistant.ingest.loaders import ZipLimits, check_expansion, load_file

W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def broken_xml(folder: Path) -> Path:
    body = b"<w:document " + W + b"><w:body><w:p><w:r><w:t>cut off"
    return docs.docx_with(folder, "broken-xml.docx", {"word/document.xml": body})


def corrupt_deflate(folder: Path) -> Path:
    return docs.corrupt_member(docs.report_docx(folder, "bad-deflate.docx"), "word/document.xml")


def huge_text_node(folder: Path) -> Path:
    """One text run of 11 MB of random letters (it packs only ~2:1, so no bomb)."""
    text = base64.b32encode(random.Random(7).randbytes(7_000_000))
    body = b"<w:document " + W + b"><w:body><w:p><w:r><w:t>" + text + b"</w:t></w:r></w:p>"
    return docs.docx_with(
        folder, "huge-node.docx", {"word/document.xml": body + b"</w:body></w:document>"}
    )


def bomb(folder: Path) -> Path:
    return docs.zip_bomb_docx(folder, megabytes=2048)


HOSTILE = [
    (broken_xml, "XML is broken"),
    (corrupt_deflate, "corrupt or not a .docx"),
    (huge_text_node, "text run over 10 MB"),
    (bomb, "would expand to 2,1[0-9]{2} MB of XML .* zip bomb"),
]


@pytest.mark.parametrize(("build", "reason"), HOSTILE, ids=lambda x: getattr(x, "__name__", ""))
def test_malformed_word_files_fail_with_one_line(tmp_path: Path, build, reason: str) -> None:
    path = build(tmp_path)
    started = time.perf_counter()
    with pytest.raises(LoadError, match=reason) as caught:
        load_file(path, max_bytes=50_000_000)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 300
    assert time.perf_counter() - started < 10  # the bomb is refused before it is inflated


def test_each_expansion_limit_refuses_on_its_own(tmp_path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(docs.zip_bomb_docx(tmp_path, megabytes=8)) as archive:
        part = [archive.getinfo("word/document.xml")]
    generous = ZipLimits(total=10**12, part=10**12, ratio=10**6, ratio_floor=0)
    check_expansion(part, generous)  # within every limit: accepted
    for limit, reason in (
        ({"total": 1_000_000}, "8 MB of XML"),
        ({"part": 1_000_000}, "part word/document.xml would expand to 8.4 MB"),
        ({"ratio": 100}, "1,0[0-9]{2} times its packed size"),
    ):
        with pytest.raises(LoadError, match=reason):
            check_expansion(part, ZipLimits(**{**vars(generous), **limit}))


def test_media_parts_are_never_read(tmp_path: Path) -> None:
    """A referenced image whose packed bytes are garbage does not stop the text."""
    import io
    import zipfile

    import docx
    from PIL import Image

    picture = io.BytesIO()
    Image.frombytes("L", (64, 64), random.Random(3).randbytes(64 * 64)).save(picture, "PNG")
    document = docx.Document()
    document.add_heading("Pictures of the cluster", level=1)
    document.add_paragraph(docs.paragraph(1))
    document.add_picture(picture)
    path = tmp_path / "pictures.docx"
    document.save(str(path))
    with zipfile.ZipFile(path) as archive:
        media = next(n for n in archive.namelist() if n.startswith("word/media/"))
    docs.corrupt_member(path, media)
    loaded = load_file(path)
    assert any("Trust grows slowly" in b.text for b in loaded.blocks)


def test_a_run_with_bad_files_indexes_the_good_ones(make_settings, embeddings) -> None:
    from assistant.index.lexical import BM25Index
    from assistant.index.store import IndexStore
    from assistant.ingest.pipeline import Indexer

    settings = make_settings(second_embedding_model="")
    folder = settings.corpus_dir / "documents"
    (folder / "guide.md").write_text(docs.markdown_text(), encoding="utf-8")
    docs.report_docx(folder, "good.docx")
    bad = [build(folder).name for build, _ in HOSTILE]

    report = Indexer(settings, embeddings).run()
    assert sorted(report.added) == ["documents/good.docx", "documents/guide.md"]
    assert sorted(Path(k).name for k in report.failed) == sorted(bad)
    store = IndexStore(settings)
    assert (
        store.all_ids()
        == store.load_ledger().chunk_ids()
        == set(BM25Index.load(store.bm25_dir).ids)
    )


def long_pdf(folder: Path, pages: int, name: str = "long.pdf") -> Path:
    path = folder / name
    path.write_bytes(docs.pdf_bytes([[("p", docs.paragraph(n, 2))] for n in range(pages)]))
    return path


def test_a_pdf_over_the_page_limit_is_refused_and_long_ones_report_pages(
    tmp_path: Path,
) -> None:
    path = long_pdf(tmp_path, 60)
    with pytest.raises(LoadError, match=r"has 60 pages, over the limit of 59 \("):
        load_file(path, max_pages=59)
    seen: list[tuple[int, int]] = []
    load_file(path, max_pages=60, on_page=lambda done, pages: seen.append((done, pages)))
    assert seen == [(25, 60), (50, 60), (60, 60)]


def test_the_page_limit_comes_from_the_settings(make_settings, embeddings, monkeypatch) -> None:
    from assistant.ingest.pipeline import PAGES, Indexer
    from assistant.settings import Settings

    monkeypatch.setenv("CLUSTER_ASSISTANT_MAX_PAGES", "30")
    assert Settings().max_pages == 30
    settings = make_settings(second_embedding_model="", max_pages=30)
    folder = settings.corpus_dir / "documents"
    long_pdf(folder, 31, "too-long.pdf")
    long_pdf(folder, 30, "fits.pdf")
    calls: list[tuple[int, int, str]] = []
    report = Indexer(settings, embeddings).run(progress=lambda *call: calls.append(call))
    assert report.added == ["documents/fits.pdf"]
    assert "31 pages, over the limit of 30" in report.failed["documents/too-long.pdf"]
    assert (30, 30, "documents/fits.pdf" + PAGES) in calls


def test_a_link_to_a_file_outside_the_folder_is_refused(make_settings, embeddings) -> None:
    from assistant.index.store import IndexStore
    from assistant.ingest.pipeline import Indexer

    settings = make_settings(second_embedding_model="")
    folder = settings.corpus_dir / "documents"
    outside = settings.corpus_dir.parent / "private"
    outside.mkdir()
    (outside / "secret.md").write_text(docs.markdown_text(), "utf-8")
    (folder / "guide.md").write_text(docs.markdown_text().replace("Guide", "Handbook"), "utf-8")
    (folder / "secret.md").symlink_to(outside / "secret.md")
    (folder / "again.md").symlink_to(folder / "guide.md")  # inside: the same file once

    report = Indexer(settings, embeddings).run()
    assert report.added == ["documents/guide.md"]
    assert report.failed == {
        "documents/secret.md": f"a link to a file outside {folder}: not indexed "
        "(copy the file in instead)"
    }
    assert list(IndexStore(settings).load_ledger().files) == ["documents/guide.md"]
    (folder / "secret.md").unlink()
    report = Indexer(settings, embeddings).run()
    assert not report.failed and not report.changed


def test_an_upload_onto_a_dangling_link_stays_in_the_corpus(tmp_path: Path) -> None:
    from assistant.ui.uploads import CheckedUpload, save_uploads

    folder, outside = tmp_path / "documents", tmp_path / "outside.md"
    folder.mkdir()
    (folder / "notes.md").symlink_to(outside)  # dangling: outside.md does not exist
    saved = save_uploads(folder, [CheckedUpload("notes.md", b"# Notes\n\nText.\n")])
    assert not outside.exists()
    assert list(saved) == [folder / "notes-1.md"]
    assert (folder / "notes-1.md").read_bytes() == b"# Notes\n\nText.\n"
    assert not (folder / "notes-1.md").is_symlink()
