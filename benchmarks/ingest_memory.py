"""Resident memory of an ingest of a large folder, as it goes (#15: memory must stay bounded).

Writes a folder of ``--files`` synthetic documents (each ``--paragraphs`` paragraphs of the
starter corpus, drawn from ``--seed``; the same command gives the same folder), ingests it into
a fresh index in this process and prints, every ``--every`` files, the chunks embedded, the
resident memory (RSS), the memory Python objects hold (``tracemalloc``, with ``--trace``;
it slows the run) and the seconds taken. With ``--trace``, the allocation sites that grew most
since the first report are printed at the end.

Usage:
  python benchmarks/ingest_memory.py --files 500 [--work DIR] [--every 25] [--trace]
      [--second-model]   (default: MiniLM alone, as the README's figures)
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import time
import tracemalloc
from pathlib import Path

from scale_bench import peak_rss_mb, rss_mb  # this folder's scale benchmark

from assistant.ingest.pipeline import PAGES, Indexer
from assistant.settings import PROJECT_ROOT, Settings


def write_folder(folder: Path, files: int, paragraphs: tuple[int, int], seed: int) -> int:
    """``files`` documents of starter-corpus paragraphs; returns the bytes written."""
    source = PROJECT_ROOT / "corpus" / "documents"
    pool = [
        p.strip()
        for path in sorted(source.iterdir())
        for p in path.read_text(encoding="utf-8").split("\n\n")
        if len(p.strip()) > 200
    ]
    rng = random.Random(seed)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    written = 0
    for n in range(files):
        body = "\n\n".join(rng.sample(pool, rng.randint(*paragraphs)))
        text = f"Synthetic report {n}\n\n{body}\n"
        (folder / f"report-{n:04d}.txt").write_text(text, encoding="utf-8")
        written += len(text.encode())
    return written


class Curve:
    """The progress callback: one line every ``every`` files."""

    def __init__(self, every: int, trace: bool) -> None:
        self.every, self.trace = every, trace
        self.files: list[str] = []
        self.started = time.perf_counter()
        self.first: tracemalloc.Snapshot | None = None

    def __call__(self, done: int, total: int, name: str) -> None:
        if not name or name.endswith(PAGES) or (self.files and self.files[-1] == name):
            return
        self.files.append(name)
        if len(self.files) % self.every == 1 or self.every == 1:
            self.report(done)

    def report(self, done: int) -> None:
        traced = tracemalloc.get_traced_memory()[0] / 2**20 if self.trace else 0.0
        seconds = time.perf_counter() - self.started
        print(
            f"| {len(self.files)} | {done:,} | {rss_mb():,.0f} | {traced:,.0f} | {seconds:.0f} "
            f"| {os.getloadavg()[0]:.1f} |",
            flush=True,
        )
        if self.trace and self.first is None:
            self.first = tracemalloc.take_snapshot()

    def grown(self, top: int = 15) -> None:
        if self.first is None:
            return
        stats = tracemalloc.take_snapshot().compare_to(self.first, "lineno")
        print("allocation sites that grew most (Python objects):", file=sys.stderr)
        for stat in stats[:top]:
            print(f"  {stat}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--paragraphs", type=int, nargs=2, default=(8, 30))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=Path("/tmp/ingest-memory"))
    parser.add_argument("--every", type=int, default=25)
    parser.add_argument("--trace", action="store_true", help="tracemalloc (slower)")
    parser.add_argument("--second-model", action="store_true", help="keep the second model")
    args = parser.parse_args()
    folder = args.work / "documents"
    size = write_folder(folder, args.files, tuple(args.paragraphs), args.seed)
    print(f"{args.files} files, {size / 1e6:.1f} MB of text; RSS at start {rss_mb():,.0f} MB")
    shutil.rmtree(args.work / "index", ignore_errors=True)
    overrides = {} if args.second_model else {"second_embedding_model": ""}
    settings = Settings(index_dir=args.work / "index", **overrides)
    indexer = Indexer(settings)
    indexer.embeddings.embed_documents(["load the model first"])
    print(f"models loaded: RSS {rss_mb():,.0f} MB")
    if args.trace:
        tracemalloc.start(8)
    curve = Curve(args.every, args.trace)
    print("| files | chunks | RSS MB | Python objects MB | seconds | load |")
    print("|---|---|---|---|---|---|")
    report = indexer.run([folder], progress=curve)
    curve.report(report.chunks_embedded)
    print(
        f"done: {len(report.added)} files, {report.total_chunks:,} chunks, {report.seconds:.0f} s;"
        f" peak RSS {peak_rss_mb(os.getpid()):,.0f} MB"
    )
    curve.grown()


if __name__ == "__main__":
    main()
