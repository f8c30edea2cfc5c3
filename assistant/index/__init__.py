"""The index on disk: Chroma collections (one per embedding model), BM25, the ledger, the chunk
table, and the embedding models (``store``, ``lexical``, ``chunk_table``, ``embeddings``)."""
