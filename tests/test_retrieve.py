"""HybridRetriever on a real index of the fixture corpus, through LangChain's interface."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_tests.integration_tests import RetrieversIntegrationTests

from assistant.retrieval.hybrid import HybridRetriever
from assistant.retrieval.search_index import SearchIndex
from assistant.settings import Settings

pytestmark = pytest.mark.slow

WINE = "How did the Ruritanian vintners raise their wine exports?"
SCORE_KEYS = ("score", "dense_score", "bm25_score", "rank")


@pytest.fixture(scope="module")
def index(fixture_index: Settings, embeddings) -> SearchIndex:
    return SearchIndex(fixture_index, embeddings)


def test_invoke_returns_the_answer_first_with_scores(index: SearchIndex) -> None:
    docs = HybridRetriever(index=index, k=3).invoke(WINE)
    assert len(docs) == 3
    top = docs[0]
    assert top.metadata["doc_id"] == "ruritania-2001"
    assert "joint marketing board" in top.page_content
    assert [d.metadata["rank"] for d in docs] == [1, 2, 3]
    assert all(key in d.metadata for d in docs for key in SCORE_KEYS)
    assert 0 < top.metadata["dense_score"] <= 1 and top.metadata["bm25_score"] > 0
    scores = [d.metadata["score"] for d in docs]
    assert scores == sorted(scores, reverse=True)


def test_neighbours_are_stitched_around_the_hit(index: SearchIndex) -> None:
    alone = HybridRetriever(index=index, k=1, neighbours=0).invoke(WINE)[0]
    wide = HybridRetriever(index=index, k=1, neighbours=1).invoke(WINE)[0]
    assert alone.id == wide.id == wide.metadata["chunk_id"]
    assert alone.page_content == wide.metadata["chunk_text"]
    assert alone.page_content in wide.page_content
    assert len(wide.page_content) > len(alone.page_content)
    assert wide.metadata["chunk_id"] in wide.metadata["context_ids"]
    assert len(wide.metadata["context_ids"]) > 1


def test_batch_answers_each_query_in_order(index: SearchIndex) -> None:
    retriever = HybridRetriever(index=index, k=2)
    ship = "Who paid for the training centre of the Freedonian shipyards?"
    results = retriever.batch([WINE, ship])
    assert [r[0].metadata["doc_id"] for r in results] == ["ruritania-2001", "freedonia-2010"]


def test_filters_restrict_documents_years_and_kinds(index: SearchIndex) -> None:
    retriever = HybridRetriever(index=index, k=10)
    by_doc = retriever.invoke(WINE, doc_ids=["sylvania-2018"])
    assert by_doc and {d.metadata["doc_id"] for d in by_doc} == {"sylvania-2018"}
    by_year = retriever.invoke(WINE, year_min=2005, year_max=2012)
    assert by_year and {d.metadata["year"] for d in by_year} == {2010}
    by_kind = HybridRetriever(index=index, k=10, kinds=["report", "book"]).invoke(WINE)
    assert {d.metadata["kind"] for d in by_kind} == {"report", "book"}
    assert retriever.invoke(WINE, doc_ids=["no-such-doc"]) == []


def test_one_document_cannot_take_every_slot(index: SearchIndex) -> None:
    docs = HybridRetriever(index=index, k=4, neighbours=0, max_doc_share=0.5).invoke(WINE)
    ids = [d.metadata["doc_id"] for d in docs]
    assert len(ids) == 4 and ids.count("ruritania-2001") <= 2
    assert len({d.id for d in docs}) == 4


def test_from_settings_and_unindexed_words(fixture_index: Settings) -> None:
    retriever = HybridRetriever.from_settings(fixture_index, k=2)
    docs = retriever.invoke("zzzz qqqq")  # no BM25 term: dense results only
    assert len(docs) == 2 and all(d.metadata["bm25_score"] is None for d in docs)
    assert retriever.invoke("   ") == []


class TestHybridRetrieverStandard(RetrieversIntegrationTests):
    """LangChain's standard retriever tests."""

    search_index: SearchIndex | None = None

    @pytest.fixture(autouse=True)
    def _index(self, index: SearchIndex) -> None:
        type(self).search_index = index

    @property
    def retriever_constructor(self) -> type[BaseRetriever]:
        return HybridRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"index": self.search_index, "neighbours": 0}

    @property
    def retriever_query_example(self) -> str:
        return "cluster marketing"


def test_documents_are_langchain_documents(index: SearchIndex) -> None:
    docs = HybridRetriever(index=index, k=2).invoke(WINE)
    assert all(isinstance(d, Document) and d.id for d in docs)


def test_a_long_lived_retriever_sees_a_later_ingest(make_settings, embeddings) -> None:
    from assistant.ingest.pipeline import Indexer

    settings = make_settings()
    docs = settings.corpus_dir / "documents"
    (docs / "a.md").write_text("# Olive oil\n\nOlive presses share a cooperative mill.\n")
    Indexer(settings, embeddings).run()
    retriever = HybridRetriever(index=SearchIndex(settings, embeddings), k=5)
    assert len(retriever.invoke("olive mill")) == 1
    (docs / "b.md").write_text("# Cheese\n\nCheese makers share a cooperative cellar.\n")
    Indexer(settings, embeddings).run()
    found = retriever.invoke("cheese cellar")
    assert len(found) == 2 and "cellar" in found[0].page_content


def test_a_named_source_rises_to_the_top(index: SearchIndex) -> None:
    # Both documents speak of exports and marketing; the question names B. Shipwright.
    question = "What does Shipwright say about exports?"
    plain = HybridRetriever(index=index, k=3, source_weight=0).invoke(question)
    named = HybridRetriever(index=index, k=3).invoke(question)
    assert plain[0].metadata["doc_id"] == "ruritania-2001"
    assert named[0].metadata["doc_id"] == "freedonia-2010"
    assert {d.metadata["doc_id"] for d in named} == {d.metadata["doc_id"] for d in plain}


def test_an_explicit_filter_overrides_a_named_source(index: SearchIndex) -> None:
    docs = HybridRetriever(index=index, k=3).invoke(
        "What does Shipwright say about exports?", doc_ids=["ruritania-2001"]
    )
    assert docs and {d.metadata["doc_id"] for d in docs} == {"ruritania-2001"}


def test_reference_lists_come_after_prose(make_settings, embeddings) -> None:
    from assistant.ingest.pipeline import Indexer

    settings = make_settings()
    (settings.corpus_dir / "documents" / "wine.md").write_text(
        "# Wine\n\n## Marketing\n\nThe vintners pooled their advertising budgets in one "
        "board, and their sales abroad doubled within five years.\n\n## References\n\n"
        "- Vintner, A. (2001): Wine exports and the joint marketing board. Ruritania Press.\n"
        "- Grower, B. (1999): Marketing wine exports together. Estate Review.\n"
    )
    Indexer(settings, embeddings).run()
    index = SearchIndex(settings, embeddings)
    question = "joint marketing of wine exports"

    demoted = HybridRetriever(index=index, k=2, neighbours=0).invoke(question)
    plain = HybridRetriever(index=index, k=2, neighbours=0, demote_references=False).invoke(
        question
    )
    assert "References" in plain[0].metadata["section"]  # the entries repeat every word
    assert "Marketing" in demoted[0].metadata["section"]
    assert "References" in demoted[1].metadata["section"]  # demoted, not dropped


def test_the_second_model_ranking_joins_the_fusion(index: SearchIndex) -> None:
    assert index.second_embeddings is not None  # all-mpnet-base-v2 by default
    both = HybridRetriever(index=index, k=3).invoke(WINE)
    first_only = HybridRetriever(index=index, k=3, second_weight=0, dense_weight=0.5).invoke(WINE)
    top = both[0].id
    assert top == first_only[0].id
    score_without = next(d.metadata["score"] for d in first_only if d.id == top)
    assert both[0].metadata["score"] > score_without  # the second ranking adds its share


def test_a_small_library_is_searched_exactly_and_a_large_one_by_chromas_graph(
    index: SearchIndex, monkeypatch
) -> None:
    import numpy as np

    from assistant.retrieval import search_index

    query = "How do cluster brokers build trust among firms?"
    got = index.store.collection.get(include=["embeddings"])
    vectors = np.asarray(got["embeddings"])
    sims = vectors @ np.asarray(index.query_vector(query))
    truth = [got["ids"][r] for r in np.argsort(-sims)[:8]]

    exact = index.dense(query, 8)
    some = truth[2:6]
    among = index.dense(query, 3, ids=some)

    assert [i for i, _ in exact] == truth
    assert [s for _, s in exact] == pytest.approx(sorted(sims, reverse=True)[:8], abs=1e-5)
    assert [i for i, _ in among] == some[:3]
    monkeypatch.setattr(search_index, "EXACT_SEARCH", 0)
    large = SearchIndex(index.settings, index.embeddings)
    assert large._matrix(False) is None
    assert {i for i, _ in large.dense(query, 8)} <= set(got["ids"])
