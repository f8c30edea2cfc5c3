"""Bibliographic metadata: from the corpus manifest when listed, else from the file itself."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import yaml

from assistant.ingest.document import Block, DocumentMeta, LoadedDocument
from assistant.knowledge.catalog import load_yaml

MANIFEST = "manifest.yaml"


class ManifestError(ValueError):
    """The manifest cannot be read; the message says where and why."""


def load_manifest(corpus_dir: Path) -> dict[str, dict[str, Any]]:
    """Manifest entries keyed by file name (empty when there is no manifest)."""
    path = Path(corpus_dir) / MANIFEST
    if not path.exists():
        return {}
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path} is not valid YAML: {exc}") from exc
    entries = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ManifestError(f"{path} must hold a 'documents:' list (see corpus/README.md)")
    return {str(e["file"]): e for e in entries if isinstance(e, dict) and e.get("file")}


def split_authors(text: str) -> list[str]:
    """Authors from a metadata field written "A; B" or "A and B"."""
    parts = re.split(r";| and ", text or "")
    return [p.strip() for p in parts if p.strip()]


def manifest_digest(manifest: dict[str, dict], path: Path) -> str:
    """A fingerprint of the file's manifest entry ("" when it has none)."""
    entry = manifest.get(path.name)
    if not entry:
        return ""
    return hashlib.sha256(json.dumps(entry, sort_keys=True, default=str).encode()).hexdigest()


_ACRONYM = re.compile(r"\b[A-Z][A-Z&]{2,}\b")


def source_names(meta: DocumentMeta) -> list[str]:
    """Names a question may use for a document ("according to Benner", "the OECD report").

    The manifest's ``aliases``, each author's surname (all of it when written "Family, Given";
    an organisation counts as one: "UNIDO (G. Ceglie, A. Stancher)" gives UNIDO, Ceglie,
    Stancher) and the acronyms of the publisher.
    """
    names = list(meta.aliases)
    for author in meta.authors:
        if "," in author and "(" not in author:  # "Schwaag Serger, Sylvia": the family name
            names.append(author.split(",")[0].strip())
            continue
        for person in re.split(r"[(),]", author):
            if words := person.split():
                names.append(words[-1].strip("."))
    names += _ACRONYM.findall(meta.publisher)
    return [n for n in dict.fromkeys(names) if len(n) >= 3]


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "document"


def _title_from_name(path: Path) -> str:
    return re.sub(r"[-_]+", " ", path.stem).strip().capitalize()


def year_in(value: object) -> int | None:
    """The first plausible year (1500–2099) in a value such as "D:20190501" or "2005a"."""
    m = re.search(r"(1[5-9]|20)\d{2}", str(value or ""))
    return int(m.group(0)) if m else None


_NUMBERED_OR_CAPTION = re.compile(r"^(\d|(box|table|figure|fig\.)\s)", re.IGNORECASE)


def _authors(value: object) -> list[str]:
    if isinstance(value, str):
        return split_authors(value)
    return [str(a) for a in value or []] if isinstance(value, list) else []


def first_heading(blocks: list[Block], within: int = 8) -> str | None:
    """The document's own title: its first top-level heading, unless numbered or a caption."""
    for block in blocks[:within]:
        if block.heading_level == 1 and not _NUMBERED_OR_CAPTION.match(block.text):
            return block.text
    return None


def keyed_id(base: str, key: str) -> str:
    """``base`` made unique to one file: a short hash of its ledger key appended."""
    return f"{base}-{hashlib.sha1(key.encode()).hexdigest()[:6]}"


def file_doc_id(path: Path, key: str) -> str:
    """A readable, unique id for a file not in the manifest: its name plus a hash of its path."""
    return keyed_id(slugify(path.stem), key)


def document_meta(
    path: Path, loaded: LoadedDocument, manifest: dict[str, dict], key: str | None = None
) -> DocumentMeta:
    """Metadata for a file: manifest first, then the file's own metadata, then its name.

    ``key`` is the file's ledger key (its path relative to the corpus); it makes the doc_id of
    unlisted files unique when two files share a name.
    """
    entry = manifest.get(path.name)
    if entry:
        return DocumentMeta(
            doc_id=str(entry.get("id") or slugify(path.stem)),
            title=str(entry.get("title") or _title_from_name(path)),
            authors=_authors(entry.get("authors")),
            year=year_in(entry.get("year")),
            kind=str(entry.get("kind", "")),
            publisher=str(entry.get("publisher", "")),
            url=str(entry.get("url", "")),
            aliases=_authors(entry.get("aliases")),
        )
    return DocumentMeta(
        doc_id=file_doc_id(path, key or str(path)),
        title=loaded.title or first_heading(loaded.blocks) or _title_from_name(path),
        authors=loaded.authors,
        year=loaded.year,
    )
