"""Ingest benchmark: index the starter corpus from scratch and print speed, size and memory.

    python benchmarks/ingest_bench.py [--corpus corpus/]

Prints: time to index from scratch (a fresh ``cluster-assistant ingest`` process, in a temporary
index folder), raw embedding throughput of the model on the same chunks measured alone,
ingest throughput and its ratio to raw (target >= 85 %), time of a no-change re-run (a fresh
process; target < 3 s), index size on disk and peak memory (max RSS) of each ingest process.
The machine's load average is printed too: other jobs on the CPU depress every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = str(Path(sys.executable).with_name("cluster-assistant"))


def run_ingest(corpus: Path, index: Path) -> tuple[float, float, dict]:
    """Run ``cluster-assistant ingest --json`` in a fresh process: (seconds, peak MB, report)."""
    env = {**os.environ, "CLUSTER_ASSISTANT_CORPUS_DIR": str(corpus)}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [CLI, "ingest", "--index", str(index), "--json"],
        env=env,
        cwd=index.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    stdout = proc.stdout.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"ingest failed with exit code {proc.returncode}")
    return seconds, usage.ru_maxrss / 1024, json.loads(stdout)


def raw_throughput(index: Path, corpus: Path) -> tuple[int, float]:
    """Chunks per second of the embedding models alone (both, when a second one is set), on
    the texts the ingest embedded."""
    from assistant.index.embeddings import LocalEmbeddings
    from assistant.index.store import IndexStore
    from assistant.ingest.chunking import embedding_text
    from assistant.settings import Settings

    settings = Settings(corpus_dir=corpus, index_dir=index)
    docs = sorted(IndexStore(settings).all_documents(), key=lambda d: d.metadata["seq"])
    texts = [embedding_text(d, settings.embed_headers) for d in docs]
    names = [settings.embedding_model, settings.second_embedding_model]
    seconds = 0.0
    for model in [LocalEmbeddings(n, settings.embedding_batch_size) for n in names if n]:
        model.embed_documents(texts[:64])  # warm-up
        started = time.perf_counter()
        model.embed_documents(texts)
        seconds += time.perf_counter() - started
    return len(texts), len(texts) / seconds


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    args = parser.parse_args()
    corpus = args.corpus.resolve()
    print(f"load average at start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp:
        index = Path(tmp) / "index"
        scratch_s, scratch_mb, report = run_ingest(corpus, index)
        chunks = report["chunks_embedded"]
        rerun_s, rerun_mb, rerun = run_ingest(corpus, index)
        assert rerun["chunks_embedded"] == 0, "the no-change re-run embedded chunks"
        size = folder_mb(index)
        n, raw = raw_throughput(index, corpus)
    pipeline = chunks / report["seconds"]
    rows = [
        ("files indexed", f"{len(report['added'])} ({len(report['failed'])} failed)"),
        ("chunks", f"{chunks}"),
        ("from scratch, whole process", f"{scratch_s:.1f} s"),
        ("from scratch, indexing run", f"{report['seconds']:.1f} s (after start-up)"),
        ("raw embedding throughput", f"{raw:.1f} chunks/s ({n} chunks, models alone)"),
        ("ingest throughput (run)", f"{pipeline:.1f} chunks/s = {pipeline / raw:.0%} of raw"),
        (
            "ingest throughput (process)",
            f"{chunks / scratch_s:.1f} chunks/s = {chunks / scratch_s / raw:.0%} of raw",
        ),
        ("no-change re-run", f"{rerun_s:.2f} s (fresh process; target < 3 s)"),
        ("index size on disk", f"{size:.1f} MB"),
        ("peak memory, from scratch", f"{scratch_mb:.0f} MB (max RSS)"),
        ("peak memory, no-change run", f"{rerun_mb:.0f} MB (max RSS)"),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
