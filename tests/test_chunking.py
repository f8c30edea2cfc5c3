"""Chunk spans point at the chunk's own text in the document, even with token overlaps."""

from itertools import pairwise
from pathlib import Path

from assistant.index.embeddings import LocalEmbeddings
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


def test_token_counts_read_from_the_tokenizer_file_match_the_loaded_models(embeddings) -> None:
    # the chunker counts with the model's tokenizer.json alone (no model load): the same counts
    text = BENNER.read_text("utf-8")
    pieces = [text[n : n + 700] for n in range(0, len(text), 7000)]
    pieces += ["Ünïcödé café — “quotes” 日本語 🙂", "", "word " * 600]
    for model in (embeddings, LocalEmbeddings("all-mpnet-base-v2")):
        count, loaded = model.token_counter(), model.model.tokenizer
        assert [count(p) for p in pieces] == [
            len(loaded(p, add_special_tokens=False)["input_ids"]) for p in pieces
        ]
        assert model.max_tokens == model.model.max_seq_length
