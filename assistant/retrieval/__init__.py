"""Retrieval: dense and BM25 rankings fused by rank, named sources, diversity, neighbours."""
