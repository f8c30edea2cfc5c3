"""``cluster-assistant ask`` and ``chat``: cited answers on the command line."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from assistant.cli.common import (
    BatchOption,
    IndexOption,
    JsonOption,
    console,
    loading,
    make_settings,
    one_input,
    out,
    print_json,
    run_batch,
)

if TYPE_CHECKING:
    from assistant.answering.answerer import Answerer
    from assistant.answering.chat import ChatSession
    from assistant.answering.types import Answer

NoLlmOption = Annotated[
    bool, typer.Option("--no-llm", help="Answer extractively even when an LLM is configured.")
]
CHAT_HELP = "Commands: /sources (passages of the last answer), /reset (new conversation), /quit."


def make_answerer(index: Path | None, no_llm: bool) -> Answerer:
    from assistant.answering.answerer import Answerer

    settings = make_settings(index, llm_backend="none" if no_llm else None)
    return Answerer.from_settings(settings)


def print_sources(answer: Answer) -> None:
    for c in answer.citations:
        out.print(f"  [{c.marker}] {escape(c.label())}", style="cyan")


def print_passages(answer: Answer) -> None:
    if not answer.citations:
        out.print("(no sources for the last answer)")
    for c in answer.citations:
        out.print(f"[bold]\\[{c.marker}] {escape(c.label())}[/]")
        out.print(c.text, markup=False)
        out.print()


def show_streamed(session: ChatSession | Answerer, question: str) -> Answer:
    """Print the answer as it streams, then its checked form (if it changed), sources, notices."""
    from assistant.answering.types import Answer

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
        out.print(f"[dim](searched for: {escape(final.rewritten_query)})[/]")
    for notice in final.notices:
        out.print(f"[yellow]Note:[/] {escape(notice)}")
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
    question = one_input(question, batch, "QUESTION")
    with loading():
        answerer = make_answerer(index, no_llm)
        if batch is not None:
            run_batch(batch, "question", lambda q: answerer.answer(q).to_dict())
        elif as_json:
            print_json(answerer.answer(question).to_dict(), pretty=True)
        else:
            show_streamed(answerer, question)


def _check_turns(turns: Any) -> str | None:
    """Why a conversation's ``turns`` are not a list of questions, or None."""
    if not isinstance(turns, list) or not turns:
        return 'no "turns" list'
    for number, turn in enumerate(turns, 1):
        question = turn.get("question") if isinstance(turn, dict) else None
        if not isinstance(question, str) or not question.strip():
            return f'turn {number} has no "question" text'
    return None


def _chat_batch(answerer: Answerer, batch: Path) -> None:
    from assistant.answering.chat import ChatSession

    def converse(turns: list[dict[str, Any]]) -> dict[str, Any]:
        session = ChatSession(answerer)
        return {"turns": [session.ask(turn["question"]).to_dict() for turn in turns]}

    run_batch(batch, "turns", converse, check=_check_turns)


def chat(
    batch: BatchOption = None,
    index: IndexOption = None,
    as_json: JsonOption = False,
    no_llm: NoLlmOption = False,
) -> None:
    """Talk with the library: follow-up questions are understood in context.

    With ``--batch`` each conversation is answered turn by turn and printed as one JSON line;
    interactively, ``--json`` prints each answer as JSON instead of text."""
    from assistant.answering.chat import ChatSession

    with loading():
        answerer = make_answerer(index, no_llm)
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
        elif as_json:  # one JSON object per answer, for scripts that talk to the chat
            with loading("Searching the library…"):
                print_json(session.ask(line).to_dict())
        else:
            with loading("Searching the library…"):
                show_streamed(session, line)
