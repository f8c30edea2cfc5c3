"""The starter corpus indexes and the hybrid retriever finds a known passage."""

from assistant.retrieval.hybrid import HybridRetriever


def test_search_finds_promotion_chain_passage(starter_index):
    retriever = HybridRetriever.from_settings(starter_index, k=5)
    docs = retriever.invoke(
        "How many regions should the first round of the cluster promotion chain target?"
    )
    assert any("between five and ten" in d.page_content for d in docs)
    assert all(d.metadata["doc_id"] and "score" in d.metadata for d in docs)
