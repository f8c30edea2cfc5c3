"""What keeps searches quick in a large library: top rows without a full sort, filters as
array comparisons (checked against the per-chunk rule on a real index)."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.index.store import IndexStore
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
