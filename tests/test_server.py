"""Client–server mode: a real ``chroma run`` server, with ingest, search, ask and recommend."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import fixtures_docs as docs
import httpx
import pytest
from test_ingest import DOCX, MD, PDF, TXT, assert_consistent, make_corpus, snapshot
from typer.testing import CliRunner

from assistant.cli import app
from assistant.index.embeddings import LocalEmbeddings
from assistant.index.lexical import BM25Index
from assistant.index.store import (
    ChromaServerError,
    IndexConflictError,
    IndexStore,
    chunk_digest,
)
from assistant.ingest.pipeline import Indexer
from assistant.retrieval.hybrid import HybridRetriever
from assistant.retrieval.search_index import SearchIndex
from assistant.settings import Settings

CHROMA = Path(sys.executable).with_name("chroma")
STARTER = Path(__file__).resolve().parent.parent / "corpus"
QUERIES = [
    "how do competitors learn to trust each other",
    "joint purchasing of raw materials",
    "export consortia for small producers",
    "who should facilitate the first joint projects",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_heartbeat(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chroma run exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the Chroma server did not answer its heartbeat in time")


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Chroma server on a free port with its data in a temporary folder."""
    if not CHROMA.exists():
        pytest.skip(f"no chroma executable beside {sys.executable}")
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = (path / "server.log").open("w")
    cmd = [str(CHROMA), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_heartbeat(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def server_settings(chroma_url: str, tmp_path: Path, request: pytest.FixtureRequest):
    """Settings for a client of the server: its own index folder; one collection per test."""
    collection = "t-" + request.node.name.replace("_", "-")[:50]

    def _make(folder: str = "index") -> Settings:
        return Settings(
            corpus_dir=tmp_path / "corpus",
            index_dir=tmp_path / folder,
            chroma_url=chroma_url,
            collection=collection,
        )

    return _make


@pytest.fixture
def served(server_settings, embeddings: LocalEmbeddings) -> Settings:
    """The four-format corpus (and the knowledge base) indexed on the server."""
    settings = server_settings()
    make_corpus(settings.corpus_dir)
    for name in ("manifest.yaml", "instruments.yaml", "cases.yaml"):
        shutil.copy(STARTER / name, settings.corpus_dir / name)
    report = Indexer(settings, embeddings).run()
    assert sorted(report.added) == sorted([PDF, DOCX, MD, TXT]) and not report.failed
    return settings


def test_ingest_update_and_removal_stay_consistent_with_the_server(
    served: Settings, embeddings: LocalEmbeddings
) -> None:
    root = Path(served.index_dir)
    assert not (root / "chroma").exists()  # the chunks are on the server only
    assert (root / "ledger.json").is_file() and (root / "bm25").is_dir()
    first = snapshot(served)
    assert_consistent(first)
    store = IndexStore(served)
    assert store.published_state() == chunk_digest(first["*ledger"])

    guide = Path(served.corpus_dir, MD)
    guide.write_text(guide.read_text("utf-8") + "\n\nZanzibar spice brokers meet weekly.\n")
    Path(served.corpus_dir, TXT).unlink()
    report = Indexer(served, embeddings).run()
    assert (report.updated, report.removed) == ([MD], [TXT])
    second = snapshot(served)
    assert_consistent(second)
    assert TXT not in {Path(k).as_posix() for k in store.load_ledger().files}
    assert not any(s.endswith("field-notes.txt") for s in second if not s.startswith("*"))
    assert (
        store.published_state() == chunk_digest(second["*ledger"]) != chunk_digest(first["*ledger"])
    )
    hits = BM25Index.load(store.bm25_dir).search("zanzibar spice brokers")
    assert hits and hits[0][0] in second["*chroma"] - first["*chroma"]

    again = Indexer(served, embeddings).run()
    assert not again.changed and again.chunks_embedded == 0


def test_search_ask_and_recommend_commands_use_the_server(served: Settings) -> None:
    env = {
        "CLUSTER_ASSISTANT_CHROMA_URL": str(served.chroma_url),
        "CLUSTER_ASSISTANT_COLLECTION": served.collection,
        "CLUSTER_ASSISTANT_CORPUS_DIR": str(served.corpus_dir),
    }
    index = ["--index", str(served.index_dir)]
    runner = CliRunner()
    ids = IndexStore(served).all_ids()

    found = runner.invoke(app, ["search", QUERIES[1], "--json", *index], env=env)
    assert found.exit_code == 0, found.output
    results = json.loads(found.stdout)["results"]
    assert results and {r["chunk_id"] for r in results} <= ids
    assert "raw materials" in results[0]["text"]

    asked = runner.invoke(app, ["ask", QUERIES[2], "--json", "--no-llm", *index], env=env)
    assert asked.exit_code == 0, asked.output
    answer = json.loads(asked.stdout)
    assert not answer["abstained"] and answer["citations"]
    assert {c["chunk_id"] for c in answer["citations"]} <= ids

    described = "200 small furniture makers who distrust each other and sell only locally"
    roadmap = runner.invoke(app, ["recommend", described, "--json", *index], env=env)
    assert roadmap.exit_code == 0, roadmap.output
    recommended = json.loads(roadmap.stdout)
    assert recommended["instrument_ids"]
    cited = {c["chunk_id"] for r in recommended["recommendations"] for c in r["citations"]}
    assert cited and cited <= ids
    assert not Path(served.index_dir, "chroma").exists()


def ranked_ids(retriever: HybridRetriever, query: str) -> list[str]:
    return [str(d.id) for d in retriever.invoke(query)]


def test_two_clients_share_one_server(
    served: Settings, server_settings, embeddings: LocalEmbeddings
) -> None:
    writer = HybridRetriever(index=SearchIndex(served, embeddings), k=5)
    reader_settings = server_settings("reader-index")  # another machine: an empty folder
    reader = HybridRetriever(index=SearchIndex(reader_settings, embeddings), k=5)
    expected = {q: ranked_ids(writer, q) for q in QUERIES}
    assert all(expected.values())
    with ThreadPoolExecutor(4) as pool:  # both clients at once, each query several times
        jobs = [(c, q) for c in (writer, reader) for q in QUERIES * 3]
        got = list(pool.map(lambda job: (job[1], ranked_ids(*job)), jobs))
    assert all(ids == expected[q] for q, ids in got)
    # the reader built its own BM25 copy from the server's chunks
    reader_bm25 = BM25Index.load(IndexStore(reader_settings).bm25_dir)
    assert set(reader_bm25.ids) == IndexStore(served).load_ledger().chunk_ids()

    folder = Path(served.corpus_dir, "documents")
    (folder / "late.md").write_text(
        "# Late news\n\n" + docs.paragraph(3) + " Quokka cooperatives pool their kilns.\n",
        encoding="utf-8",
    )
    assert Indexer(served, embeddings).run().added == ["documents/late.md"]
    hits = reader.invoke("quokka cooperatives kilns")
    assert hits and hits[0].metadata["source"].endswith("late.md")

    with pytest.raises(IndexConflictError, match="another index folder"):
        Indexer(reader_settings, embeddings).run([folder])
    assert_consistent(snapshot(served))


def test_an_unreachable_server_is_one_clear_error(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path, chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ChromaServerError, match="cannot reach the Chroma server"):
        SearchIndex(settings)
