"""BM25 over the chunks (bm25s, English Snowball stemming and stop words)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

IDS_FILE = "chunk_ids.json"


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


class BM25Index:
    """A BM25 index whose rows are chunk ids."""

    def __init__(self, model: object, ids: list[str]) -> None:
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

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        import bm25s

        ids = json.loads((folder / IDS_FILE).read_text(encoding="utf-8"))
        model = bm25s.BM25.load(str(folder)) if ids else bm25s.BM25()
        return cls(model, ids)

    def search(self, query: str, k: int = 10) -> list[tuple[str, float]]:
        """``(chunk_id, score)`` pairs, best first; empty when no query term is indexed."""
        tokens = tokenize([query])[0]
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
