"""The sentences of retrieved passages and their vectors, computed once at ingest.

An extractive answer scores every sentence of the retrieved passages against the question. Split
and embedded at request time, that was most of an answer's time (about 0.9 s of 1.1 s on two
cores). A passage is a chunk stitched with its neighbours (``passage_texts``, as retrieval
returns it), so ingest knows every passage a file can yield: it splits and embeds them once and
keeps, in ``sentences.sqlite`` in the index folder, each passage's sentence spans and the first
model's vectors of the passage and of each sentence (float16, once per file and text). Rows are
found by a hash of the text, the model and the splitting rules; anything missing (an index made
before, another model) is computed by the reader, as before.
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.documents import Document

from assistant.index.chunk_table import NEIGHBOURS, ChunkTable, stitch
from assistant.index.embeddings import text_key

STORE_FILE = "sentences.sqlite"
SPLIT_VERSION = 2  # raise when ``split_sentences`` changes: the ingest signature holds it
MIN_WORDS = 6
MAX_WORDS = 80

# Table rows, HTML line breaks, links, bold title lines, italic-only reference lines,
# "12. Author (2000)." notes.
_NOISE = re.compile(r"\||<br|https?://|www\.|\*\*|^\*[^*]+\*\W*$|^\d+\.\s+\S.*\(\d{4}\)|^\W*$")
_NUMBERED = re.compile(r"^\d{1,3}\.\s+(?=[A-Z])")  # "29. " numbering of report paragraphs
_TRAILING_NOTES = re.compile(r"(\s*<sup>[^<]*</sup>)+$")
# A bibliographic reference or footnote: "[- ]Author (2007). Title…" at a paragraph's start.
_REFERENCE = re.compile(r"^\W*(<sup>[^<]*</sup>)?\s*[-*]?\s*[^()\n]{2,120}\(\d{4}[a-z]?\)[.,:]")


@lru_cache(maxsize=1)
def _segmenter():  # -> pysbd.Segmenter
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


# A sentence end inside an over-long segment: pysbd keeps a quotation of several sentences
# whole ("“Collective efficiency is defined as … . I view … .” (Nadvi 1999)").
_INNER_END = re.compile(r"(?<=[.!?])[”’\"]?\s+(?=[“‘\"]?[A-Z])")
_OPENING_QUOTES = {"“": "”", "‘": "’", '"': '"'}


@lru_cache(maxsize=4096)
def _segment(paragraph: str) -> tuple[str, ...]:
    # neighbouring passages share most paragraphs: each is segmented once
    pieces: list[str] = []
    for piece in _segmenter().segment(paragraph):
        pieces += _INNER_END.split(piece) if len(piece.split()) > MAX_WORDS else [piece]
    return tuple(pieces)


def _unquoted(sentence: str) -> str:
    """``sentence`` without an opening quote mark that it never closes."""
    closing = _OPENING_QUOTES.get(sentence[:1])
    if closing and closing not in sentence[1:]:
        return sentence[1:].lstrip()
    return sentence


def split_sentences(text: str) -> list[str]:
    """The sentences of a passage, verbatim, skipping headings, footnotes and fragments."""
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        if not paragraph.strip() or _REFERENCE.match(paragraph):
            continue
        pieces = _segment(paragraph)
        if paragraph.lstrip().startswith("#"):  # a heading line, or a heading run into its text
            rest = paragraph.partition("\n")[2]
            pieces = _segment(rest) if rest.strip() else pieces[1:]
        for piece in pieces:
            sentence = _unquoted(_TRAILING_NOTES.sub("", _NUMBERED.sub("", piece.strip())))
            words = len(sentence.split())
            if MIN_WORDS <= words <= MAX_WORDS and not _NOISE.search(sentence):
                sentences.append(sentence)
    return sentences


@dataclass(frozen=True)
class SplitPassage:
    """A passage's sentences with their vectors (one row each) and the passage's own vector."""

    sentences: list[str]
    vectors: np.ndarray
    passage: np.ndarray | None = None


Embed = Callable[[list[str]], list[list[float]]]


def passage_texts(chunks: list[Document], neighbours: int = NEIGHBOURS) -> list[str]:
    """The passage retrieval returns for each of one document's ``chunks``: the chunk
    stitched with its ``neighbours`` on each side (``ChunkTable.run``), in the chunks' order."""
    table = ChunkTable(chunks)
    return [stitch(table.run(str(c.id), neighbours, neighbours)) for c in chunks]


def passages_by_document(chunks: Iterable[Document]) -> dict[str, list[str]]:
    """``passage_texts`` of each document's chunks (grouped by ``doc_id``), by document id."""
    by_doc: dict[str, list[Document]] = {}
    for chunk in chunks:
        by_doc.setdefault(str(chunk.metadata.get("doc_id")), []).append(chunk)
    return {doc_id: passage_texts(group) for doc_id, group in by_doc.items()}


def split_and_embed(
    texts: list[str], embed: Embed, with_passages: bool = True
) -> list[SplitPassage]:
    """Each text split into sentences, and every distinct sentence (and, ``with_passages``,
    every text) embedded in one ``embed`` call."""
    splits = [split_sentences(t) for t in texts]
    pieces = [[t, *s] if with_passages else s for t, s in zip(texts, splits, strict=True)]
    unique = list(dict.fromkeys(piece for group in pieces for piece in group))
    vectors = np.asarray(embed(unique) if unique else [], dtype=np.float32)
    found = dict(zip(unique, vectors, strict=True))
    dim = len(next(iter(found.values()))) if found else 0
    passages = []
    for sentences, group in zip(splits, pieces, strict=True):
        block = np.asarray([found[piece] for piece in group]).reshape(len(group), dim)
        split = SplitPassage(sentences, block[1:], block[0]) if with_passages else None
        passages.append(split or SplitPassage(sentences, block))
    return passages


def passage_key(model_id: str, text: str) -> str:
    """What a stored passage must match: its text, the model and the splitting rules."""
    return text_key(f"{model_id}\0sentences-v{SPLIT_VERSION}", text)


SCHEMA = (
    "CREATE TABLE IF NOT EXISTS passages (file TEXT, key TEXT, spans TEXT, vector BLOB, "
    "PRIMARY KEY (file, key))",
    "CREATE INDEX IF NOT EXISTS passage_keys ON passages (key)",
    "CREATE TABLE IF NOT EXISTS sentences (file TEXT, key TEXT, vector BLOB, "
    "PRIMARY KEY (file, key))",
    "CREATE INDEX IF NOT EXISTS sentence_keys ON sentences (key)",
)


class SentenceStore:
    """The stored sentences and vectors of an index's passages (``sentences.sqlite``), kept
    per file so that a changed or removed file takes its rows along."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self, write: bool = False) -> sqlite3.Connection:
        if not write:
            return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        for statement in SCHEMA:
            db.execute(statement)
        return db

    def get(self, model_id: str, texts: list[str]) -> dict[str, SplitPassage]:
        """The stored passages among ``texts``, by text (a text not stored is left out)."""
        if not texts or not self.path.exists():
            return {}
        keys = {passage_key(model_id, t): t for t in texts}
        try:
            with contextlib.closing(self._connect()) as db:
                passages = _select(db, "SELECT key, spans, vector FROM passages", list(keys))
                sentences = {k: [keys[k][a:b] for a, b in json.loads(v)] for k, v, _ in passages}
                vectors = {key: vector for key, _, vector in passages}
                wanted = {text_key(model_id, s) for group in sentences.values() for s in group}
                found = dict(_select(db, "SELECT key, vector FROM sentences", list(wanted)))
        except sqlite3.Error:  # absent, half-written or locked: computed instead
            return {}
        result = {}
        for key, group in sentences.items():
            rows = [found[k] for s in group if (k := text_key(model_id, s)) in found]
            if len(rows) == len(group):
                matrix = np.vstack([_vector(vectors[key]), *map(_vector, rows)])
                result[keys[key]] = SplitPassage(group, matrix[1:], matrix[0])
        return result

    def put(self, model_id: str, file: str, passages: Iterable[tuple[str, SplitPassage]]) -> None:
        """Store ``(text, passage)`` pairs as ``file``'s, replacing what ``file`` had."""
        rows, sentence_rows = [], {}
        for text, p in passages:
            spans = _spans(text, p.sentences)
            if spans is None or p.passage is None:
                continue
            rows.append((file, passage_key(model_id, text), json.dumps(spans), _blob(p.passage)))
            for sentence, vector in zip(p.sentences, p.vectors, strict=True):
                sentence_rows[text_key(model_id, sentence)] = _blob(vector)
        with contextlib.closing(self._connect(write=True)) as db, db:
            db.execute("DELETE FROM passages WHERE file = ?", (file,))
            db.execute("DELETE FROM sentences WHERE file = ?", (file,))
            db.executemany("INSERT OR REPLACE INTO passages VALUES (?, ?, ?, ?)", rows)
            db.executemany(
                "INSERT OR REPLACE INTO sentences VALUES (?, ?, ?)",
                [(file, key, blob) for key, blob in sentence_rows.items()],
            )

    def keep_files(self, files: set[str]) -> None:
        """Delete the rows of files not in ``files``."""
        if not self.path.exists():
            return
        with contextlib.closing(self._connect(write=True)) as db, db:
            stored = {row[0] for row in db.execute("SELECT DISTINCT file FROM passages")}
            for file in stored - files:
                db.execute("DELETE FROM passages WHERE file = ?", (file,))
                db.execute("DELETE FROM sentences WHERE file = ?", (file,))

    def remove(self) -> None:
        """Delete the store (a rebuild starts it again)."""
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


def _select(db: sqlite3.Connection, query: str, keys: list[str]) -> list[tuple[Any, ...]]:
    """``query`` (``SELECT key, …``) for the rows whose key is in ``keys``."""
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(keys), 500):
        page = keys[start : start + 500]
        marks = ",".join("?" * len(page))
        rows += db.execute(f"{query} WHERE key IN ({marks})", page).fetchall()
    return rows


def _spans(text: str, sentences: list[str]) -> list[tuple[int, int]] | None:
    """Where each sentence sits in ``text``, in order (None if one is not found verbatim)."""
    spans, at = [], 0
    for sentence in sentences:
        start = text.find(sentence, at)
        if start < 0:
            return None
        spans.append((start, start + len(sentence)))
        at = start + len(sentence)
    return spans


def _blob(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float16).tobytes()


def _vector(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.float16).astype(np.float32)
