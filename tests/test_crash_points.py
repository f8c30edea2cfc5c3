"""An ingest killed (SIGKILL) at every write step ends, after the next run, as a clean build.

The killed run updates one file, removes one and adds one, so it writes both Chroma collections
(upserts and deletes), the ledger and BM25. ``crash_runner.py`` traces those steps in a real
subprocess and kills itself as step N starts. Between the kill and the re-run, search must
work; after the re-run, the chunk ids of the ledger, both collections and BM25 must equal
those of a clean build of the same files, and so must the whole lexical side (BM25's scores, the
chunk table, the library's words and the state kept for the next ingest).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import fixtures_docs as docs
import numpy as np
import pytest
from test_lexical_state import lexical_side

from assistant.index.chunk_table import TABLE_FILE, ChunkTable
from assistant.index.embeddings import LocalEmbeddings
from assistant.index.lexical import BM25Index
from assistant.index.store import IndexStore
from assistant.ingest.pipeline import Indexer
from assistant.retrieval.hybrid import HybridRetriever
from assistant.retrieval.search_index import SearchIndex
from assistant.settings import Settings

pytestmark = pytest.mark.slow
RUNNER = Path(__file__).with_name("crash_runner.py")
QUERIES = ["trust between firms", "export markets and suppliers", "public funding of networks"]


def settings_for(root: Path) -> Settings:
    return Settings(
        corpus_dir=root / "corpus",
        index_dir=root / "index",
        second_embedding_model="all-MiniLM-L6-v2",
    )


def state(settings: Settings) -> dict[str, object]:
    """Sorted chunk ids of the ledger, both collections, BM25 and the chunk table saved with
    it; the stored passages' keys and files (``index.sentences``); the lexical side."""
    store = IndexStore(settings)
    second = store.second_collection
    with contextlib.closing(sqlite3.connect(store.sentences.path)) as db:
        passages = sorted(f"{f} {k}" for f, k in db.execute("SELECT file, key FROM passages"))
    return {
        "ledger": sorted(store.load_ledger().chunk_ids()),
        "chroma": sorted(store.collection.get(include=[])["ids"]),
        "second": sorted(second.get(include=[])["ids"]),
        "bm25": sorted(BM25Index.load(store.bm25_dir).ids),
        "table": sorted(ChunkTable.load(store.bm25_dir.resolve() / TABLE_FILE).ids),
        "passages": passages,
        "lexical": lexical_side(settings),
    }


def change(corpus: Path) -> None:
    """Edit a.md (its chunks change), remove b.md, add d.md."""
    folder = corpus / "documents"
    docs.markdown_doc(folder, "a.md", 1, title="Revised document")
    (folder / "b.md").unlink()
    docs.markdown_doc(folder, "d.md", 40)


@pytest.fixture(scope="module")
def before(tmp_path_factory: pytest.TempPathFactory, embeddings: LocalEmbeddings) -> Path:
    """An index of a.md, b.md and c.md, built by a run that finished."""
    root = tmp_path_factory.mktemp("before")
    folder = root / "corpus" / "documents"
    folder.mkdir(parents=True)
    for name, seed in (("a.md", 1), ("b.md", 20), ("c.md", 30)):
        docs.markdown_doc(folder, name, seed)
    assert not Indexer(settings_for(root), embeddings).run().failed
    return root


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory, before: Path, embeddings, encoded) -> dict:
    """The state of a clean build of the changed corpus; every text that build embedded (all a
    killed run embeds) is kept beside ``before`` for the runner (``KNOWN_VECTORS``)."""
    root = tmp_path_factory.mktemp("clean")
    shutil.copytree(before / "corpus", root / "corpus")
    change(root / "corpus")
    assert not Indexer(settings_for(root), embeddings).run().failed
    texts = [t for model, t in encoded if model == embeddings.model_name]
    vectors = np.stack([encoded[(embeddings.model_name, t)] for t in texts])
    np.savez(before.parent / "crash-points-vectors.npz", texts=np.array(texts), vectors=vectors)
    return state(settings_for(root))


def killed_run(before: Path, root: Path, kill_at: int) -> tuple[subprocess.CompletedProcess, list]:
    """The changed corpus ingested over a copy of ``before`` by a run killed at ``kill_at``
    (with the vectors the clean build computed: the runner need not load the model)."""
    shutil.copytree(before, root, symlinks=True)
    change(root / "corpus")
    steps = root / "steps.txt"
    args = [sys.executable, str(RUNNER), str(root / "index"), str(root / "corpus"), str(steps)]
    env = {**os.environ, "KNOWN_VECTORS": str(before.parent / "crash-points-vectors.npz")}
    done = subprocess.run(
        [*args, str(kill_at)], capture_output=True, text=True, timeout=600, env=env
    )
    return done, steps.read_text("utf-8").splitlines() if steps.exists() else []


def test_every_write_step_is_traced(tmp_path: Path, before: Path, clean: dict) -> None:
    done, steps = killed_run(before, tmp_path / "run", 0)
    assert done.returncode == 0 and "ok" in done.stdout, done.stderr[-2000:]
    for kind in ("upsert", "delete"):
        assert {f"cluster_policy.{kind}", f"cluster_policy__second.{kind}"} <= set(steps)
    assert {"replace ledger.json", "bm25 save", "link bm25.link", "replace bm25"} <= set(steps)
    assert state(settings_for(tmp_path / "run")) == clean


def test_a_kill_at_any_write_step_is_repaired(
    tmp_path: Path, before: Path, clean: dict, embeddings
) -> None:
    _, steps = killed_run(before, tmp_path / "trace", 0)
    failures: list[str] = []
    for n, name in enumerate(steps, 1):
        root = tmp_path / f"kill-{n}"
        done, seen = killed_run(before, root, n)
        assert done.returncode == -signal.SIGKILL, (n, name, done.stderr[-2000:])
        assert seen == steps[:n], "the run took another path"
        settings = settings_for(root)
        retriever = HybridRetriever(index=SearchIndex(settings, embeddings), k=5)
        try:  # a reader between the kill and the next run: no error, only known chunks
            for query in QUERIES:
                assert retriever.search(query).hits
        except Exception as exc:
            failures.append(f"step {n} ({name}): search failed: {exc!r}")
        report = Indexer(settings, embeddings).run()
        if report.failed or state(settings) != clean:
            failures.append(f"step {n} ({name}): not a clean build after the re-run")
    assert not failures, failures
    assert len(steps) >= 12
