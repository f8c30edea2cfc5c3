"""Cut a document's blocks into section-bound chunks sized for the embedding model."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from langchain_core.documents import Document
from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.ingest.document import Block, DocumentMeta
from assistant.ingest.metadata import source_names

SEPARATORS = ["\n\n", "\n", r"(?<=[.!?;])\s+(?=[\"“‘(]?[A-Z0-9])", r"(?<=[,:])\s+", " ", ""]
BLOCK_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Section:
    """Consecutive body blocks under one heading path."""

    path: list[str]
    blocks: list[Block]
    start: int  # character offset of the first block in the document text


def iter_sections(blocks: list[Block]) -> Iterator[Section]:
    """Group body blocks by the heading path they sit under; offsets follow document_text()."""
    stack: list[tuple[int, str]] = []
    current: list[Block] = []
    start = offset = 0
    for block in blocks:
        if block.is_heading:
            if current:
                yield Section([t for _, t in stack], current, start)
                current = []
            stack = [(lvl, t) for lvl, t in stack if lvl < block.heading_level]  # type: ignore[operator]
            stack.append((block.heading_level, block.text))  # type: ignore[arg-type]
        else:
            if not current:
                start = offset
            current.append(block)
        offset += len(block.text) + len(BLOCK_SEPARATOR)
    if current:
        yield Section([t for _, t in stack], current, start)


def document_text(blocks: list[Block]) -> str:
    """The cleaned text of a document, to which chunk character spans refer."""
    return BLOCK_SEPARATOR.join(b.text for b in blocks)


def chunk_id(doc_id: str, start: int, text: str) -> str:
    """A stable id: the same document, position and text always give the same id."""
    return hashlib.sha256(f"{doc_id}|{start}|{text}".encode()).hexdigest()[:24]


def header(title: str, section: str) -> str:
    return f"{title} — {section}" if section else title


class Chunker:
    """Split sections into chunks of at most ``max_tokens`` word pieces, header included.

    Splits follow paragraph, then sentence, then clause boundaries (LangChain's recursive
    splitter, measured in the embedding model's own tokens).
    """

    def __init__(
        self,
        count_tokens: Callable[[str], int],
        max_tokens: int = 200,
        overlap_tokens: int = 30,
        header_tokens: int = 40,
    ) -> None:
        self.count_tokens = count_tokens
        self.splitter = RecursiveCharacterTextSplitter(
            separators=SEPARATORS,
            is_separator_regex=True,
            keep_separator="end",
            chunk_size=max_tokens - header_tokens,
            chunk_overlap=overlap_tokens,
            length_function=count_tokens,
        )

    def chunk(self, blocks: list[Block], meta: DocumentMeta, source: str) -> list[Document]:
        """LangChain Documents, one a chunk, with the metadata of DESIGN.md."""
        chunks = [
            _chunk_document(meta, source, section, local, body)
            for section in iter_sections(blocks)
            for local, body in self._pieces(section)
        ]
        for seq, doc in enumerate(chunks):
            doc.metadata["seq"] = seq
        return chunks

    def _pieces(self, section: Section) -> Iterator[tuple[int, str]]:
        """``(offset in the section text, text)`` of each chunk of a section, in order.

        Offsets are found by searching forward from the previous piece: the splitter's own
        ``start_index`` assumes a character overlap, while ours is measured in tokens. A piece
        always adds text and starts and ends at word boundaries, so its place is the first one
        after the previous start that ends beyond the previous end and cuts no word (a repeated
        sentence or word is not taken for an earlier one).
        """
        text = BLOCK_SEPARATOR.join(b.text for b in section.blocks)
        cursor, end = -1, 0
        for body in self.splitter.split_text(text):
            found = text.find(body, cursor + 1)
            while found >= 0 and (found + len(body) <= end or _mid_word(text, found, body)):
                found = text.find(body, found + 1)
            cursor = found if found >= 0 else cursor + 1
            end = cursor + len(body)
            yield cursor, body


def _mid_word(text: str, at: int, body: str) -> bool:
    """Whether ``body`` found at ``at`` starts or ends inside a word of ``text``."""
    after = at + len(body)
    starts = at > 0 and text[at - 1].isalnum() and body[0].isalnum()
    ends = after < len(text) and text[after].isalnum() and body[-1].isalnum()
    return starts or ends


def _chunk_document(
    meta: DocumentMeta, source: str, section: Section, local: int, body: str
) -> Document:
    start = section.start + local
    cid = chunk_id(meta.doc_id, start, body)
    metadata = {
        "chunk_id": cid,
        "doc_id": meta.doc_id,
        "title": meta.title,
        "authors": "; ".join(meta.authors),
        "aliases": "; ".join(source_names(meta)),
        "year": meta.year,
        "kind": meta.kind,
        "source": source,
        "section": " > ".join(section.path),
        "page": _page_at(section, local),
        "start": start,
        "end": start + len(body),
    }
    return Document(
        id=cid,
        page_content=body,
        metadata={k: v for k, v in metadata.items() if v not in (None, "")},
    )


def _page_at(section: Section, offset: int) -> str | None:
    """The page of the block holding ``offset`` (relative to the section text)."""
    position = 0
    for block in section.blocks:
        position += len(block.text) + len(BLOCK_SEPARATOR)
        if offset < position:
            return block.page
    return section.blocks[-1].page


def embedding_text(doc: Document, with_header: bool = True) -> str:
    """The text that is embedded and indexed for BM25: a short header, then the chunk."""
    if not with_header:
        return doc.page_content
    meta = doc.metadata
    return f"{header(meta.get('title', ''), meta.get('section', ''))}\n{doc.page_content}"
