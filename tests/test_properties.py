"""Properties of section detection and chunking on generated documents (hypothesis)."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.index.embeddings import LocalEmbeddings
from assistant.ingest.chunking import BLOCK_SEPARATOR, Chunker, chunk_id, document_text
from assistant.ingest.document import Block, DocumentMeta
from assistant.ingest.structure import RUNNING_REPEATS, structure_lines

WORD = st.text(string.ascii_letters, min_size=1, max_size=12)
SENTENCE = st.lists(WORD, min_size=1, max_size=25).map(lambda ws: " ".join(ws) + ".")
HEADING = st.tuples(st.integers(1, 3), st.lists(WORD, min_size=1, max_size=6)).map(
    lambda h: "#" * h[0] + " " + " ".join(h[1])
)
LINE = st.one_of(HEADING, SENTENCE, st.just(""))
MAX_TOKENS, OVERLAP, HEADER_TOKENS = 64, 10, 40
META = DocumentMeta(doc_id="generated-doc", title="Generated")
# Derandomized: the same 60 documents on every run, so that CI is repeatable. Known gap: in
# text made of one repeated word the place of an overlapping piece is ambiguous.
RUN = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def words(lines: list[str]) -> list[str]:
    return [w for line in lines for w in line.split() if not w.startswith("#")]


@RUN
@given(st.lists(LINE, max_size=60))
def test_sections_keep_every_word_in_order(lines: list[str]) -> None:
    blocks = structure_lines(((line, None) for line in lines), markdown=True)
    assert all(b.text.strip() for b in blocks)
    out = [w for b in blocks for w in b.text.split()]
    counts = {line: lines.count(line) for line in lines if line}
    if max(counts.values(), default=0) < RUNNING_REPEATS:  # else running heads are dropped
        assert out == words(lines)
    else:  # nothing is invented and the order is kept
        rest = iter(words(lines))
        assert all(w in rest for w in out)


@pytest.fixture(scope="module")
def chunker(embeddings: LocalEmbeddings) -> Chunker:
    return Chunker(embeddings.count_tokens, MAX_TOKENS, OVERLAP, HEADER_TOKENS)


@RUN
@given(lines=st.lists(LINE, max_size=60))
def test_chunks_fit_cover_the_text_in_order_and_keep_their_ids(
    chunker: Chunker, lines: list[str]
) -> None:
    blocks = structure_lines(((line, None) for line in lines), markdown=True)
    chunks = chunker.chunk(blocks, META, "documents/generated.md")
    text = document_text(blocks)
    covered = [False] * len(text)
    previous = -1
    for seq, chunk in enumerate(chunks):
        meta, body = chunk.metadata, chunk.page_content
        assert body.strip() and meta["seq"] == seq
        assert chunker.count_tokens(body) <= MAX_TOKENS - HEADER_TOKENS
        assert text[meta["start"] : meta["end"]] == body
        assert meta["start"] >= previous  # in reading order
        previous = meta["start"]
        assert meta["chunk_id"] == chunk_id(META.doc_id, meta["start"], body)
        covered[meta["start"] : meta["end"]] = [True] * len(body)
    assert all(covered[i] or text[i].isspace() for i in _body_positions(blocks))
    again = chunker.chunk(blocks, META, "documents/generated.md")
    assert [c.metadata["chunk_id"] for c in again] == [c.metadata["chunk_id"] for c in chunks]


def _body_positions(blocks: list[Block]) -> list[int]:
    """Character positions of body text (not headings) in ``document_text(blocks)``."""
    positions, offset = [], 0
    for block in blocks:
        if not block.is_heading:
            positions += range(offset, offset + len(block.text))
        offset += len(block.text) + len(BLOCK_SEPARATOR)
    return positions
