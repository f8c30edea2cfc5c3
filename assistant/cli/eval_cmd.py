"""``cluster-assistant eval retrieval | answers | recommend``: the measures, side by side with
the baselines. The measuring is done in ``assistant.evaluation``; this module reads the files and
prints the figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import track
from rich.table import Table
from rich.text import Text

from assistant.cli.ask_cmd import NoLlmOption, make_answerer
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
from assistant.cli.recommend_cmd import make_recommender
from assistant.settings import PROJECT_ROOT

EVAL_DIR = PROJECT_ROOT / "eval"
METRICS = ("hit@5", "hit@10", "mrr@10", "recall@10", "words@10")
DumpOption = Annotated[
    Path | None, typer.Option("--dump", help="Write per-item results here (JSON lines).")
]


def retrieval(
    questions: Annotated[
        Path, typer.Option("--questions", help="Questions with gold quotes (JSON lines).")
    ] = EVAL_DIR / "dev_questions.jsonl",
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="Passages per question.")] = 10,
    baseline: Annotated[
        bool, typer.Option("--baseline", help="Also build and score the naive baseline.")
    ] = False,
    dump: DumpOption = None,
    index: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Score retrieval on questions with gold quotes: hit@5, hit@10, MRR@10, recall@10, words."""
    from assistant.evaluation.retrieval import answerable, evaluate_retrieval

    rows = _load_questions(questions)
    if baseline:
        console.print("Building the naive baseline (1000/150-character chunks)…")
    results = evaluate_retrieval(make_settings(index), rows, k, baseline)
    if dump is not None:
        _write_dump(dump, rows, {name: scores for name, (_, scores) in results.items()})
    metrics = {name: summary for name, (summary, _) in results.items()}
    if as_json:
        print_json({"questions": len(answerable(rows)), "k": k, "metrics": metrics})
    else:
        _print_table(metrics, len(answerable(rows)))


QuestionsOption = Annotated[
    list[Path] | None,
    typer.Option("--questions", help="Question files (JSON lines; repeatable)."),
]
SplitOption = Annotated[
    str | None,
    typer.Option(
        "--split", help="Only rows whose 'split' field has this value (rows without one stay)."
    ),
]
DEV_QUESTIONS = [EVAL_DIR / "dev_questions.jsonl", EVAL_DIR / "dev_out_of_scope.jsonl"]


def _rows(files: list[Path], split: str | None) -> list[dict[str, Any]]:
    rows = [row for f in files for row in read_jsonl(f)]
    return [r for r in rows if split is None or r.get("split", split) == split]


def answers(
    questions: QuestionsOption = None,
    split: SplitOption = None,
    followups: Annotated[
        Path | None, typer.Option("--followups", help="Conversations (JSON lines).")
    ] = None,
    dump: DumpOption = None,
    index: IndexOption = None,
    as_json: JsonOption = False,
    no_llm: NoLlmOption = False,
) -> None:
    """Cited-hit, abstentions and follow-up hit@5 of the answers."""
    from assistant.evaluation.answers import evaluate_answers, evaluate_followups

    if followups is None and not questions:
        followups = EVAL_DIR / "dev_followups.jsonl"
    answerer = make_answerer(index, no_llm)
    metrics, rows = evaluate_answers(answerer, _rows(questions or DEV_QUESTIONS, split))
    if followups is not None:
        more, conv_rows = evaluate_followups(answerer, _rows([followups], split))
        metrics |= more
        rows += conv_rows
    metrics["mode"] = answerer.mode
    if dump is not None:
        dump.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    if as_json:
        print_json(metrics)
        return
    for key, value in metrics.items():
        out.print(f"{key:>22}  {value}")


def judgment(
    questions: QuestionsOption = None,
    split: SplitOption = None,
    write: Annotated[
        bool, typer.Option("--write", help="Save the fitted model (judgment.json) for answering.")
    ] = False,
    max_wrong: Annotated[
        float | None,
        typer.Option(
            "--max-wrong",
            min=0.0,
            max=0.5,
            help="Wrong refusals allowed in cross-validation (default 0.03).",
        ),
    ] = None,
    index: IndexOption = None,
) -> None:
    """Fit the evidence judgment on labelled questions and print its cross-validated figures."""
    from assistant.answering.abstain import MODEL_FILE
    from assistant.evaluation.judgment import MAX_WRONG, collect, fit, save

    files = questions or DEV_QUESTIONS
    rows = _rows(files, split)
    answerer = make_answerer(index, no_llm=True)
    allowed = MAX_WRONG if max_wrong is None else max_wrong
    fitted = fit(collect(answerer, rows), [bool(r.get("gold")) for r in rows], allowed)
    report = fitted.report()
    print_json(report, pretty=True)
    if write:
        split_in = {f for f in files if any("split" in r for r in read_jsonl(f))}
        where = [f.name + (f" (split {split})" if split and f in split_in else "") for f in files]
        save(fitted.model, MODEL_FILE, where, report)
        console.print(f"Saved the judgment to {MODEL_FILE}")


READER_SCENARIOS = [
    EVAL_DIR / "written" / "training_scenarios.jsonl",
    EVAL_DIR / "dev_scenarios.jsonl",
    EVAL_DIR / "written" / "scenarios.jsonl",
    EVAL_DIR / "written" / "scenario_paraphrases.jsonl",
]


def fit_reader(
    scenarios: Annotated[
        list[Path] | None,
        typer.Option("--scenarios", help="Labelled scenarios (JSON lines; repeat the option)."),
    ] = None,
    vocab: Annotated[
        Path, typer.Option("--vocab", help="Expected-instrument names -> catalog ids.")
    ] = EVAL_DIR / "instrument_vocabulary.json",
    exclude_split: Annotated[
        str, typer.Option("--exclude-split", help="Leave out rows of this split.")
    ] = "validation",
    write: Annotated[
        bool, typer.Option("--write", help="Save the fitted reader (reader.npz) for recommending.")
    ] = False,
    index: IndexOption = None,
) -> None:
    """Fit the learned reader of descriptions; print its cross-validated recall@6 per file."""
    from assistant.evaluation.reader import choose, collect, cross_validate, fit
    from assistant.recommending.reader import MODEL_FILE

    if not vocab.is_file():
        raise UserError(f"no such file: {vocab}")
    names = json.loads(vocab.read_text(encoding="utf-8"))
    recommender = make_recommender(make_settings(index), with_citations=False)
    second = recommender.second
    if second is None:
        raise UserError("the reader needs the second embedding model, which is turned off")
    examples = []
    for path in scenarios or READER_SCENARIOS:
        rows = [r for r in read_jsonl(path) if r.get("split") != exclude_split]
        reading = track(rows, description=f"Reading {path.name}", console=console)
        try:
            examples += collect(recommender, reading, names, path.name)
        except (KeyError, ValueError) as exc:
            raise UserError(f"{path}: {exc}") from exc
    report = cross_validate(examples)
    weight = choose(report)
    print_json({"scenarios": len(examples), "cv_recall@6": report, "weight": weight}, pretty=True)
    if write:
        models = (recommender.embeddings.model_id, second.model_id)
        fit(examples, models, weight).save(MODEL_FILE)
        console.print(f"Saved the reader to {MODEL_FILE} (blend weight {weight})")


def recommend(
    scenarios: Annotated[
        Path, typer.Option("--scenarios", help="Scenarios (JSON lines).")
    ] = EVAL_DIR / "dev_scenarios.jsonl",
    vocab: Annotated[
        Path, typer.Option("--vocab", help="Expected-instrument names -> catalog ids.")
    ] = EVAL_DIR / "instrument_vocabulary.json",
    k: Annotated[int, typer.Option("-k", min=1, help="Cut-off for recall@k.")] = 6,
    originals: Annotated[
        Path,
        typer.Option(
            "--originals", help="The scenarios that paraphrases reword ('paraphrase_of' ids)."
        ),
    ] = EVAL_DIR / "dev_scenarios.jsonl",
    split: SplitOption = None,
    index: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Recall@k of the recommender beside the embedding and most-common baselines (and, for
    paraphrases, how many of each one's first k match its original's)."""
    from assistant.evaluation.recommendations import evaluate_recommendations
    from assistant.index.embeddings import first_embeddings

    rows = _rows([scenarios], split)
    if not vocab.exists():
        raise UserError(f"no such file: {vocab}")
    names = json.loads(vocab.read_text(encoding="utf-8"))
    settings = make_settings(index)
    recommender = make_recommender(settings, with_citations=False)
    try:
        figures = evaluate_recommendations(
            rows, names, recommender, first_embeddings(settings), k, _originals(rows, originals)
        )
    except ValueError as exc:
        raise UserError(f"{vocab}: {exc}") from exc
    if as_json:
        print_json(figures, pretty=True)
        return
    where = f"{scenarios}" + (f" (split {split})" if split else "")
    table = Table(title=Text(f"Recommendations on {where} ({len(rows)} scenarios)"))
    table.add_column("method")
    table.add_column(f"recall@{k}", justify="right")
    for label, key in (
        ("recommender", f"recall@{k}"),
        ("  the rules alone (no learned reader)", f"rules_alone_recall@{k}"),
        ("baseline: embedding similarity", f"baseline_embedding_recall@{k}"),
        ("baseline: same most common", f"baseline_most_common_recall@{k}"),
    ):
        table.add_row(label, f"{figures[key]:.3f}")
    out.print(table)
    per = figures["per_scenario"]
    out.print("per scenario: " + ", ".join(f"{s} {v:.2f}" for s, v in per.items()), markup=False)
    if figures["paraphrases_overlapping_4_of_6"]:
        out.print(
            f"paraphrases whose first {k} share >= 4 with their original's: "
            f"{figures['paraphrases_overlapping_4_of_6']}"
        )
    out.print(f"pitfalls caught by 'not recommended': {figures['pitfalls_caught']}")
    for miss in figures["pitfalls_missed"]:
        out.print(f"  missed: {miss}", markup=False)


def _originals(rows: list[dict[str, Any]], path: Path) -> list[dict[str, Any]]:
    """The scenarios that ``rows`` reword, read from ``path`` (none when no row rewords)."""
    wanted = {r["paraphrase_of"] for r in rows if r.get("paraphrase_of")}
    if not wanted:
        return []
    if not path.exists():
        raise UserError(f"no such file: {path} (the scenarios the paraphrases reword)")
    return [r for r in read_jsonl(path) if r.get("id") in wanted]


def _load_questions(path: Path) -> list[dict[str, Any]]:
    rows = list(read_jsonl(path))
    for number, row in enumerate(rows, 1):
        if not isinstance(row.get("question"), str) or not isinstance(row.get("gold", []), list):
            raise UserError(f"{path}: question {number} needs a 'question' text and a 'gold' list")
    if not any(row.get("gold") for row in rows):
        raise UserError(f"{path}: no question has gold quotes to score against")
    return rows


def _write_dump(path: Path, rows: list[dict[str, Any]], scores: dict[str, list[Any]]) -> None:
    from assistant.evaluation.retrieval import dump_rows

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
