"""The shapes that flow through ingest: a loaded document made of blocks, and its metadata."""

from __future__ import annotations

from dataclasses import dataclass, field


class LoadError(Exception):
    """A file that cannot be indexed; the message says why, in words a user understands."""


@dataclass(frozen=True)
class Block:
    """A paragraph or a heading, in reading order.

    ``heading_level`` is None for body text; 1 is a top-level heading. ``page`` is the printed
    page label for PDFs (None elsewhere).
    """

    text: str
    heading_level: int | None = None
    page: str | None = None

    @property
    def is_heading(self) -> bool:
        return self.heading_level is not None


@dataclass
class DocumentMeta:
    """Bibliographic facts about one document."""

    doc_id: str
    title: str
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    kind: str = ""
    publisher: str = ""
    url: str = ""
    aliases: list[str] = field(default_factory=list)  # other names a question may use for it


@dataclass
class LoadedDocument:
    """What a loader returns: blocks plus whatever metadata the file itself carries."""

    blocks: list[Block]
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    year: int | None = None
