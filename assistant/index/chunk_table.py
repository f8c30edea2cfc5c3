"""All chunks of an index in memory, in document order: look-up, neighbours and stitching.

Chunk texts are slices of their document's text (``start``/``end`` character offsets), and
consecutive chunks may overlap; ``stitch`` joins a run of chunks without repeating the overlap.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from langchain_core.documents import Document

PARAGRAPH = "\n\n"


class ChunkTable:
    """Chunks by id and by document, ordered by their position (``seq``) in the document."""

    def __init__(self, docs: Sequence[Document]) -> None:
        self.by_id: dict[str, Document] = {str(d.id): d for d in docs}
        groups: dict[str, list[Document]] = defaultdict(list)
        for doc in docs:
            groups[str(doc.metadata.get("doc_id", ""))].append(doc)
        self.by_doc = {
            key: sorted(group, key=lambda d: int(d.metadata.get("seq", 0)))
            for key, group in groups.items()
        }
        self.position = {
            str(d.id): (key, i) for key, group in self.by_doc.items() for i, d in enumerate(group)
        }

    def __len__(self) -> int:
        return len(self.by_id)

    def doc_of(self, chunk_id: str) -> str:
        return self.position[chunk_id][0]

    def run(self, chunk_id: str, before: int, after: int) -> list[Document]:
        """The chunk with up to ``before`` preceding and ``after`` following chunks."""
        key, i = self.position[chunk_id]
        group = self.by_doc[key]
        return group[max(0, i - before) : i + after + 1]

    def near(self, a: str, b: str, window: int) -> bool:
        """Whether two chunks sit in the same document at most ``window`` chunks apart."""
        (doc_a, i), (doc_b, j) = self.position[a], self.position[b]
        return doc_a == doc_b and abs(i - j) <= window


def stitch(run: Sequence[Document]) -> str:
    """The text of consecutive chunks of one document, overlaps written once."""
    if not run:
        return ""
    parts = [run[0].page_content]
    end = _end(run[0])
    for doc in run[1:]:
        start = int(doc.metadata.get("start", end))
        if start < end:
            parts.append(doc.page_content[end - start :])
        else:
            parts.append(PARAGRAPH + doc.page_content)
        end = max(end, _end(doc))
    return "".join(parts)


def _end(doc: Document) -> int:
    meta = doc.metadata
    return int(meta.get("end", int(meta.get("start", 0)) + len(doc.page_content)))
