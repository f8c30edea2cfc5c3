"""Run one ingest with every index write step traced, killed (SIGKILL) before step N.

Usage: ``python crash_runner.py INDEX_DIR CORPUS_DIR STEPS_FILE [N]``. Each write step (an
upsert or delete on either Chroma collection, a ledger rename, each step of publishing BM25,
removing the run marker) is appended to STEPS_FILE as it starts; with N, the process kills
itself as step N starts, as ``kill -9`` would. The second embedding model is MiniLM too, so that
both collections are written at the speed of the small model. With ``KNOWN_VECTORS`` set to an
``.npz`` of texts and their vectors (by the same real model, from the calling test session), the
model is not loaded: each text's vector is taken from there, and a text not there is an error.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.api.models.Collection import Collection

from assistant.index.embeddings import LocalEmbeddings
from assistant.index.lexical import BM25Index
from assistant.ingest.pipeline import Indexer
from assistant.settings import Settings

INDEX, CORPUS, STEPS = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
KILL_AT = int(sys.argv[4]) if len(sys.argv) > 4 else 0
count = 0


def step(name: str) -> None:
    global count
    count += 1
    with STEPS.open("a", encoding="utf-8") as out:
        out.write(name + "\n")
    if count == KILL_AT:
        os.kill(os.getpid(), signal.SIGKILL)


def trace(owner: Any, attr: str, name_of: Callable[..., str | None]) -> None:
    """Make ``owner.attr`` call ``step(name)`` first when ``name_of(*args)`` names a step."""
    original = getattr(owner, attr)

    @functools.wraps(original)
    def traced(*args: Any, **kwargs: Any) -> Any:
        name = name_of(*args)
        if name:
            step(name)
        return original(*args, **kwargs)

    setattr(owner, attr, traced)


def in_index(path: Any) -> bool:
    return Path(path).resolve().is_relative_to(INDEX.resolve())


trace(Collection, "upsert", lambda self, *a: f"{self.name}.upsert")
trace(Collection, "delete", lambda self, *a: f"{self.name}.delete")
trace(os, "replace", lambda src, dst: f"replace {Path(dst).name}" if in_index(dst) else None)
trace(BM25Index, "save", lambda self, folder: "bm25 save")
trace(Path, "symlink_to", lambda self, target: f"link {self.name}" if in_index(self) else None)
trace(shutil, "rmtree", lambda path, *a: f"rmtree {Path(path).name}" if in_index(path) else None)
trace(
    Path,
    "unlink",
    lambda self, *a: f"unlink {self.name}" if self.name == "ingest-running" else None,
)

if os.environ.get("KNOWN_VECTORS"):
    with np.load(os.environ["KNOWN_VECTORS"]) as known:
        vector_of = dict(zip(known["texts"].tolist(), known["vectors"], strict=True))

    def known_vectors(self: LocalEmbeddings, texts: list[str]) -> np.ndarray:
        return np.stack([vector_of[t] for t in texts])

    LocalEmbeddings._encode = known_vectors  # type: ignore[method-assign]

settings = Settings(index_dir=INDEX, corpus_dir=CORPUS, second_embedding_model="all-MiniLM-L6-v2")
report = Indexer(settings).run()
print(report.failed or "ok")
