"""``cluster-assistant ask``, ``chat`` and ``eval answers``: cited answers on the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assistant.cli.common import (
    BatchOption,
    IndexOption,
    JsonOption,
    console,
    make_settings,
    one_input,
    out,
    print_json,
    read_jsonl,
    run_batch,
)
from assistant.records import source_label
from assistant.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from assistant.answer import Answer, Answerer
    from assistant.chat import ChatSession

NoLlmOption = Annotated[
    bool, typer.Option("--no-llm", help="Answer extractively even when an LLM is configured.")
]
EVAL_DIR = PROJECT_ROOT / "eval"
CHAT_HELP = "Commands: /sources (passages of the last answer), /reset (new conversation), /quit."


def _answerer(index: Path | None, no_llm: bool) -> Answerer:
    from assistant.answer import Answerer

    settings = make_settings(index, llm_backend="none" if no_llm else None)
    return Answerer.from_settings(settings)


def print_sources(answer: Answer) -> None:
    for c in answer.citations:
        out.print(f"  [{c.marker}] {source_label(c.to_dict())}", style="cyan")


def print_passages(answer: Answer) -> None:
    if not answer.citations:
        out.print("(no sources for the last answer)")
    for c in answer.citations:
        out.print(f"[bold][{c.marker}] {source_label(c.to_dict())}[/]")
        out.print(c.text, markup=False)
        out.print()


def show_streamed(session: ChatSession | Answerer, question: str) -> Answer:
    """Print the answer as it streams, then its checked form (if it changed), sources, notices."""
    from assistant.answer import Answer

    pieces: list[str] = []
    final: Answer | None = None
    stream = session.stream(question)
    for piece in stream:
        if isinstance(piece, Answer):
            final = piece
        else:
            pieces.append(piece)
            out.print(piece, end="", markup=False, highlight=False)
    out.print()
    assert final is not None
    if "".join(pieces).strip() != final.answer.strip():
        out.print("[dim]Checked answer:[/]")
        out.print(final.answer, markup=False)
    if final.rewritten_query:
        out.print(f"[dim](searched for: {final.rewritten_query})[/]")
    for notice in final.notices:
        out.print(f"[yellow]Note:[/] {notice}")
    print_sources(final)
    return final


def ask(
    question: Annotated[str | None, typer.Argument(help="Your question.")] = None,
    batch: BatchOption = None,
    index: IndexOption = None,
    as_json: JsonOption = False,
    no_llm: NoLlmOption = False,
) -> None:
    """Answer a question from the library, citing the passages used."""
    one_input(question, batch, "QUESTION")
    answerer = _answerer(index, no_llm)
    if batch is not None:
        run_batch(batch, "question", lambda q: answerer.answer(q).to_dict())
        return
    if as_json:
        print_json(answerer.answer(question).to_dict(), pretty=True)
        return
    show_streamed(answerer, question)


def _chat_batch(answerer: Answerer, batch: Path) -> None:
    from assistant.chat import ChatSession

    for row in read_jsonl(batch):
        session = ChatSession(answerer)
        turns = [session.ask(str(t.get("question", ""))).to_dict() for t in row.get("turns", [])]
        print_json({"id": row.get("id"), "turns": turns})


def chat(
    batch: BatchOption = None,
    index: IndexOption = None,
    as_json: JsonOption = False,
    no_llm: NoLlmOption = False,
) -> None:
    """Talk with the library: follow-up questions are understood in context."""
    from assistant.chat import ChatSession

    answerer = _answerer(index, no_llm)
    if batch is not None:
        _chat_batch(answerer, Path(batch))
        return
    session = ChatSession(answerer)
    console.print(f"Ask about cluster policy ({answerer.mode} answers). {CHAT_HELP}")
    while True:
        try:
            line = console.input("[bold green]You>[/] ").strip()
        except EOFError:
            break
        if not line:
            continue
        if line in ("/quit", "/exit"):
            break
        if line == "/reset":
            session.reset()
            console.print("Conversation reset.")
        elif line == "/sources":
            print_passages(session.last) if session.last else out.print("(nothing asked yet)")
        elif line.startswith("/"):
            console.print(CHAT_HELP)
        else:
            show_streamed(session, line)


def eval_answers(
    questions: Annotated[
        list[Path] | None,
        typer.Option("--questions", help="Question files (JSON lines; repeatable)."),
    ] = None,
    followups: Annotated[
        Path | None, typer.Option("--followups", help="Conversations (JSON lines).")
    ] = None,
    dump: Annotated[Path | None, typer.Option("--dump", help="Write per-item rows here.")] = None,
    index: IndexOption = None,
    as_json: JsonOption = False,
    no_llm: NoLlmOption = False,
) -> None:
    """Cited-hit, abstentions and follow-up hit@5 of the answers."""
    from assistant.answer_eval import evaluate_answers, evaluate_followups

    files = questions or [EVAL_DIR / "dev_questions.jsonl", EVAL_DIR / "dev_out_of_scope.jsonl"]
    if followups is None and not questions:
        followups = EVAL_DIR / "dev_followups.jsonl"
    answerer = _answerer(index, no_llm)
    items = [row for f in files for row in read_jsonl(f)]
    metrics, rows = evaluate_answers(answerer, items)
    if followups is not None:
        more, conv_rows = evaluate_followups(answerer, list(read_jsonl(followups)))
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
