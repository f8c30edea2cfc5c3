"""BM25 over the chunks (bm25s, English Snowball stemming and stop words)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

IDS_FILE = "chunk_ids.json"
TOKENS_FILE = "tokens.npz"  # each chunk's tokens, beside the index built from them
FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
QUESTION_WORDS = frozenset(
    [
        "according",
        "also",
        "among",
        "can",
        "could",
        "describe",
        "explain",
        "kind",
        "kinds",
        "many",
        "much",
        "might",
        "must",
        "one",
        "say",
        "says",
        "should",
        "tell",
        "way",
        "ways",
        "whether",
        "would",
    ]
)


@lru_cache(maxsize=1)
def _stemmer():  # -> Stemmer.Stemmer
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased, stop-word-free, stemmed tokens for each text."""
    import bm25s

    return bm25s.tokenize(
        texts, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False
    )


@lru_cache(maxsize=1)
def query_stopwords() -> frozenset[str]:
    """Function and question words left out of a question's terms."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return frozenset(STOPWORDS_EN_PLUS) | QUESTION_WORDS


def tokenize_query(query: str) -> list[str]:
    """Tokens of a question: as ``tokenize``, with a fuller stop list (question words too).

    The index keeps the short stop list (its texts are prose); a question's function words
    ("how", "what", "should", "according") only add noise to its BM25 score.
    """
    import bm25s

    folded = query.translate(FOLD)
    return bm25s.tokenize(
        [folded],
        stopwords=list(query_stopwords()),
        stemmer=_stemmer(),
        return_ids=False,
        show_progress=False,
    )[0]


@dataclass
class TokenRows:
    """Each chunk's BM25 tokens (``tokenize``) as numbers into ``vocab``: what BM25 is built
    from, kept so that an ingest tokenises only the chunks that changed.

    Row ``r`` holds ``ids[offsets[r]:offsets[r + 1]]``. ``compact`` sorts the vocabulary and
    drops unused words: the same texts give the same rows however they were put together.
    """

    vocab: list[str]
    ids: np.ndarray  # int32, the rows' token numbers one after the other
    offsets: np.ndarray  # int64, one more than there are rows

    @classmethod
    def of(cls, texts: Iterable[str]) -> TokenRows:
        """The tokens of ``texts``, one row each."""
        return cls([], np.zeros(0, dtype=np.int32), np.zeros(1, dtype=np.int64)).extended(texts)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def extended(self, texts: Iterable[str]) -> TokenRows:
        """These rows followed by one per text; new words are added to the vocabulary."""
        numbers = {word: n for n, word in enumerate(self.vocab)}
        texts = list(texts)
        rows = tokenize(texts) if texts else []
        added = np.fromiter(
            (numbers.setdefault(t, len(numbers)) for row in rows for t in row), dtype=np.int32
        )
        lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        offsets = np.concatenate([self.offsets, self.offsets[-1] + np.cumsum(lengths)])
        return TokenRows(list(numbers), np.concatenate([self.ids, added]), offsets)

    def take(self, rows: np.ndarray) -> TokenRows:
        """The given rows, in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        starts = self.offsets[rows]
        lengths = self.offsets[rows + 1] - starts
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        positions = np.repeat(starts - offsets[:-1], lengths) + np.arange(offsets[-1])
        return TokenRows(self.vocab, self.ids[positions], offsets)

    def compact(self) -> TokenRows:
        """The same rows over the words they use, in sorted order."""
        used = np.flatnonzero(np.bincount(self.ids, minlength=len(self.vocab)))
        order = sorted(range(len(used)), key=lambda n: self.vocab[used[n]])
        number = np.zeros(len(self.vocab), dtype=np.int32)
        number[used[order]] = np.arange(len(used), dtype=np.int32)
        vocab = [self.vocab[used[n]] for n in order]
        return TokenRows(vocab, number[self.ids], self.offsets)

    def save(self, path: Path) -> None:
        vocab = np.frombuffer("\n".join(self.vocab).encode("utf-8"), dtype=np.uint8)
        with path.open("wb") as out:
            np.savez(out, vocab=vocab, ids=self.ids, offsets=self.offsets)

    @classmethod
    def load(cls, path: Path) -> TokenRows:
        with np.load(path, allow_pickle=False) as data:
            text = data["vocab"].tobytes().decode("utf-8")
            vocab = text.split("\n") if text else []
            return cls(vocab, data["ids"].astype(np.int32), data["offsets"].astype(np.int64))


def _index(model: Any, rows: TokenRows) -> None:
    """Index ``rows`` in ``model`` (a new ``bm25s.BM25``) as its ``index`` method would (its
    default BM25 variant, Lucene's: the same float32 scores, bit for bit, and the same
    matrix), but with array operations: bm25s loops over the chunks in Python (7 s per 100,000
    chunks, measured), on every ingest that changes a file."""
    n_docs, n_words = len(rows), len(rows.vocab)
    lengths = np.diff(rows.offsets)
    row_of = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
    pairs, tf = np.unique((rows.ids.astype(np.int64) << 32) | row_of, return_counts=True)
    words, docs = pairs >> 32, pairs & ((1 << 32) - 1)  # sorted by word, then by row
    doc_freq = np.bincount(words, minlength=n_words)
    distinct, which = np.unique(doc_freq, return_inverse=True)
    idf = np.array([math.log(1 + (n_docs - d + 0.5) / (d + 0.5)) for d in distinct.tolist()])
    idf = idf[which].astype(model.dtype)  # as bm25s: computed in double, kept in float32
    k1, b, average = model.k1, model.b, lengths.mean()
    tf = tf.astype(model.dtype)
    tfc = tf / (k1 * ((1 - b) + b * lengths[docs] / average) + tf)
    model.scores = {
        "data": (idf[words] * tfc).astype(model.dtype),
        "indices": docs.astype(model.int_dtype),
        "indptr": np.concatenate([[0], np.cumsum(doc_freq)]).astype(np.int64),
        "num_docs": n_docs,
    }
    model.vocab_dict = {word: n for n, word in enumerate(rows.vocab)}
    model.vocab_dict[""] = n_words  # bm25s's empty token, as ``index`` adds it
    model.unique_token_ids_set = set(model.vocab_dict.values())
    model.nonoccurrence_array = None


class BM25Index:
    """A BM25 index whose rows are chunk ids."""

    def __init__(self, model: Any, ids: list[str]) -> None:  # model: bm25s.BM25
        self.model = model
        self.ids = ids

    @classmethod
    def build(cls, ids: list[str], texts: list[str]) -> BM25Index:
        return cls.of_tokens(ids, TokenRows.of(texts).compact())

    @classmethod
    def of_tokens(cls, ids: list[str], rows: TokenRows) -> BM25Index:
        """The index of chunks ``ids`` whose tokens are ``rows`` (row for row)."""
        import bm25s

        model = bm25s.BM25()
        if len(rows):
            _index(model, rows)
        return cls(model, list(ids))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if self.ids:
            self.model.save(str(folder))
        (folder / IDS_FILE).write_text(json.dumps(self.ids), encoding="utf-8")

    @staticmethod
    def stored_ids(folder: Path) -> list[str]:
        """The chunk ids of a saved index, read without loading the index itself."""
        return json.loads((folder / IDS_FILE).read_text(encoding="utf-8"))

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        import bm25s

        ids = cls.stored_ids(folder)
        model = bm25s.BM25.load(str(folder)) if ids else bm25s.BM25()
        return cls(model, ids)

    def doc_freq(self, term: str) -> int:
        """How many chunks hold the (tokenised) ``term``."""
        row = self.model.vocab_dict.get(term) if self.ids else None
        if row is None:
            return 0
        indptr = self.model.scores["indptr"]
        return int(indptr[row + 1] - indptr[row])

    def idf(self, term: str) -> float:
        """How rare the (tokenised) ``term`` is in the library: ``log((n + 1) / (df + 0.5))``
        over ``n`` chunks, highest for a term no chunk holds."""
        return math.log((len(self.ids) + 1) / (self.doc_freq(term) + 0.5))

    def score_terms(self, terms: list[tuple[str, float]]) -> np.ndarray:
        """BM25 scores of every chunk (row order of ``ids``) for weighted query terms."""
        scores = np.zeros(len(self.ids), dtype=np.float32)
        vocab = self.model.vocab_dict if self.ids else {}
        for term, weight in terms:
            if term in vocab:
                scores += weight * self.model.get_scores([term])
        return scores

    def search(self, query: str, k: int = 10) -> list[tuple[str, float]]:
        """``(chunk_id, score)`` pairs, best first; empty when no query term is indexed."""
        tokens = tokenize_query(query)
        if not self.ids or not tokens:
            return []
        vocab = self.model.vocab_dict
        tokens = [t for t in tokens if t in vocab]
        if not tokens:
            return []
        rows, scores = self.model.retrieve([tokens], k=min(k, len(self.ids)), show_progress=False)
        return [
            (self.ids[int(r)], float(s)) for r, s in zip(rows[0], scores[0], strict=True) if s > 0
        ]
