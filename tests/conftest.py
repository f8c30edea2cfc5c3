"""Shared fixtures: real components in temporary folders."""

from __future__ import annotations

import hashlib
import os
import shutil
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pytest

from assistant.index.embeddings import LocalEmbeddings
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
STARTER_CORPUS = ROOT / "corpus"
# Built indexes of the starter corpus, kept between test sessions under a key that covers
# everything a build depends on; CLUSTER_ASSISTANT_TEST_INDEX_CACHE="" turns the cache off.
_CACHE = os.environ.get(
    "CLUSTER_ASSISTANT_TEST_INDEX_CACHE",
    str(Path.home() / ".cache" / "cluster-policy-assistant" / "test-indexes"),
)
INDEX_CACHE = Path(_CACHE) if _CACHE else None
CACHE_ENTRIES = 4  # several worktrees or branches may share the cache
BUILD_INPUTS = ("assistant/ingest", "assistant/index", "assistant/settings.py")
INGESTED = ("manifest.yaml", "instruments.yaml", "vectors.npz", "sentence_vectors.npz")
BUILD_PACKAGES = ("chromadb", "sentence-transformers", "transformers", "torch", "bm25s")


@pytest.fixture(scope="session", autouse=True)
def encoded():
    """The real models encode each distinct text once per test session (in this process);
    the fixture's value holds the vectors by model name and text.

    The index-building tests embed the same generated documents again and again; their vectors
    are kept by model and text, so a repeat costs nothing. Counts of what the product embeds
    (``embed_documents`` calls, ``chunks_embedded``, and what ``LocalEmbeddings`` itself keeps
    of recent texts) are unchanged: only the model's computation below them is remembered.
    """
    original = LocalEmbeddings._compute
    memo: dict[tuple[str, str], np.ndarray] = {}

    def encode(self: LocalEmbeddings, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if (self.model_name, t) not in memo]
        if missing:
            keys = [(self.model_name, t) for t in missing]
            memo.update(zip(keys, original(self, missing), strict=True))
        if not texts:
            return original(self, texts)
        return np.stack([memo[(self.model_name, t)] for t in texts])

    patch = pytest.MonkeyPatch()
    patch.setattr(LocalEmbeddings, "_compute", encode)
    yield memo
    patch.undo()


@pytest.fixture(scope="session")
def embeddings() -> LocalEmbeddings:
    """The real packaged all-MiniLM-L6-v2 model, loaded once per test session."""
    return LocalEmbeddings()


@pytest.fixture
def make_settings(tmp_path: Path):
    """Settings pointing at a fresh corpus and index under the test's temporary folder."""

    def _make(**overrides) -> Settings:
        corpus = tmp_path / "corpus"
        (corpus / "documents").mkdir(parents=True, exist_ok=True)
        values = {"corpus_dir": corpus, "index_dir": tmp_path / "index"}
        values.update(overrides)
        return Settings(**values)

    return _make


def build_key(settings: Settings) -> str:
    """A hash of what an index build depends on: the indexing code, what an ingest reads of the
    corpus (the documents, the manifest, the instruments whose supports it finds; not the cases
    or the Learn path), the settings (paths aside) and the versions of the libraries that embed
    and store."""
    digest = hashlib.sha256()
    sources = [ROOT / name for name in BUILD_INPUTS]
    files = [p for s in sources for p in ([s] if s.is_file() else sorted(s.rglob("*.py")))]
    corpus = Path(settings.corpus_dir)
    files += sorted(p for p in (corpus / "documents").rglob("*") if p.is_file())
    files += [p for p in (corpus / n for n in INGESTED) if p.is_file()]
    for path in files:
        name = path.relative_to(ROOT if path.is_relative_to(ROOT) else settings.corpus_dir)
        digest.update(str(name).encode() + b"\0" + path.read_bytes())
    digest.update(settings.model_dump_json(exclude={"corpus_dir", "index_dir"}).encode())
    for package in BUILD_PACKAGES:
        try:
            digest.update(f"{package}=={version(package)}".encode())
        except PackageNotFoundError:
            digest.update(package.encode())
    return digest.hexdigest()[:24]


def restore_cached(key: str, target: Path) -> bool:
    """Copy the cached build of ``key`` to ``target``; False when there is none."""
    if INDEX_CACHE is None or not (INDEX_CACHE / key).is_dir():
        return False
    try:
        shutil.copytree(INDEX_CACHE / key, target)
    except OSError:  # pruned by another session while copying: build instead
        shutil.rmtree(target, ignore_errors=True)
        return False
    return True


def store_in_cache(key: str, index: Path) -> None:
    """Keep a fresh build (written aside, then renamed: readers never see half of one)."""
    if INDEX_CACHE is None:
        return
    partial = INDEX_CACHE / f".{key}.{os.getpid()}"
    try:
        INDEX_CACHE.mkdir(parents=True, exist_ok=True)
        shutil.copytree(index, partial)
        partial.rename(INDEX_CACHE / key)
    except OSError:  # another session stored it first, or the disk is read-only
        shutil.rmtree(partial, ignore_errors=True)
        return
    entries = sorted(
        (p for p in INDEX_CACHE.iterdir() if not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
    )
    for old in entries[:-CACHE_ENTRIES]:
        shutil.rmtree(old, ignore_errors=True)


def announce(request: pytest.FixtureRequest, message: str) -> None:
    """A line on the terminal at once, even while output is captured."""
    capture = request.config.pluginmanager.getplugin("capturemanager")
    reporter = request.config.pluginmanager.getplugin("terminalreporter")
    if reporter is None:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line(f"\n{message}", yellow=True)


def built_index(
    request: pytest.FixtureRequest, root: Path, corpus: Path, embeddings: LocalEmbeddings
) -> Settings:
    """``corpus`` copied under ``root`` and indexed: from the cache when a build of the same
    inputs is there (then the ingest run only confirms every file is in step), else built."""
    from assistant.ingest.pipeline import Indexer

    shutil.copytree(corpus, root / "corpus")
    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index")
    key = build_key(settings)
    cached = restore_cached(key, settings.index_dir)
    if not cached:
        announce(
            request,
            f"Indexing {corpus.name}/ for the tests (a minute with the vectors shipped in "
            f"corpus/*vectors.npz, 4-6 min on 2 cores where they are out of date; kept in "
            f"{INDEX_CACHE} for the next runs)…",
        )
    report = Indexer(settings, embeddings).run()
    assert not report.failed, report.failed
    if not cached:
        store_in_cache(key, settings.index_dir)
    return settings


@pytest.fixture(scope="session")
def starter_index(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    embeddings: LocalEmbeddings,
) -> Settings:
    """The five starter documents indexed once for the whole session (read-only for tests)."""
    return built_index(request, tmp_path_factory.mktemp("starter"), STARTER_CORPUS, embeddings)


@pytest.fixture(scope="session")
def fixture_index(
    tmp_path_factory: pytest.TempPathFactory, embeddings: LocalEmbeddings
) -> Settings:
    """tests/data/retrieval_corpus (three tiny documents with known answers), indexed once."""
    from assistant.ingest.pipeline import Indexer

    root = tmp_path_factory.mktemp("fixture")
    shutil.copytree(ROOT / "tests" / "data" / "retrieval_corpus", root / "corpus")
    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index")
    report = Indexer(settings, embeddings).run()
    assert not report.failed, report.failed
    return settings
