"""One file added, changed, then removed on a large index: the time of each ingest run.

A copy of ``--index`` (for instance a synthetic library kept by ``scale_bench.py --keep``) is
ingested three times with one small file of a folder outside its corpus: added (the first run
on an index written without the lexical state also rebuilds it from every chunk), changed, then
removed. For each run it prints the whole run's seconds and those spent on the lexical side
(BM25, the chunk table, the library's words).

Usage:
  python benchmarks/ingest_change.py --index /tmp/scale/100000-embedded/index
      [--collection scale_bench] [--work /tmp/ingest-change]
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from assistant.ingest.pipeline import Indexer
from assistant.settings import Settings

TEXT = "# Harbour logistics {n}\n\n## Findings\n\n" + (
    "The port cluster of Freedonia grew around {n} shipping firms and their suppliers. " * 40
)


def timed_lexical(indexer: Indexer, spent: list[float]) -> None:
    """Make ``indexer`` add the seconds of each lexical refresh to ``spent``."""
    refresh = indexer._refresh_bm25

    def timed(*args: object, **kwargs: object) -> None:
        started = time.perf_counter()
        refresh(*args, **kwargs)
        spent.append(time.perf_counter() - started)

    indexer._refresh_bm25 = timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--collection", default="scale_bench")
    parser.add_argument("--work", type=Path, default=Path("/tmp/ingest-change"))
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    shutil.copytree(args.index, args.work / "index", symlinks=True)
    folder = args.work / "new"
    folder.mkdir()
    settings = Settings(
        index_dir=args.work / "index", corpus_dir=args.work / "corpus", collection=args.collection
    )
    indexer = Indexer(settings)
    spent: list[float] = []
    timed_lexical(indexer, spent)
    print("| run | chunks | ingest s | lexical s |\n|---|---|---|---|")
    for n, step in enumerate(("added", "changed", "removed")):
        if step == "removed":
            (folder / "harbour.md").unlink()
        else:
            (folder / "harbour.md").write_text(TEXT.format(n=n + 1), "utf-8")
        report = indexer.run([folder])
        assert report.changed and not report.failed, report
        print(f"| {step} | {report.total_chunks:,} | {report.seconds:.1f} | {spent[-1]:.1f} |")
    shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    main()
