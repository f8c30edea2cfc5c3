"""The index: Chroma collections (one per embedding model), the BM25 index, the file ledger,
the embedding models and the in-memory chunk table."""
