"""A long-lived reader (the app's cached index) sees what another process ingested since."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import fixtures_docs as docs
import pytest

from assistant.index.embeddings import LocalEmbeddings
from assistant.index.store import IndexStore
from assistant.ingest.pipeline import Indexer
from assistant.retrieval.hybrid import HybridRetriever
from assistant.retrieval.search_index import SearchIndex

pytestmark = pytest.mark.slow
CLI = str(Path(sys.executable).with_name("cluster-assistant"))
NEW = (
    "# Volcanic ash cover\n\n## Vineyards\n\n"
    "Vineyard cooperatives on the volcano's slopes pool an insurance fund against ash fall. "
    "Ash fall ruins the grapes of a whole valley in one afternoon, so the cooperatives "
    "share the cost of cover and of cleaning the vines after an eruption.\n"
)
QUERY = "insurance of vineyard cooperatives against volcanic ash fall"


def test_a_reader_finds_a_document_ingested_by_another_process(
    make_settings, embeddings: LocalEmbeddings
) -> None:
    settings = make_settings(second_embedding_model="all-MiniLM-L6-v2")
    folder = Path(settings.corpus_dir) / "documents"
    (folder / "guide.md").write_text(docs.markdown_text(), "utf-8")
    assert not Indexer(settings, embeddings).run().failed
    reader = HybridRetriever(index=SearchIndex(settings, embeddings), k=5)
    assert reader.search(QUERY).hits  # the reader has read the index (and its vectors)

    (folder / "ash.md").write_text(NEW, "utf-8")
    env = {
        **os.environ,
        "CLUSTER_ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
        "CLUSTER_ASSISTANT_SECOND_EMBEDDING_MODEL": "all-MiniLM-L6-v2",
    }
    done = subprocess.run(
        [CLI, "ingest", "--index", str(settings.index_dir)], env=env, capture_output=True
    )
    assert done.returncode == 0, done.stderr
    new_ids = set(IndexStore(settings).load_ledger().files["documents/ash.md"].chunk_ids)

    opened = SearchIndex(settings, embeddings)  # as the app opens one per index version
    top = reader.search(QUERY).hits[0].document.metadata["chunk_id"]  # the reader kept
    assert top in new_ids
    for index in (opened, reader.index):
        for second in (False, True):
            assert {i for i, _ in index.dense(QUERY, 3, second=second)} & new_ids
