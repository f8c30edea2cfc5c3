"""Checks for uploaded files: size limit, type by content, safe file names, no overwrites."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from assistant.ingest.loaders import SUPPORTED_SUFFIXES, sniff_kind

# Which content kinds (as sniffed) each accepted suffix may hold.
KIND_BY_SUFFIX = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".md": "text",
    ".markdown": "text",
    ".txt": "text",
    ".text": "text",
}
KIND_NAMES = {"pdf": "a PDF", "docx": "a Word (.docx) file", "text": "a text file"}
# For the browser's file picker ("text" alone would mean the MIME family text/*).
UPLOAD_TYPES = sorted({s.lstrip(".") for s in SUPPORTED_SUFFIXES} - {"text"})


class UploadError(ValueError):
    """An upload that is refused; the message says why."""


@dataclass(frozen=True)
class CheckedUpload:
    """An accepted upload: its safe file name and its bytes."""

    name: str
    data: bytes


MAX_STEM_BYTES = 150  # of UTF-8: well under the 255 bytes a file name may have


def _safe_char(char: str) -> str:
    """A Latin letter without its accents ("é" → "e"); other letters, marks and digits as they
    are ("東"); "." "_" "-" kept; anything else (spaces, slashes, controls) becomes "-"."""
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if base.isascii() and base.isalnum():
        return base
    return char if unicodedata.category(char)[0] in "LMN" or char in "._-" else "-"


def safe_name(name: str) -> str:
    """A file name without folders, odd characters or a leading dot; keeps the suffix.

    Letters of any script are kept, so "東京.md" stays "東京.md".
    """
    base = unicodedata.normalize("NFKC", Path(name.replace("\\", "/")).name)
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    stem = re.sub(r"-{2,}", "-", "".join(map(_safe_char, stem)))
    stem = stem.encode()[:MAX_STEM_BYTES].decode(errors="ignore").strip(".-_")
    return f"{stem or 'document'}{_ascii_suffix(suffix)}"


def _ascii_suffix(suffix: str) -> str:
    return suffix if re.fullmatch(r"\.[a-z0-9]+", suffix) else ""


def check_upload(
    name: str, data: bytes, max_mb: float, known: dict[str, str] | None = None
) -> CheckedUpload:
    """Accept ``data`` as a document named ``name``, or raise ``UploadError`` saying why.

    ``known`` maps the sha256 of files already in the library to their titles.
    """
    clean = safe_name(name)
    suffix = Path(clean).suffix
    if suffix not in KIND_BY_SUFFIX:
        allowed = ", ".join(sorted(KIND_BY_SUFFIX))
        raise UploadError(f"unsupported file type '{suffix or 'none'}' (use {allowed}).")
    if not data:
        raise UploadError("the file is empty.")
    if len(data) > max_mb * 1e6:
        raise UploadError(f"{len(data) / 1e6:.1f} MB is over the {max_mb:g} MB limit.")
    kind, expected = sniff_kind(data), KIND_BY_SUFFIX[suffix]
    if kind != expected:
        found = KIND_NAMES.get(kind, f"{kind} data")
        raise UploadError(f"the name says {KIND_NAMES[expected]} but the content is {found}.")
    digest = hashlib.sha256(data).hexdigest()
    if known and digest in known:
        raise UploadError(f"the same file is already in the library ({known[digest]}).")
    return CheckedUpload(clean, data)


def free_path(folder: Path, name: str, data: bytes) -> Path:
    """Where to store ``name`` in ``folder`` without overwriting a different file; a name
    taken by a symbolic link (even a dangling one) is never used: writing would follow it."""
    path = folder / name
    number = 1
    while path.is_symlink() or (path.exists() and path.read_bytes() != data):
        path = folder / f"{Path(name).stem}-{number}{Path(name).suffix}"
        number += 1
    return path


def save_uploads(folder: Path, uploads: list[CheckedUpload]) -> dict[Path, bool]:
    """Write accepted uploads to ``folder``; maps each path to whether it was newly written."""
    folder.mkdir(parents=True, exist_ok=True)
    saved: dict[Path, bool] = {}
    for upload in uploads:
        path = free_path(folder, upload.name, upload.data)
        saved[path] = not path.exists()
        if saved[path]:
            with path.open("xb") as out:  # never follows a link planted since the check
                out.write(upload.data)
    return saved
