"""Scale benchmark: a synthetic library of N chunks, embedded or on a Chroma server.

The library is the real indexed corpus (its texts and both models' real vectors) grown to N
chunks: each synthetic chunk copies a real chunk's text with some sentences swapped for
sentences of other chunks, and its vectors are the real chunk's vectors moved by Gaussian noise
to a cosine similarity of about ``--similarity`` (the real distribution, perturbed). Synthetic
documents hold ``--doc-chunks`` consecutive chunks each (a report of that length), with years
spread over 1995–2025. Everything is drawn from ``--seed``: the same command gives the same
library.

For each size it prints: the build time, hybrid search p50/p95 (the dev questions, warm), the
same with a year filter, ask p95 (extractive), the first ask (it builds the library's word
index), the first query after opening (cold), the peak memory (RSS) of the querying process (and
of the server), the disk used and the load average at the end (the machine may be shared); on
stderr, the resident memory after each step (models loaded, index opened, searched, asked), and
the peak up to it.

Usage:
  python benchmarks/scale_bench.py --synthetic 10000 100000 [--server] [--source DIR]
      [--work DIR] [--seed 7] [--questions FILE] [--rounds 2] [--profile]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.documents import Document

from assistant.index.store import FileEntry, IndexStore, Ledger
from assistant.ingest.chunking import embedding_text
from assistant.settings import PROJECT_ROOT, Settings

BATCH = 5000
COLLECTION = "scale_bench"
RealChunks = tuple[list[Document], np.ndarray, np.ndarray | None]


# -- the synthetic library ------------------------------------------------------------------
def read_real(source: Path) -> RealChunks:
    """The source index's chunks (document order) and both models' vectors, row-aligned."""
    store = IndexStore(Settings(index_dir=source))
    got = store.collection.get(include=["documents", "metadatas", "embeddings"])
    order = sorted(
        range(len(got["ids"])),
        key=lambda r: (got["metadatas"][r]["doc_id"], int(got["metadatas"][r].get("seq", 0))),
    )
    docs = [
        Document(id=got["ids"][r], page_content=got["documents"][r], metadata=got["metadatas"][r])
        for r in order
    ]
    first = np.asarray(got["embeddings"], dtype=np.float32)[order]
    second = None
    if store.second_collection is not None:
        other = store.second_collection.get(ids=[d.id for d in docs], include=["embeddings"])
        rows = {i: r for r, i in enumerate(other["ids"])}
        matrix = np.asarray(other["embeddings"], dtype=np.float32)
        second = matrix[[rows[str(d.id)] for d in docs]]
    return docs, first, second


def perturb(vectors: np.ndarray, similarity: float, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors at a cosine similarity of about ``similarity`` to the given ones."""
    dim = vectors.shape[1]
    sigma = np.sqrt((1 / similarity**2 - 1) / dim)
    moved = vectors + rng.normal(0, sigma, vectors.shape).astype(np.float32)
    return moved / np.linalg.norm(moved, axis=1, keepdims=True)


def remix(text: str, donor: str, rng: np.random.Generator) -> str:
    """``text`` with about a third of its sentences replaced by sentences of ``donor``."""
    mine, theirs = text.split(". "), donor.split(". ")
    return ". ".join(
        theirs[int(rng.integers(len(theirs)))] if rng.random() < 0.33 else s for s in mine
    )


def synthetic_batches(
    real: RealChunks, n: int, doc_chunks: int, similarity: float, seed: int
) -> Iterator[tuple[list[Document], np.ndarray, np.ndarray | None]]:
    """N chunks in batches: first the real ones (as they are), then the synthetic ones."""
    docs, first, second = real
    rng = np.random.default_rng(seed)
    keep = min(n, len(docs))
    yield docs[:keep], first[:keep], None if second is None else second[:keep]
    made = keep
    while made < n:
        size = min(BATCH, n - made)
        positions = np.arange(made - keep, made - keep + size)
        # each synthetic document walks a real document from a random start
        starts = np.random.default_rng(seed + 1 + positions // doc_chunks).integers(len(docs))
        base = (starts + positions % doc_chunks) % len(docs)
        donors = rng.integers(len(docs), size=size)
        batch = [
            synthetic_chunk(docs[b], docs[d], int(p), doc_chunks, rng)
            for b, d, p in zip(base, donors, positions, strict=True)
        ]
        yield (
            batch,
            perturb(first[base], similarity, rng),
            None if second is None else perturb(second[base], similarity, rng),
        )
        made += size


def synthetic_chunk(
    base: Document, donor: Document, position: int, doc_chunks: int, rng: np.random.Generator
) -> Document:
    doc, seq = divmod(position, doc_chunks)
    text = remix(base.page_content, donor.page_content, rng)
    start = seq * 1200
    meta = {
        **base.metadata,
        "chunk_id": f"syn{doc:05d}-{seq:04d}",
        "doc_id": f"syn-{doc:05d}",
        "title": f"Synthetic report {doc} on {base.metadata.get('title', '')}"[:200],
        "source": f"documents/syn-{doc:05d}.txt",
        "seq": seq,
        "start": start,
        "end": start + len(text),
        "year": 1995 + (doc * 7919) % 31,
    }
    return Document(id=meta["chunk_id"], page_content=text, metadata=meta)


def build(settings: Settings, real: RealChunks, args: argparse.Namespace, n: int) -> float:
    """Write the synthetic library to the index of ``settings``; returns seconds taken."""
    started = time.perf_counter()
    store = IndexStore(settings)
    store.reset()
    ledger = Ledger(signature=IndexStore(Settings(index_dir=args.source)).load_ledger().signature)
    written = 0
    batches = synthetic_batches(real, n, args.doc_chunks, args.similarity, args.seed)
    for docs, first, second in batches:
        store.upsert(docs, first.tolist(), None if second is None else second.tolist())
        for doc in docs:
            source = str(doc.metadata["source"])
            entry = ledger.files.get(source)
            if entry is None:
                meta = doc.metadata
                entry = ledger.files[source] = FileEntry(
                    source, "synthetic", meta["doc_id"], meta["title"]
                )
            entry.chunk_ids.append(str(doc.id))
        written += len(docs)
        print(f"  {written:,} chunks written", file=sys.stderr, flush=True)
    files = {key: asdict(entry) for key, entry in ledger.files.items()}
    store.write_bm25(files, ledger.signature, lambda d: embedding_text(d, settings.embed_headers))
    store.save_ledger(ledger)
    if store.remote:
        store.publish(ledger)
    return time.perf_counter() - started


# -- measuring (in a fresh process, so that its peak memory is the reader's own) -------------
def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(
    call: Callable[[str], object], questions: list[str], rounds: int, cpu: list[float] | None = None
) -> list[float]:
    """Milliseconds per call; with ``cpu``, the process's CPU milliseconds are appended to it
    (less disturbed by other work on a shared machine than wall time)."""
    timings = []
    for _ in range(rounds):
        for question in questions:
            t0, c0 = time.perf_counter(), time.process_time()
            call(question)
            timings.append((time.perf_counter() - t0) * 1000)
            if cpu is not None:
                cpu.append((time.process_time() - c0) * 1000)
    return timings


def cache_query_vectors(index: Any, questions: list[str]) -> list[float]:
    """Embed each question once (both models; milliseconds per question returned) and make the
    index reuse those vectors: the query embedding costs the same at any library size, and on
    a machine shared with other work its time would hide what the library size changes."""
    vectors: dict[tuple[str, bool], list[float]] = {}
    timings = []
    models = {False: index.embeddings, True: index.second_embeddings}
    for question in questions:
        t0 = time.perf_counter()
        for second, model in models.items():
            if model is not None:
                vectors[question, second] = model.embed_query(question)
        timings.append((time.perf_counter() - t0) * 1000)
    original = index.query_vector

    def query_vector(query: str, second: bool = False) -> list[float]:
        found = vectors.get((query, second))
        return found if found is not None else original(query, second)

    index.query_vector = query_vector
    return timings


def measure(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    from assistant.answering.answerer import Answerer
    from assistant.retrieval.hybrid import HybridRetriever

    lines = args.questions.read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()]
    started = time.perf_counter()
    retriever = HybridRetriever.from_settings(settings, k=8)
    retriever.index.embeddings.embed_query(questions[0])  # the models load before the index
    if retriever.index.second_embeddings is not None:
        retriever.index.second_embeddings.embed_query(questions[0])
    stages = {"models": rss_mb()}
    retriever.invoke(questions[0])
    cold = time.perf_counter() - started
    stages["opened"] = rss_mb()
    embedding = cache_query_vectors(retriever.index, questions)
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    search_cpu: list[float] = []
    search = timed(retriever.invoke, questions, args.rounds, search_cpu)
    if profiler:
        profiler.disable()
        profiler.dump_stats(str(args.work / f"search-{settings.collection}.prof"))
    filtered = timed(lambda q: retriever.invoke(q, year_min=2010), questions, 1)
    stages["searched"] = rss_mb()
    answerer = Answerer.from_settings(settings, retriever=retriever)
    started = time.perf_counter()
    answerer.answer(questions[0])
    first_ask = time.perf_counter() - started
    ask = timed(answerer.answer, questions[: args.ask_questions], 1)
    stages["asked"] = rss_mb()
    return {
        "chunks": len(retriever.index.table),
        "cold_s": cold,
        "embed_p50": statistics.median(embedding),
        "embed_p95": percentile(embedding, 0.95),
        "search_p50": statistics.median(search),
        "search_p95": percentile(search, 0.95),
        # a search as a user meets it: the question embedded by both models, then searched
        "whole_p95": percentile(
            [t + embedding[n % len(embedding)] for n, t in enumerate(search)], 0.95
        ),
        "search_cpu_p50": statistics.median(search_cpu),
        "search_cpu_p95": percentile(search_cpu, 0.95),
        "filtered_p95": percentile(filtered, 0.95),
        "ask_p95": percentile(ask, 0.95),
        "first_ask_s": first_ask,
        "rss_stages": stages,
        # this process's own peak: getrusage's ru_maxrss would also count the parent's resident
        # memory at the fork (Linux keeps it across exec), the builder's, not the reader's
        "rss_mb": peak_rss_mb(os.getpid()),
    }


# -- a Chroma server -------------------------------------------------------------------------
def start_server(path: Path) -> tuple[subprocess.Popen, str]:
    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    chroma = Path(sys.executable).with_name("chroma")
    cmd = [str(chroma), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the Chroma server did not start")


def peak_rss_mb(pid: int, field: str = "VmHWM") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def rss_mb() -> str:
    """This process's resident memory now, and its peak so far."""
    now, peak = peak_rss_mb(os.getpid(), "VmRSS"), peak_rss_mb(os.getpid())
    return f"{now:,.0f} MB (peak {peak:,.0f})"


def disk_mb(*paths: Path) -> float:
    return sum(f.stat().st_size for p in paths for f in p.rglob("*") if f.is_file()) / 1e6


# -- one size --------------------------------------------------------------------------------
def run_size(n: int, real: RealChunks, args: argparse.Namespace) -> dict[str, Any]:
    mode = "server" if args.server else "embedded"
    folder = args.work / f"{n}-{mode}"
    reuse = args.reuse and (folder / "index" / "ledger.json").exists()
    if not reuse:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    server, url = start_server(folder / "server") if args.server else (None, None)
    try:
        settings = Settings(index_dir=folder / "index", chroma_url=url, collection=COLLECTION)
        built = 0.0 if reuse else build(settings, real, args, n)
        child = [sys.executable, __file__, "--measure", str(folder / "index"), *sys.argv[1:]]
        env = {**os.environ, **({"CLUSTER_ASSISTANT_CHROMA_URL": url} if url else {})}
        out = subprocess.run(child, env=env, capture_output=True, text=True, check=False)
        if out.returncode:
            raise RuntimeError(out.stderr[-3000:])
        row = {"mode": mode, "n": n, "build_s": built, **json.loads(out.stdout.splitlines()[-1])}
        row["disk_mb"] = disk_mb(folder)
        row["server_rss_mb"] = peak_rss_mb(server.pid) if server else 0.0
        return row
    finally:
        if server:
            server.terminate()
            server.wait(timeout=60)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def print_row(row: dict[str, Any]) -> None:
    server = f" + server {row['server_rss_mb']:,.0f} MB" if row["server_rss_mb"] else ""
    print(
        f"| {row['mode']} | {row['chunks']:,} | {row['search_p50']:.0f} / {row['search_p95']:.0f}"
        f" | {row['search_cpu_p50']:.0f} / {row['search_cpu_p95']:.0f}"
        f" | {row['embed_p50']:.0f} / {row['embed_p95']:.0f} | {row['whole_p95']:.0f}"
        f" | {row['filtered_p95']:.0f} | {row['ask_p95']:.0f} | {row['first_ask_s']:.1f} s"
        f" | {row['cold_s']:.1f} s | {row['rss_mb']:,.0f} MB{server} | {row['disk_mb']:,.0f} MB"
        f" | {row['build_s']:.0f} s | {os.getloadavg()[0]:.1f} |",
        flush=True,
    )
    stages = ", ".join(f"{k} {v}" for k, v in row["rss_stages"].items())
    print(f"  resident memory after each step: {stages}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, nargs="+", default=[10_000])
    parser.add_argument("--server", action="store_true", help="a Chroma server per size")
    parser.add_argument("--source", type=Path, default=Path("/work/index-shared"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/scale-bench"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--similarity", type=float, default=0.9)
    parser.add_argument("--doc-chunks", type=int, default=300)
    parser.add_argument(
        "--questions", type=Path, default=PROJECT_ROOT / "eval" / "dev_questions.jsonl"
    )
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--ask-questions", type=int, default=15)
    parser.add_argument("--profile", action="store_true", help="cProfile the warm searches")
    parser.add_argument("--keep", action="store_true", help="keep the built indexes")
    parser.add_argument(
        "--reuse", action="store_true", help="measure an index kept by --keep, not built anew"
    )
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    if args.measure:
        settings = Settings(index_dir=args.measure, collection=COLLECTION)
        print(json.dumps(measure(settings, args)))
        return
    args.work.mkdir(parents=True, exist_ok=True)
    source = args.work / "source"  # a copy: opening an index may write to it
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(args.source, source)
    args.source = source
    real = read_real(source)
    print(f"source: {len(real[0]):,} real chunks; seed {args.seed}", flush=True)
    print(
        "| mode | chunks | search p50 / p95 ms (query embedding apart) | its CPU p50 / p95 ms "
        "| query embedding p50 / p95 ms | with the embedding p95 ms | year-filtered p95 ms "
        "| ask p95 ms | first ask | cold | peak RSS | disk | build | load |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n in args.synthetic:
        print_row(run_size(n, real, args))


if __name__ == "__main__":
    main()
