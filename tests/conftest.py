"""Shared fixtures: real components in temporary folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.index.embeddings import LocalEmbeddings
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
STARTER_CORPUS = ROOT / "corpus"


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


@pytest.fixture(scope="session")
def starter_index(
    tmp_path_factory: pytest.TempPathFactory, embeddings: LocalEmbeddings
) -> Settings:
    """The five starter documents indexed once for the whole session (read-only for tests)."""
    from assistant.ingest.pipeline import Indexer

    root = tmp_path_factory.mktemp("starter")
    shutil.copytree(STARTER_CORPUS, root / "corpus")
    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index")
    report = Indexer(settings, embeddings).run()
    assert not report.failed, report.failed
    return settings


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
