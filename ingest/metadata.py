"""Bibliographic metadata: from the corpus manifest when listed, else from the file itself."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ingest.document import DocumentMeta, LoadedDocument

MANIFEST = "manifest.yaml"


def load_manifest(corpus_dir: Path) -> dict[str, dict[str, Any]]:
    """Manifest entries keyed by file name (empty when there is no manifest)."""
    path = Path(corpus_dir) / MANIFEST
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {entry["file"]: entry for entry in data.get("documents", []) if "file" in entry}


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "document"


def _title_from_name(path: Path) -> str:
    return re.sub(r"[-_]+", " ", path.stem).strip().capitalize()


def document_meta(path: Path, loaded: LoadedDocument, manifest: dict[str, dict]) -> DocumentMeta:
    """Metadata for a file: manifest first, then the file's own metadata, then its name."""
    entry = manifest.get(path.name)
    if entry:
        return DocumentMeta(
            doc_id=str(entry.get("id") or slugify(path.stem)),
            title=str(entry.get("title") or _title_from_name(path)),
            authors=[str(a) for a in entry.get("authors", [])],
            year=int(entry["year"]) if entry.get("year") else None,
            kind=str(entry.get("kind", "")),
            publisher=str(entry.get("publisher", "")),
            url=str(entry.get("url", "")),
        )
    return DocumentMeta(
        doc_id=slugify(path.stem),
        title=loaded.title or _title_from_name(path),
        authors=loaded.authors,
        year=loaded.year,
    )
