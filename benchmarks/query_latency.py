"""Print retrieval latency: the first query (cold) and warm p50/p95 over the dev questions.

Warm figures are also split into the query embeddings (each model's forward pass) and the rest
of the search (Chroma, BM25, fusion, diversity, neighbours), which tells CPU contention from
cost.

Usage: python benchmarks/query_latency.py [--index DIR] [--questions FILE] [--rounds N] [-k K]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from assistant.retrieval.hybrid import HybridRetriever
from assistant.settings import PROJECT_ROOT, Settings


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument(
        "--questions", type=Path, default=PROJECT_ROOT / "eval" / "dev_questions.jsonl"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("-k", type=int, default=10)
    args = parser.parse_args()
    settings = Settings(**({"index_dir": args.index} if args.index else {}))
    lines = args.questions.read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()]

    started = time.perf_counter()
    retriever = HybridRetriever.from_settings(settings, k=args.k)
    retriever.invoke(questions[0])
    cold = time.perf_counter() - started

    print(f"index: {settings.index_dir} ({len(retriever.index.table)} chunks), k={args.k}")
    print(f"cold start (load model and index, first query): {cold:.2f} s")
    report("warm queries", timed(retriever.invoke, questions, args.rounds))
    index = retriever.index
    models = {False: index.embeddings, True: index.second_embeddings}
    vectors: dict[tuple[str, bool], list[float]] = {}
    for second, model in models.items():
        if model is not None:
            label = f"  of which query embedding ({Path(model.model_name).name})"
            report(label, timed(model.embed_query, questions, args.rounds))
            vectors.update({(q, second): model.embed_query(q) for q in questions})
    index.query_vector = lambda q, second=False: vectors[q, second]  # type: ignore[method-assign]
    report("  search without the embeddings", timed(retriever.invoke, questions, args.rounds))


def timed(call: Callable[[str], object], questions: list[str], rounds: int) -> list[float]:
    """Milliseconds of each call, every question ``rounds`` times."""
    timings: list[float] = []
    for _ in range(rounds):
        for question in questions:
            t0 = time.perf_counter()
            call(question)
            timings.append((time.perf_counter() - t0) * 1000)
    return timings


def report(label: str, timings: list[float]) -> None:
    print(
        f"{label}: n={len(timings)}  p50={statistics.median(timings):.1f} ms  "
        f"p95={percentile(timings, 0.95):.1f} ms  max={max(timings):.1f} ms"
    )


if __name__ == "__main__":
    main()
