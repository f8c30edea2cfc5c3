"""An ingest updates the lexical side (BM25, the chunk table, the library's words) from the
state the last build kept: the result equals a clean build, and only the chunks of the files
that changed are read from Chroma and tokenised."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import bm25s
import fixtures_docs as docs
import numpy as np
import pytest

import assistant.index.lexical as lexical
from assistant.index.chunk_table import TABLE_FILE, ChunkTable
from assistant.index.embeddings import LocalEmbeddings
from assistant.index.lexical import BM25Index, TokenRows, tokenize
from assistant.index.lexical_state import STATE_FILE, LexicalState
from assistant.index.library_words import LOW, WORDS_FILE, LibraryText, WordCounts
from assistant.index.store import IndexStore
from assistant.ingest.pipeline import Indexer
from assistant.settings import Settings

QUERIES = ["trust between firms", "export markets and suppliers", "revised public funding"]
TEXTS = [
    "Trust grows slowly between firms; trust between firms grows.",
    "Export consortia reach buyers. Export markets!",
    "",
    "Public funding tapers off as private contributions grow.",
    "Firms, universities and agencies around one table.",
]


def lexical_side(settings: Settings) -> dict[str, Any]:
    """Everything the current BM25 generation holds, in comparable form: the BM25 rows, every
    term's scores, some searches, the chunk table's documents, the library's words and the
    state kept for the next ingest."""
    folder = IndexStore(settings).bm25_dir
    bm25 = BM25Index.load(folder)
    table = ChunkTable.load(folder / TABLE_FILE)
    words = LibraryText.load(folder / WORDS_FILE)
    state = LexicalState.load(folder)
    vocab = sorted(term for term in bm25.model.vocab_dict if term)  # not bm25s's empty one
    return {
        "ids": bm25.ids,
        "scores": {term: bm25.score_terms([(term, 1.0)]).tolist() for term in vocab},
        "search": [bm25.search(query, k=20) for query in QUERIES],
        "table": [table.document(row) for row in range(len(table))],
        "words": (str(words), words.pairs.tolist()),
        "tokens": (state.files, state.tokens.vocab, state.tokens.ids.tolist()),
        "counts": counted(state.counts),
    }


def counted(counts: WordCounts) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """Each word's count and each pair's (the order of the words is that they were met in)."""
    words = counts.words
    pairs = zip(counts.pairs.tolist(), counts.pair_counts.tolist(), strict=True)
    return (
        dict(zip(words, counts.counts.tolist(), strict=True)),
        {(words[code >> 32], words[code & LOW]): n for code, n in pairs},
    )


def settings_for(root: Path) -> Settings:
    return Settings(corpus_dir=root / "corpus", index_dir=root / "index")


def manifest(folder: Path, title: str) -> None:
    """A manifest that lists c.md under ``title``."""
    entry = f"documents:\n  - file: c.md\n    id: c-report\n    title: {title}\n"
    (folder.parent / "manifest.yaml").write_text(entry, "utf-8")


def corpus_of(root: Path) -> Path:
    folder = root / "corpus" / "documents"
    folder.mkdir(parents=True)
    for name, seed in (("a.md", 1), ("b.md", 20), ("c.md", 30)):
        docs.markdown_doc(folder, name, seed)
    manifest(folder, "Sylvanian report")
    return folder


def change(folder: Path) -> None:
    """Edit a.md, remove b.md, add d.md, and retitle c.md in the manifest (its chunk ids stay,
    their texts for BM25 change: the title heads each)."""
    docs.markdown_doc(folder, "a.md", 1, title="Revised public funding")
    (folder / "b.md").unlink()
    docs.markdown_doc(folder, "d.md", 40)
    manifest(folder, "Sylvanian export markets")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """The chunk ids read from Chroma by id, and the texts tokenised for BM25."""
    seen: dict[str, list[str]] = {"fetched": [], "tokenised": []}
    get, tokenise = IndexStore.get, lexical.tokenize

    def spied_get(self: IndexStore, ids: list[str], page: int = 5000) -> list:
        seen["fetched"] += ids
        return get(self, ids, page)

    def spied_tokenize(texts: list[str]) -> list[list[str]]:
        seen["tokenised"] += texts
        return tokenise(texts)

    monkeypatch.setattr(IndexStore, "get", spied_get)
    monkeypatch.setattr(lexical, "tokenize", spied_tokenize)
    return seen


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory, embeddings: LocalEmbeddings) -> dict:
    """The lexical side of a clean build of the changed corpus."""
    root = tmp_path_factory.mktemp("clean")
    change(corpus_of(root))
    assert not Indexer(settings_for(root), embeddings).run().failed
    return lexical_side(settings_for(root))


def chunks_of(settings: Settings, *names: str) -> set[str]:
    files = IndexStore(settings).load_ledger().files
    return {c for name in names for c in files[f"documents/{name}"].chunk_ids}


def test_an_update_equals_a_clean_build_and_reads_only_what_changed(
    tmp_path: Path, embeddings: LocalEmbeddings, clean: dict, reads: dict
) -> None:
    settings = settings_for(tmp_path)
    folder = corpus_of(tmp_path)
    Indexer(settings, embeddings).run()
    c_before = chunks_of(settings, "c.md")
    change(folder)
    reads["fetched"].clear(), reads["tokenised"].clear()

    report = Indexer(settings, embeddings).run()

    assert sorted(report.updated) == ["documents/a.md", "documents/c.md"]
    assert chunks_of(settings, "c.md") == c_before  # same ids, other texts: read again
    changed = chunks_of(settings, "a.md", "c.md", "d.md")
    assert set(reads["fetched"]) == changed
    assert len(reads["tokenised"]) == len(changed)
    assert lexical_side(settings) == clean


def test_an_index_without_the_state_is_built_from_every_chunk_once(
    tmp_path: Path, embeddings: LocalEmbeddings, clean: dict, reads: dict
) -> None:
    settings = settings_for(tmp_path)
    folder = corpus_of(tmp_path)
    Indexer(settings, embeddings).run()
    generation = IndexStore(settings).bm25_dir.resolve()
    (generation / STATE_FILE).unlink()  # as an index written before the state was kept
    change(folder)
    reads["fetched"].clear()

    Indexer(settings, embeddings).run()
    assert set(reads["fetched"]) == IndexStore(settings).load_ledger().chunk_ids()
    assert lexical_side(settings) == clean

    reads["fetched"].clear()
    docs.markdown_doc(folder, "d.md", 41)
    Indexer(settings, embeddings).run()
    assert set(reads["fetched"]) == chunks_of(settings, "d.md")


def test_an_unchanged_run_keeps_the_generation(tmp_path: Path, embeddings, reads) -> None:
    settings = settings_for(tmp_path)
    corpus_of(tmp_path)
    Indexer(settings, embeddings).run()
    generation = IndexStore(settings).bm25_dir.resolve()
    reads["fetched"].clear()
    assert not Indexer(settings, embeddings).run().changed
    assert IndexStore(settings).bm25_dir.resolve() == generation and not reads["fetched"]


def test_a_copied_index_is_updated_like_the_original(tmp_path: Path, embeddings, clean) -> None:
    """The state holds no absolute path: a copied index folder updates as well."""
    first = tmp_path / "first"
    corpus_of(first)
    Indexer(settings_for(first), embeddings).run()
    shutil.copytree(first, tmp_path / "copy", symlinks=True)
    change(tmp_path / "copy" / "corpus" / "documents")
    Indexer(settings_for(tmp_path / "copy"), embeddings).run()
    assert lexical_side(settings_for(tmp_path / "copy")) == clean


# -- the parts, without an index ------------------------------------------------------------
def test_word_counts_taken_away_give_the_words_of_what_is_left() -> None:
    kept, gone = [*TEXTS[:3], "few firms export"], TEXTS[3:]
    # a difference in which "firms" and "export" count zero times, their pairs do not
    swap = WordCounts.of(["many firms export"]).plus(WordCounts.of(["few firms export"]), -1)
    counts = WordCounts.of(gone).plus(WordCounts.of(kept)).plus(WordCounts.of(gone), -1)
    counts = counts.plus(swap)
    left = [*TEXTS[:3], "many firms export"]
    assert counted(counts) == counted(WordCounts.of(left))
    library, expected = counts.library(), LibraryText.of(left)
    assert str(library) == str(expected) and np.array_equal(library.pairs, expected.pairs)
    assert "tapers" in LibraryText.of(TEXTS) and "tapers" not in library
    assert "grows slowly" in library and "tapers off" not in library
    assert "many firms" in library and "few firms" not in library


def test_token_rows_put_together_equal_the_rows_of_the_texts() -> None:
    order = [4, 0, 3, 2]
    rows = TokenRows.of(TEXTS[:2]).extended(TEXTS[2:]).take(np.array(order)).compact()
    expected = TokenRows.of([TEXTS[n] for n in order]).compact()
    assert rows.vocab == expected.vocab == sorted(expected.vocab)
    assert np.array_equal(rows.ids, expected.ids)
    assert np.array_equal(rows.offsets, expected.offsets)
    spans = zip(rows.offsets[:-1], rows.offsets[1:], strict=True)
    decoded = [[rows.vocab[i] for i in rows.ids[start:end]] for start, end in spans]
    assert decoded == tokenize([TEXTS[n] for n in order])


def test_bm25_from_token_rows_is_the_index_bm25s_builds_from_the_texts() -> None:
    texts = [*TEXTS, *(docs.paragraph(seed, seed % 7 + 1) for seed in range(60))]
    ours = BM25Index.build([f"c{n}" for n in range(len(texts))], texts).model
    theirs = bm25s.BM25()
    theirs.index(tokenize(texts), show_progress=False)
    assert set(ours.vocab_dict) == set(theirs.vocab_dict)
    for term in theirs.vocab_dict:
        if term:  # bm25s's empty token scores nothing
            assert np.array_equal(ours.get_scores([term]), theirs.get_scores([term]))
    assert ours.scores["data"].dtype == theirs.scores["data"].dtype
    assert {k: v for k, v in vars(ours).items() if k not in ("scores", "vocab_dict")} == {
        k: v for k, v in vars(theirs).items() if k not in ("scores", "vocab_dict")
    }
