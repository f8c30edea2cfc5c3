"""Citations: one type for every pointer from the product's output to the library.

A ``Citation`` names a passage of a document (chunk id, document, section, page, text) with its
bibliographic data (title, authors, year). Answers number theirs (``marker``, the ``[n]`` in
the answer); recommendations, exports, the CLI and the app use the same type. ``label()`` is
the one human-readable form. ``chunk_record`` is the JSON view of a retrieved passage in the
``search`` command's contract (DESIGN.md).
"""

from __future__ import annotations

import re
from typing import Any

from langchain_core.documents import Document
from pydantic import BaseModel

# Lower-case words that open a family name: "Ludwig van Beethoven" is "van Beethoven, L.".
PARTICLES = frozenset(
    {"van", "von", "der", "den", "de", "del", "della", "di", "da", "das", "dos", "du"}
    | {"la", "le", "ten", "ter", "bin", "ibn", "al"}
)


def name_parts(name: str) -> tuple[str, str]:
    """(family, given) of a person's name: 'Family, Given' as written (a family name of several
    words, "Schwaag Serger, Sylvia"), else the last word with the particles before it."""
    if "," in name:
        family, _, given = name.partition(",")
        return family.strip(), given.strip()
    words = name.split()
    start = max(len(words) - 1, 0)
    while start > 0 and words[start - 1] in PARTICLES:
        start -= 1
    return " ".join(words[start:]), " ".join(words[:start])


def initials(given: str) -> str:
    """'Michael J.' -> 'M. J.'; 'Jean-Pierre' -> 'J.-P.'."""
    return " ".join(
        "-".join(f"{part[0]}." for part in word.split("-") if part[:1].isalpha())
        for word in given.split()
        if word[:1].isalpha()
    )


def display_name(name: str) -> str:
    """A name in reading order: 'Schwaag Serger, Sylvia' -> 'Sylvia Schwaag Serger'."""
    if "(" in name or ")" in name:  # an organisation with its people, kept as written
        return name.strip()
    family, given = name_parts(name)
    return f"{given} {family}".strip()


def display_authors(authors: str) -> str:
    """'A; Family, Given' -> 'A, Given Family': the authors as a reader writes them."""
    return ", ".join(display_name(n) for n in re.split(r";\s*", authors) if n.strip())


class Citation(BaseModel):
    """A pointer from an answer, a recommendation or a draft to one passage of the library."""

    marker: int | None = None  # the answer's [n]; None outside answers
    chunk_id: str = ""  # empty for a curated quote not tied to one chunk
    doc_id: str = ""
    title: str = ""
    authors: str = ""  # "Given Surname; Given Surname" (or "Surname, Given; …")
    year: int | None = None
    section: str = ""
    page: str | None = None  # the printed page label (PDFs), e.g. "iv" or "12"
    text: str = ""

    @classmethod
    def from_document(cls, doc: Document, marker: int | None = None) -> Citation:
        """The citation of a retrieved passage (its text as retrieved)."""
        meta = doc.metadata
        year = meta.get("year")
        return cls(
            marker=marker,
            chunk_id=str(meta.get("chunk_id") or doc.id or ""),
            doc_id=str(meta.get("doc_id") or ""),
            title=str(meta.get("title") or ""),
            authors=str(meta.get("authors") or ""),
            year=int(year) if year not in (None, "") else None,
            section=str(meta.get("section") or ""),
            page=str(meta["page"]) if meta.get("page") else None,
            text=doc.page_content,
        )

    @property
    def short_authors(self) -> str:
        """'Benner', 'Meyer-Stamer and Harmes-Liedtke', 'Andersson et al.', 'UNIDO': the
        family names of one or two authors, the first one's and 'et al.' for more."""
        names = [a.strip() for a in self.authors.split(";") if a.strip()]
        if not names:
            return ""
        first = names[0]
        if first.count("(") > first.count(")"):  # 'UNIDO (Giovanna Ceglie; Anna Stancher)'
            return first.split("(")[0].strip()
        if len(names) == 2:
            return f"{name_parts(first)[0]} and {name_parts(names[1])[0]}"
        return name_parts(first)[0] + (" et al." if len(names) > 2 else "")

    def label(self, where: bool = True) -> str:
        """'Title (Benner, 2013), Section, p. 12'; with ``where=False`` only 'Title (…)'."""
        who = ", ".join(x for x in (self.short_authors, str(self.year or "")) if x)
        parts = [(self.title or self.doc_id or "Untitled") + (f" ({who})" if who else "")]
        if where and self.section:
            parts.append(self.section)
        if where and self.page:
            parts.append(f"p. {self.page}")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """``marker, chunk_id, doc_id, title, authors, year, section, page, text``."""
        return self.model_dump()


def chunk_record(doc: Document, with_score: bool = True) -> dict[str, Any]:
    """``chunk_id, doc_id, title, section, page, text`` (and ``score``) of a retrieved passage.

    ``text`` is the passage as retrieved: the hit chunk stitched with its neighbours when the
    retriever expands hits; ``chunk_text`` is then the hit chunk's own text.
    """
    meta = doc.metadata
    record: dict[str, Any] = {
        "chunk_id": meta.get("chunk_id", doc.id),
        "doc_id": meta.get("doc_id"),
        "title": meta.get("title"),
        "section": meta.get("section", ""),
        "page": meta.get("page"),
        "text": doc.page_content,
    }
    if meta.get("chunk_text") and meta["chunk_text"] != doc.page_content:
        record["chunk_text"] = meta["chunk_text"]
    if with_score:
        record["score"] = meta.get("score")
    return record
