"""What keeps searches quick and memory small in a large library: top rows without a full sort,
filters as array comparisons (checked against the per-chunk rule on a real index), the compact
chunk table (the stored chunks given back as they were) and the library's word index (name
look-ups answered as the whole text answers them)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from langchain_core.documents import Document

from assistant.answering.abstain import fold, searchable_text
from assistant.index.chunk_table import ChunkTable
from assistant.index.library_words import LibraryText
from assistant.index.store import IndexStore
from assistant.retrieval import search_index
from assistant.retrieval.search_index import Filters, SearchIndex, top_rows
from assistant.settings import Settings


@pytest.mark.parametrize("seed", range(5))
def test_top_rows_match_a_full_stable_sort(seed: int) -> None:
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 6, size=2000).astype(np.float32)  # many ties, many zeros
    for k in (1, 7, 50, 1999, 2000, 5000):
        full = [r for r in np.argsort(-scores, kind="stable")[:k] if scores[r] > 0]
        assert [r for r in top_rows(scores, k) if scores[r] > 0] == full


def test_filter_masks_agree_with_the_filter_rule(fixture_index: Settings) -> None:
    index = SearchIndex(fixture_index)
    by_id = index.table.by_id
    doc_ids = sorted({str(d.metadata["doc_id"]) for d in by_id.values()})
    years = sorted({d.metadata.get("year") for d in by_id.values()}, key=str)
    cases = [
        Filters(doc_ids=(doc_ids[0],)),
        Filters(doc_ids=(doc_ids[-1], "no-such-doc")),
        Filters(year_min=2005),
        Filters(year_max=2010, kinds=("report",)),
        Filters(doc_ids=tuple(doc_ids[:2]), year_min=1990, year_max=2030),
    ]
    for filters in cases:
        expected = [by_id[i].metadata for i in index.bm25.ids]
        got = index._accepted(filters).tolist()
        assert got == [filters.accepts(m) for m in expected], (filters, years)
    assert any(any(index._accepted(f)) for f in cases) and not all(index._accepted(cases[0]))


def test_all_documents_read_page_by_page_are_all_the_chunks(fixture_index: Settings) -> None:
    store = IndexStore(fixture_index)
    paged = store.all_documents(page=7)
    assert len(paged) == len({d.id for d in paged}) == store.count() > 7
    assert {d.id for d in paged} == store.all_ids()
    assert {d.id: d.page_content for d in paged} == {
        d.id: d.page_content for d in store.all_documents()
    }


def test_compact_table_gives_back_the_stored_chunks(fixture_index: Settings) -> None:
    stored = IndexStore(fixture_index).all_documents()
    table = SearchIndex(fixture_index).table
    assert len(table) == len(stored) and set(table.by_id) == {d.id for d in stored}
    for doc in stored:
        made = table.by_id[str(doc.id)]
        assert made.page_content == doc.page_content
        assert made.metadata == doc.metadata
    values, codes = table.codes("year")
    assert [values[c] for c in codes] == [table.by_id[i].metadata.get("year") for i in table.ids]


def test_compact_table_keeps_what_differs_between_chunks_of_a_document() -> None:
    def chunk(seq: int, **meta: object) -> Document:
        base = {"doc_id": "d", "title": "T", "seq": seq, "year": 2001, "start": 10 * seq}
        return Document(id=f"d-{seq}", page_content=f"text {seq}", metadata={**base, **meta})

    docs = [
        chunk(2, year=2001.0),  # same value, another type
        chunk(0),
        chunk(1, title="Other title", extra=True),  # a key only this chunk has, another title
        Document(id="e-0", page_content="e", metadata={"doc_id": "e", "seq": 0}),
        chunk(3, page=None),
    ]
    table = ChunkTable(docs)
    assert table.ids == ["d-0", "d-1", "d-2", "d-3", "e-0"]
    for doc in docs:
        made = table.by_id[str(doc.id)]
        assert made.metadata == doc.metadata, doc.id
        assert all(type(made.metadata[k]) is type(v) for k, v in doc.metadata.items())
        assert made.page_content == doc.page_content
    assert table.value(table.row["d-1"], "title") == "Other title"
    assert table.value(table.row["e-0"], "title", "none") == "none"
    assert [d.id for d in table.heads()] == ["d-0", "e-0"]
    assert table.run_ids("d-3", 2, 2) == ["d-1", "d-2", "d-3"]


def phrases(texts: list[str], rng: np.random.Generator, n: int) -> list[str]:
    """Phrases of 1 to 4 words taken from ``texts``, cut inside their end words at times, and
    the same with a word swapped (mostly absent)."""
    found = []
    words = [fold(t).split() for t in texts]
    for _ in range(n):
        chunk = words[int(rng.integers(len(words)))]
        size = int(rng.integers(1, 5))
        start = int(rng.integers(max(1, len(chunk) - size)))
        run = chunk[start : start + size]
        if not run:
            continue
        if rng.random() < 0.5:  # a part of the first and last words
            run[0] = run[0][int(rng.integers(len(run[0]))) :]
            run[-1] = run[-1][: int(rng.integers(1, len(run[-1]) + 1))]
        found.append(" ".join(run))
        other = words[int(rng.integers(len(words)))]
        run[int(rng.integers(len(run)))] = other[int(rng.integers(len(other)))]
        found.append(" ".join(run))
    return [*found, "zzqx", "porter zzqx", "of the", "the end of", "s o"]


def test_library_words_answer_name_look_ups_as_the_whole_text(fixture_index: Settings) -> None:
    table = SearchIndex(fixture_index).table
    docs = list(table.by_id.values())
    full = searchable_text(docs)
    pieces = [fold(t) for t in {str(d.metadata["title"]) for d in docs}]
    pieces += [fold(d.page_content) for d in docs]
    words = LibraryText.of_table(table)
    assert len(words) < len(full)
    rng = np.random.default_rng(3)
    asked = phrases([d.page_content for d in docs], rng, 400)
    assert any(p in full for p in asked) and not all(p in full for p in asked)
    for phrase in asked:
        held = any(phrase in piece for piece in pieces)  # a run across two chunks does not count
        if " " not in phrase or len(phrase.split()) == 2:  # exact for one and two words
            assert (phrase in words) == held, phrase
        elif held:  # longer: each pair of the run is checked
            assert phrase in words, phrase
        pattern = rf"\b{re.escape(phrase)}\b"
        if " " not in phrase:
            assert bool(re.search(pattern, words)) == bool(re.search(pattern, full)), phrase


@pytest.mark.parametrize("broad", [0.1, 0.0, 1.01])  # as set; every filter broad; none
def test_filters_outside_chroma_give_what_chroma_filters_give(
    fixture_index: Settings, broad: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_index, "BROAD_FILTER", broad)
    index = SearchIndex(fixture_index)
    metas = [d.metadata for d in index.table.by_id.values()]
    years = sorted({y for y in (m.get("year") for m in metas) if y})
    doc_ids = sorted({str(m["doc_id"]) for m in metas})
    cases = [
        Filters(year_min=years[0]),
        Filters(year_max=years[-1] - 1),
        Filters(kinds=("x",)),
        Filters(doc_ids=(doc_ids[0],), year_min=years[0]),
    ]
    shares = [float(index._mask(f).mean()) for f in cases]
    assert shares[0] == 1.0 and 0.0 < shares[1] < 1.0 and shares[2] == 0.0 < shares[3]
    for query in ("cluster policy", "export consortium of firms", "training and skills"):
        vector = index.query_vector(query)
        for filters, k in [(f, k) for f in cases for k in (1, 3, 50)]:
            got = index.filtered_dense(vector, k, filters)
            chroma = index.dense(vector, k, filters.where())  # exact search in memory: same hits
            assert [i for i, _ in got] == [i for i, _ in chroma], (query, filters, k)
            assert [s for _, s in got] == pytest.approx([s for _, s in chroma], abs=1e-5)


# -- opening a library: the chunk table and the words are saved with BM25 ----------------------


@pytest.fixture
def own_index(make_settings) -> Settings:
    """The three-document retrieval corpus, indexed with the first model only."""
    import shutil
    from pathlib import Path

    from assistant.ingest.pipeline import Indexer

    settings = make_settings(second_embedding_model="")
    source = Path(__file__).parent / "data" / "retrieval_corpus"
    shutil.copytree(source, settings.corpus_dir, dirs_exist_ok=True)
    Indexer(settings).run()
    return settings


@pytest.fixture
def chroma_reads(monkeypatch) -> list[int]:
    """How many times the chunks are read from Chroma (the real read, counted)."""
    calls: list[int] = []
    real = IndexStore.documents

    def counted(self, page: int = 5000):
        calls.append(page)
        return real(self, page)

    monkeypatch.setattr(IndexStore, "documents", counted)
    return calls


def _same_table(a: ChunkTable, b: ChunkTable) -> bool:
    return a.ids == b.ids and all(a.document(r) == b.document(r) for r in range(len(a)))


def test_opening_reads_the_saved_table_and_words_not_every_chunk(own_index, chroma_reads):
    index = SearchIndex(own_index)
    table, words = index.table, index.library_words

    assert chroma_reads == []
    built = ChunkTable(IndexStore(own_index).documents())
    assert _same_table(table, built)
    rebuilt = LibraryText.of_table(built)
    assert str(words) == str(rebuilt) and np.array_equal(words.pairs, rebuilt.pairs)
    assert "ruritania" in words and "no-such-word-anywhere" not in words


def test_an_index_saved_without_them_reads_chroma_once_and_keeps_them(own_index, chroma_reads):
    from assistant.index.chunk_table import TABLE_FILE
    from assistant.index.library_words import WORDS_FILE

    generation = IndexStore(own_index).bm25_dir.resolve()
    (generation / TABLE_FILE).unlink()
    (generation / WORDS_FILE).unlink()  # as an index written before they were saved
    first = SearchIndex(own_index)
    first_words = str(first.library_words)
    assert len(chroma_reads) == 1
    assert (generation / TABLE_FILE).exists() and (generation / WORDS_FILE).exists()

    second = SearchIndex(own_index)
    assert _same_table(second.table, first.table) and str(second.library_words) == first_words
    assert len(chroma_reads) == 1


def test_a_saved_table_that_disagrees_with_bm25_is_not_used(own_index, chroma_reads):
    from assistant.index.chunk_table import TABLE_FILE

    store = IndexStore(own_index)
    docs = store.all_documents()
    chroma_reads.clear()
    ChunkTable(docs[:2]).save(store.bm25_dir.resolve() / TABLE_FILE)  # stale: two chunks

    table = SearchIndex(own_index).table
    assert len(chroma_reads) == 1 and set(table.ids) == {str(d.id) for d in docs}


def test_the_saved_words_follow_an_ingest(own_index):
    from assistant.ingest.pipeline import Indexer

    index = SearchIndex(own_index)
    assert "zanzibarian" not in index.library_words
    path = own_index.corpus_dir / "documents" / "sylvania-software-2018.md"
    path.write_text(path.read_text("utf-8") + "\n\nA zanzibarian delegation visited twice.\n")
    Indexer(own_index).run()

    index.refresh()
    assert "zanzibarian" in index.library_words
    assert "zanzibarian" in SearchIndex(own_index).library_words
