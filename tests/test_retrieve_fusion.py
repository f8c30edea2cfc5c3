"""Fusion, diversity, stitching, filters and feedback terms on constructed inputs."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document

from assistant.index.chunk_table import ChunkTable, stitch
from assistant.retrieval.fusion import diversify, rrf
from assistant.retrieval.glossary import expansions
from assistant.retrieval.relevance_feedback import expansion_terms
from assistant.retrieval.search_index import Filters


def test_rrf_sums_reciprocal_ranks() -> None:
    fused = dict(rrf([["a", "b", "c"], ["c", "a"]], k=60))
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert fused["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert fused["b"] == pytest.approx(1 / 62)
    assert [i for i, _ in rrf([["a", "b", "c"], ["c", "a"]])] == ["a", "c", "b"]


def test_rrf_weights_and_stable_ties() -> None:
    assert [i for i, _ in rrf([["a"], ["b"]])] == ["a", "b"]  # tie: first ranking wins
    assert [i for i, _ in rrf([["a"], ["b"]], weights=[1.0, 2.0])] == ["b", "a"]
    assert rrf([]) == []


def group(item: str) -> str:
    return item.split(":")[0]


def test_diversify_caps_one_document_and_keeps_rank_order() -> None:
    ranked = ["x:1", "x:2", "x:3", "y:1", "x:4", "z:1"]
    assert diversify(ranked, group, 4, max_per_group=2) == ["x:1", "x:2", "y:1", "z:1"]


def test_diversify_fills_from_capped_when_short() -> None:
    ranked = ["x:1", "x:2", "x:3", "y:1"]
    assert diversify(ranked, group, 4, max_per_group=1) == ["x:1", "x:2", "x:3", "y:1"]
    assert diversify(ranked, group, 3, max_per_group=1) == ["x:1", "x:2", "y:1"]


def test_diversify_skips_redundant_items() -> None:
    ranked = ["x:1", "x:2", "x:5", "y:1"]

    def near(a: str, b: str) -> bool:
        return group(a) == group(b) and abs(int(a[2:]) - int(b[2:])) <= 2

    assert diversify(ranked, group, 3, max_per_group=5, overlaps=near) == ["x:1", "x:5", "y:1"]


def chunk(doc_id: str, seq: int, start: int, text: str) -> Document:
    meta = {"doc_id": doc_id, "seq": seq, "start": start, "end": start + len(text)}
    return Document(id=f"{doc_id}-{seq}", page_content=text, metadata=meta)


def test_chunk_table_runs_and_stitches_overlaps() -> None:
    text = "One two three. Four five six. Seven eight nine."
    a = chunk("d", 0, 0, text[:20])  # "One two three. Four "
    b = chunk("d", 1, 15, text[15:35])  # overlaps a by five characters
    c = chunk("d", 2, 40, text[40:])  # after a gap
    other = chunk("e", 0, 0, "Elsewhere.")
    table = ChunkTable([c, other, a, b])
    assert [d.id for d in table.run("d-1", 1, 1)] == ["d-0", "d-1", "d-2"]
    assert [d.id for d in table.run("d-0", 1, 1)] == ["d-0", "d-1"]
    assert stitch(table.run("d-0", 0, 1)) == text[:35]
    assert stitch(table.run("d-1", 0, 1)) == text[15:35] + "\n\n" + text[40:]
    assert table.near("d-0", "d-2", 2) and not table.near("d-0", "d-2", 1)
    assert not table.near("d-0", "e-0", 5)
    assert table.doc_of("e-0") == "e"


def test_filters_where_and_accepts_agree() -> None:
    meta = {"doc_id": "a", "year": 2005, "kind": "report"}
    cases = [
        (Filters(), True, None),
        (Filters(doc_ids=("a", "b")), True, {"doc_id": {"$in": ["a", "b"]}}),
        (Filters(doc_ids=("b",)), False, {"doc_id": {"$in": ["b"]}}),
        (Filters(kinds=("book",)), False, {"kind": {"$in": ["book"]}}),
        (
            Filters(year_min=2000, year_max=2010),
            True,
            {"$and": [{"year": {"$gte": 2000}}, {"year": {"$lte": 2010}}]},
        ),
        (Filters(year_min=2006), False, {"year": {"$gte": 2006}}),
    ]
    for filters, accepted, where in cases:
        assert filters.accepts(meta) is accepted
        assert filters.where() == where
    assert not Filters(year_min=2000).accepts({"doc_id": "a"})  # unknown year: excluded
    expected = Filters(doc_ids=("a",), year_max=2004)
    assert Filters.of({"doc_ids": ["a"], "year_max": 2004}) == expected


def test_expansion_terms_prefers_frequent_rare_new_terms() -> None:
    feedback = [["trust", "broker", "broker", "firm"], ["broker", "network", "firm"]]
    df = {"trust": 5, "broker": 2, "firm": 90, "network": 10}
    terms = expansion_terms(["trust"], feedback, df.__getitem__, n_docs=100, n_terms=2)
    assert [t for t, _ in terms] == ["broker", "network"]
    assert terms[0][1] == 1.0 and 0 < terms[1][1] < 1
    assert expansion_terms(["trust"], [], df.__getitem__, n_docs=100) == []


def test_glossary_expands_specific_terms_only() -> None:
    found = expansions("Is an after-the-fact review enough for SMEs?")
    assert "ex post" in found and "small firms" in found
    assert "smes" not in found  # the word the question already used
    assert expansions("How should the state relate to firms?") == []
    assert "research and development" in expansions("Who funds R&D?")
