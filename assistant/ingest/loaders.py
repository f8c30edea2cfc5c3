"""Read PDF, Markdown, plain-text and Word files into blocks, or fail with a clear reason."""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.ingest.document import Block, LoadedDocument, LoadError
from assistant.ingest.metadata import split_authors, year_in
from assistant.ingest.structure import structure_lines

SUPPORTED_SUFFIXES = (".pdf", ".md", ".markdown", ".txt", ".text", ".docx")
PageProgress = Callable[[int, int], None]  # (pages read, pages in the file)
PAGE_STEP = 25  # pages between two progress reports of a PDF
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class ZipLimits:
    """How far the XML parts of a Word file may expand (uncompressed sizes, in bytes).

    Checked in the zip directory before anything is decompressed. ``ratio`` (uncompressed /
    compressed) applies to parts larger than ``ratio_floor``: Word's XML compresses 5-20 times,
    a zip bomb about 1,000 times.
    """

    total: int = 200_000_000  # all XML parts together
    part: int = 100_000_000  # any one XML part
    ratio: float = 100.0
    ratio_floor: int = 1_000_000


DOCX_LIMITS = ZipLimits()


def one_line(exc: BaseException, limit: int = 160) -> str:
    """An exception as one short line: its type and the first line of its message."""
    lines = str(exc).strip().splitlines()
    message = re.sub(r"\s+", " ", lines[0] if lines else "")[:limit]
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def sniff_kind(data: bytes) -> str:
    """The file type told by content: 'pdf', 'docx', 'zip', 'binary' or 'text'."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if b"\x00" in data[:8192] and not data.startswith(_UTF16_BOMS):
        return "binary"
    return "text"


def _zip_kind(data: bytes) -> str:
    """'docx' for a Word file (or a damaged zip that looks like one), else 'zip'."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "docx" if "word/document.xml" in archive.namelist() else "zip"
    except (zipfile.BadZipFile, ValueError, EOFError, OSError):
        head = data[:4096]
        return "docx" if b"word/" in head or b"[Content_Types].xml" in head else "zip"


BAD_UTF8_SHARE = 0.001  # UTF-8 text may have this share of bad bytes (at least one) replaced


def _utf8_with_replacement(data: bytes, multibyte_evidence: bool = True) -> str | None:
    """The bytes as UTF-8 with their few bad sequences replaced by U+FFFD, or None.

    None when more than ``BAD_UTF8_SHARE`` of the bytes are bad or, with
    ``multibyte_evidence``, when well-formed multi-byte characters do not outnumber the bad
    sequences (then the file is more likely in a legacy encoding such as Windows-1252).
    """
    text = data.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd")
    bad = replaced - data.decode("utf-8", errors="ignore").count("\ufffd")
    multibyte = sum(ch > "\x7f" for ch in text) - replaced
    if bad > max(1, len(data) * BAD_UTF8_SHARE) or (multibyte_evidence and multibyte < bad):
        return None
    return text


def decode_text(data: bytes) -> str:
    """Decode text bytes: UTF-8 or UTF-16 with a BOM, UTF-8 (a few bad bytes replaced), else
    the detected encoding."""
    try:
        return data.decode("utf-16" if data.startswith(_UTF16_BOMS) else "utf-8-sig")
    except UnicodeDecodeError:
        pass
    if (text := _utf8_with_replacement(data)) is not None:
        return text.removeprefix("\ufeff")
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        if (text := _utf8_with_replacement(data, multibyte_evidence=False)) is not None:
            return text  # ASCII with a stray byte no code page explains
        raise LoadError("cannot detect the text encoding (is this a text file?)")
    best = matches[0]
    # Short texts often fit several code pages equally well: prefer Windows-1252, the usual
    # legacy encoding of English and Western European documents.
    tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    if any({"cp1252", "latin_1"} & {m.encoding, *m.could_be_from_charset} for m in tied):
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode("cp1252")
    return str(best)


def load_text(path: Path, data: bytes) -> LoadedDocument:
    text = decode_text(data)
    markdown = path.suffix.lower() in (".md", ".markdown")
    return LoadedDocument(
        blocks=structure_lines(((line, None) for line in text.splitlines()), markdown=markdown)
    )


def _page_labels(reader: object) -> list[str]:
    try:
        return list(reader.page_labels)  # type: ignore[attr-defined]
    except Exception:
        return [str(i + 1) for i in range(len(reader.pages))]  # type: ignore[attr-defined]


def _open_without_password(reader: object) -> bool:
    """Whether an encrypted PDF opens with the empty user password (owner-only protection)."""
    try:
        return bool(reader.decrypt(""))  # type: ignore[attr-defined]
    except Exception:  # unsupported cipher, or a library needed for it is missing
        return False


def load_pdf(
    path: Path, data: bytes, max_pages: int | None = None, on_page: PageProgress | None = None
) -> LoadedDocument:
    """A PDF's text by page; refused when it has more than ``max_pages`` pages.
    ``on_page(done, pages)`` is called as pages are read (every ``PAGE_STEP`` pages)."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not _open_without_password(reader):
            raise LoadError("the PDF is encrypted (password-protected); remove the password first")
        pages = len(reader.pages)
        if max_pages is not None and pages > max_pages:
            raise LoadError(
                f"the PDF has {pages:,} pages, over the limit of {max_pages:,} "
                "(CLUSTER_ASSISTANT_MAX_PAGES); split it, or raise the limit"
            )
        labels = _page_labels(reader)
        lines: list[tuple[str, str | None]] = []
        for number, page in enumerate(reader.pages):
            label = labels[number] if number < len(labels) else str(number + 1)
            lines.extend((line, label) for line in (page.extract_text() or "").splitlines())
            if on_page and ((number + 1) % PAGE_STEP == 0 or number + 1 == pages):
                on_page(number + 1, pages)
        info: Any = reader.metadata or {}
    except LoadError:
        raise
    except DependencyError as exc:  # AES needs the optional 'cryptography' package
        raise LoadError(
            "the PDF is encrypted with AES, which needs the 'cryptography' package (not "
            "installed); save the PDF without a password, or install cryptography"
        ) from exc
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(f"the PDF is corrupt or truncated ({one_line(exc)})") from exc
    if sum(len(line.strip()) for line, _ in lines) < 20:
        raise LoadError("the PDF has no text layer (scanned or image-only); run OCR on it first")
    return LoadedDocument(
        blocks=structure_lines(lines),
        title=str(info.get("/Title") or "").strip() or None,
        authors=split_authors(str(info.get("/Author") or "")),
        year=year_in(info.get("/CreationDate")),
    )


def _is_xml_part(name: str) -> bool:
    """Whether a zip member holds XML that python-docx parses (not media, fonts, embeddings)."""
    return name.lower().endswith((".xml", ".rels"))


def check_expansion(parts: list[zipfile.ZipInfo], limits: ZipLimits = DOCX_LIMITS) -> None:
    """Refuse parts whose uncompressed sizes, per the zip directory, exceed ``limits``."""
    total = sum(info.file_size for info in parts)
    if total > limits.total:
        raise LoadError(
            f"the Word file would expand to {total / 1e6:,.0f} MB of XML "
            f"(the limit is {limits.total / 1e6:,.0f} MB): refused as a possible zip bomb"
        )
    for info in parts:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.part or (
            info.file_size > limits.ratio_floor and ratio > limits.ratio
        ):
            raise LoadError(
                f"the Word file's part {info.filename} would expand to "
                f"{info.file_size / 1e6:,.1f} MB ({ratio:,.0f} times its packed size; limits: "
                f"{limits.part / 1e6:,.0f} MB, {limits.ratio:g} times): refused as a possible "
                "zip bomb"
            )


def _read_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes, never more than the zip directory announced."""
    with archive.open(info) as fh:
        blob = fh.read(info.file_size + 1)
    if len(blob) > info.file_size:
        raise LoadError(f"the Word file's part {info.filename} is larger than its zip entry says")
    return blob


def docx_text_parts(data: bytes, limits: ZipLimits = DOCX_LIMITS) -> bytes:
    """The Word file repacked with its XML parts only (media kept as empty parts), once the
    zip directory shows that the XML stays within ``limits``."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {i.filename: i for i in archive.infolist() if not i.is_dir()}
        check_expansion([i for name, i in members.items() if _is_xml_part(name)], limits)
        packed = io.BytesIO()
        with zipfile.ZipFile(packed, "w", zipfile.ZIP_STORED) as slim:
            for name, info in members.items():
                slim.writestr(name, _read_part(archive, info) if _is_xml_part(name) else b"")
    return packed.getvalue()


# libxml2's messages for a text node over its 10 MB limit (they differ between versions)
_HUGE_TEXT = re.compile(r"huge text node|text node too long", re.IGNORECASE)


def _open_docx(data: bytes) -> Any:
    """python-docx's Document for ``data``, or LoadError saying why the file is unreadable."""
    import docx
    from lxml import etree

    try:
        return docx.Document(io.BytesIO(docx_text_parts(data)))
    except etree.LxmlError as exc:
        if _HUGE_TEXT.search(str(exc)):
            raise LoadError(
                "the Word file holds a text run over 10 MB, more than the XML parser accepts"
            ) from exc
        raise LoadError(f"the Word file's XML is broken ({one_line(exc)})") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError) as exc:
        raise LoadError(f"the Word file is corrupt or not a .docx ({one_line(exc)})") from exc


def load_docx(path: Path, data: bytes) -> LoadedDocument:
    document = _open_docx(data)
    blocks: list[Block] = []
    body: list[tuple[str, str | None]] = []
    title_style: str | None = None

    def flush_body() -> None:
        blocks.extend(structure_lines(body))
        body.clear()

    for para in document.paragraphs:
        style = (para.style.name if para.style is not None else "") or ""
        text = para.text.strip()
        level = _docx_heading_level(style)
        if style == "Title" and text:
            title_style = title_style or text
        elif level is not None and text:
            flush_body()
            blocks.append(Block(text, level))
        else:
            body.extend([(para.text, None), ("", None)])
    for table in document.tables:
        for row in table.rows:
            body.extend([(" | ".join(c.text.strip() for c in row.cells), None), ("", None)])
    flush_body()
    loaded = _docx_properties(document)
    loaded.blocks, loaded.title = blocks, loaded.title or title_style
    return loaded


# python-docx's blank template carries these values; they say nothing about the document.
_TEMPLATE_AUTHOR = "python-docx"
_TEMPLATE_CREATED = "2013-12-23"


def _docx_properties(document: object) -> LoadedDocument:
    """Title, authors and year from a Word file's core properties (template values ignored)."""
    props = document.core_properties  # type: ignore[attr-defined]
    author = (props.author or "").strip()
    created = props.created
    return LoadedDocument(
        blocks=[],
        title=(props.title or "").strip() or None,
        authors=split_authors(author) if author != _TEMPLATE_AUTHOR else [],
        year=created.year if created and not str(created).startswith(_TEMPLATE_CREATED) else None,
    )


def _docx_heading_level(style: str) -> int | None:
    m = re.match(r"Heading (\d)", style)
    return int(m.group(1)) if m else None


_LOADERS: dict[str, Callable[[Path, bytes], LoadedDocument]] = {
    "pdf": load_pdf,
    "docx": load_docx,
    "text": load_text,
}
_EXPECTED = {".pdf": "pdf", ".docx": "docx"}
_KINDS = {
    "pdf": "a PDF",
    "docx": "a Word (.docx) file",
    "zip": "a zip archive",
    "binary": "binary data",
    "text": "plain text",
}


def load_file(
    path: Path,
    max_bytes: int | None = None,
    max_pages: int | None = None,
    on_page: PageProgress | None = None,
) -> LoadedDocument:
    """Load one file by its content type; raise LoadError with a readable reason.

    ``max_pages`` and ``on_page`` apply to PDFs (see ``load_pdf``)."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(f"unsupported file type '{suffix or path.name}'")
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise LoadError(
            f"file too large ({size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB)"
        )
    data = path.read_bytes()
    if not data.strip():
        raise LoadError("the file is empty")
    kind = sniff_kind(data)
    expected = _EXPECTED.get(suffix, "text")
    if kind != expected:
        raise LoadError(f"not {_KINDS[expected]}: the content is {_KINDS[kind]}")
    try:
        if kind == "pdf":
            loaded = load_pdf(path, data, max_pages, on_page)
        else:
            loaded = _LOADERS[kind](path, data)
    except LoadError:
        raise
    except Exception as exc:  # parsers of hostile files raise anything: report, never abort
        raise LoadError(f"the file cannot be read as {_KINDS[kind]} ({one_line(exc)})") from exc
    if not any(b.text.strip() for b in loaded.blocks if not b.is_heading):
        raise LoadError("no readable text found in the file")
    return loaded
