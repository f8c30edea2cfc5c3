"""BM25 over the chunks (bm25s, English Snowball stemming and stop words)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

IDS_FILE = "chunk_ids.json"
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


class BM25Index:
    """A BM25 index whose rows are chunk ids."""

    def __init__(self, model: Any, ids: list[str]) -> None:  # model: bm25s.BM25
        self.model = model
        self.ids = ids

    @classmethod
    def build(cls, ids: list[str], texts: list[str]) -> BM25Index:
        import bm25s

        model = bm25s.BM25()
        if texts:
            model.index(tokenize(texts), show_progress=False)
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

    def score_terms(self, terms: list[tuple[str, float]]):  # -> numpy.ndarray
        """BM25 scores of every chunk (row order of ``ids``) for weighted query terms."""
        import numpy as np

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
