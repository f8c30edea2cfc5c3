"""Publishing a new BM25 index so that readers see the old one or the new one, never none.

The index folder holds ``bm25``, a symbolic link to the current generation
(``bm25-<random>/``). A new generation is written beside it and the link is replaced in one
``rename``: a run killed at any step leaves ``bm25`` pointing at a complete index. The previous
generation is kept (a reader may still be loading it); older ones are removed.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

from assistant.index.lexical import BM25Index

Saver = Callable[[Path], None]  # writes into a generation's folder


def publish_bm25(index: BM25Index, link: Path, extras: Iterable[Saver] = ()) -> None:
    """Save ``index`` as a new generation and point ``link`` at it atomically; each of
    ``extras`` writes what belongs with it (the chunk table, the library's words) into the
    generation's folder first."""
    previous = link.resolve() if link.is_symlink() else None
    target = _new_generation(link)
    index.save(target)
    for save in extras:
        save(target)
    pointer = link.with_name(link.name + ".link")
    pointer.unlink(missing_ok=True)
    pointer.symlink_to(target.name)
    if link.is_dir() and not link.is_symlink():
        # a plain folder (an index made by an older version, or copied without its links):
        # moved aside first, as a link cannot replace a folder in one rename
        link.rename(_new_generation(link))
    os.replace(pointer, link)
    remove_stale_generations(link, keep={target, previous})


def remove_stale_generations(link: Path, keep: set[Path | None] | None = None) -> None:
    """Remove the generations beside ``link`` other than its target and ``keep``, and the
    leftovers of killed runs (a half-written generation, a pointer never renamed)."""
    kept = {*(keep or set()), link.resolve() if link.is_symlink() else None}
    leftovers = [*link.parent.glob(f"{link.name}-*"), link.with_name(link.name + ".new")]
    for path in leftovers:
        if path.is_dir() and path.resolve() not in kept:
            shutil.rmtree(path, ignore_errors=True)
    link.with_name(link.name + ".link").unlink(missing_ok=True)


def _new_generation(link: Path) -> Path:
    return link.with_name(f"{link.name}-{uuid.uuid4().hex[:12]}")
