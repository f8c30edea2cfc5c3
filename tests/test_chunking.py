"""Chunk spans point at the chunk's own text in the document, even with token overlaps."""

from itertools import pairwise
from pathlib import Path

from assistant.ingest.chunking import Chunker, document_text
from assistant.ingest.document import Block, DocumentMeta
from assistant.ingest.loaders import load_file

BENNER = (
    Path(__file__).parent.parent
    / "corpus/documents/benner-2013-cluster-policy-developing-countries.txt"
)


def test_every_span_holds_its_chunk_and_ids_are_unique(embeddings):
    loaded = load_file(BENNER)
    chunker = Chunker(embeddings.count_tokens, max_tokens=120, overlap_tokens=40)
    chunks = chunker.chunk(loaded.blocks, DocumentMeta(doc_id="benner", title="Benner"), "b.txt")
    text = document_text(loaded.blocks)
    assert len(chunks) > 100
    for chunk in chunks:
        assert text[chunk.metadata["start"] : chunk.metadata["end"]] == chunk.page_content
    assert len({c.id for c in chunks}) == len(chunks)
    starts = [c.metadata["start"] for c in chunks]
    assert starts == sorted(starts)


def test_overlapping_chunks_share_text_but_not_spans(embeddings):
    sentences = " ".join(f"Sentence number {i} talks about cluster trust." for i in range(60))
    loaded_blocks = [Block("Heading", 1), Block(sentences)]
    chunker = Chunker(embeddings.count_tokens, max_tokens=80, overlap_tokens=20)
    chunks = chunker.chunk(loaded_blocks, DocumentMeta(doc_id="d", title="T"), "d.txt")
    assert len(chunks) > 3
    for before, after in pairwise(chunks):
        assert before.metadata["start"] < after.metadata["start"] < before.metadata["end"]
