"""Which documents a question names: "according to the Whitebook", "what does Benner advise".

Each chunk carries its document's ``aliases`` (manifest aliases, author surnames, publisher
acronyms; see ``assistant.ingest.metadata.source_names``). A question that names a document
gets that
document's own best passages as an extra ranking in the fusion (``HybridRetriever``), so a
named source rises without shutting the others out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from langchain_core.documents import Document


def _pattern(name: str) -> re.Pattern[str]:
    """Whole-word match; acronyms ("OECD", but not "bit") only in capitals."""
    flags = 0 if name.isupper() else re.IGNORECASE
    return re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", flags)


class SourceNames:
    """Document ids by the names a question may use for them."""

    def __init__(self, names: dict[str, list[str]]) -> None:
        self.patterns = {
            doc_id: [_pattern(n) for n in doc_names] for doc_id, doc_names in names.items()
        }

    @classmethod
    def of(cls, chunks: Iterable[Document]) -> SourceNames:
        """The names recorded on the chunks (the first chunk of each document suffices)."""
        names: dict[str, list[str]] = {}
        for chunk in chunks:
            doc_id = str(chunk.metadata.get("doc_id", ""))
            if doc_id and doc_id not in names:
                aliases = str(chunk.metadata.get("aliases") or "")
                names[doc_id] = [a.strip() for a in aliases.split(";") if a.strip()]
        return cls(names)

    def mentioned(self, query: str) -> list[str]:
        """Ids of the documents ``query`` names, in index order."""
        text = query.replace("’", "'")
        return [
            doc_id
            for doc_id, patterns in self.patterns.items()
            if any(p.search(text) for p in patterns)
        ]
