"""``cluster-assistant eval retrieval``: retrieval metrics, beside the naive baseline."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from assistant.cli.common import (
    IndexOption,
    JsonOption,
    UserError,
    console,
    make_settings,
    out,
    print_json,
    read_jsonl,
)
from assistant.settings import PROJECT_ROOT

DEFAULT_QUESTIONS = PROJECT_ROOT / "eval" / "dev_questions.jsonl"
METRICS = ("hit@5", "hit@10", "mrr@10", "recall@10", "words@10")


def retrieval(
    questions: Annotated[
        Path, typer.Option("--questions", help="Questions with gold quotes (JSON lines).")
    ] = DEFAULT_QUESTIONS,
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="Passages per question.")] = 10,
    baseline: Annotated[
        bool, typer.Option("--baseline", help="Also build and score the naive baseline.")
    ] = False,
    dump: Annotated[
        Path | None, typer.Option("--dump", help="Write per-question results (JSON lines).")
    ] = None,
    index: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Score retrieval on questions with gold quotes: hit@5, hit@10, MRR@10, recall@10, words."""
    from assistant.evaluation import answerable, evaluate
    from assistant.records import chunk_record
    from assistant.retrieve import HybridRetriever

    rows = _load_questions(questions)
    settings = make_settings(index)
    retriever = HybridRetriever.from_settings(settings, k=k)
    runs = {"project": lambda q: [chunk_record(d) for d in retriever.invoke(q)]}
    with tempfile.TemporaryDirectory(prefix="naive-baseline-") as tmp:
        if baseline:
            from assistant.baseline import naive_searches

            console.print("Building the naive baseline (1000/150-character chunks)…")
            runs |= naive_searches(settings, Path(tmp), k, retriever.index.embeddings)
        results = {name: evaluate(rows, search) for name, search in runs.items()}
    if dump is not None:
        _write_dump(dump, rows, {name: scores for name, (_, scores) in results.items()})
    metrics = {name: summary for name, (summary, _) in results.items()}
    if as_json:
        print_json({"questions": len(answerable(rows)), "k": k, "metrics": metrics})
    else:
        _print_table(metrics, len(answerable(rows)))


def _load_questions(path: Path) -> list[dict[str, Any]]:
    rows = list(read_jsonl(path))
    for number, row in enumerate(rows, 1):
        if not isinstance(row.get("question"), str) or not isinstance(row.get("gold", []), list):
            raise UserError(f"{path}: question {number} needs a 'question' text and a 'gold' list")
    if not any(row.get("gold") for row in rows):
        raise UserError(f"{path}: no question has gold quotes to score against")
    return rows


def _write_dump(path: Path, rows: list[dict[str, Any]], scores: dict[str, list[Any]]) -> None:
    from assistant.evaluation import dump_rows

    text = {str(r["id"]): r["question"] for r in rows}
    with path.open("w", encoding="utf-8") as fh:
        for name, per_question in scores.items():
            for row in dump_rows(per_question):
                line = {"run": name, "question": text.get(row["id"], ""), **row}
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")


def _print_table(metrics: dict[str, dict[str, Any]], n: int) -> None:
    table = Table(title=f"Retrieval on {n} answerable questions")
    table.add_column("metric")
    for name in metrics:
        table.add_column(name, justify="right")
    for metric in METRICS:
        table.add_row(metric, *(_cell(m.get(metric)) for m in metrics.values()))
    out.print(table)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)
