"""``cluster-assistant``: a thin command line over the ``assistant`` library."""

from __future__ import annotations

import sys

import typer
from rich.markup import escape

from assistant.cli import ask_cmd, eval_cmd, ingest_cmd, recommend_cmd, search_cmd
from assistant.cli.common import UserError, console

app = typer.Typer(
    name="cluster-assistant",
    help="Citation-first assistant for cluster policy: ingest, search, ask, recommend.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
eval_app = typer.Typer(help="Measure retrieval, answers and recommendations.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

# Each command lives in its own module; register it here, one line each.
app.command("ingest")(ingest_cmd.ingest)
app.command("search")(search_cmd.search)
app.command("ask")(ask_cmd.ask)
app.command("chat")(ask_cmd.chat)
app.command("recommend")(recommend_cmd.recommend)
eval_app.command("retrieval")(eval_cmd.retrieval)
eval_app.command("answers")(eval_cmd.answers)
eval_app.command("judgment")(eval_cmd.judgment)
eval_app.command("recommend")(eval_cmd.recommend)
eval_app.command("fit-reader")(eval_cmd.fit_reader)


def _user_errors() -> tuple[type[BaseException], ...]:
    from assistant.index.embeddings import ModelNotFoundError
    from assistant.index.store import IndexStoreError
    from assistant.retrieval.search_index import IndexMissingError

    return (UserError, IndexMissingError, IndexStoreError, ModelNotFoundError, FileNotFoundError)


def _error(message: str) -> None:
    console.print(f"[bold red]Error:[/] {escape(message)}", soft_wrap=True)


def _usage_error(exc: typer.TyperException) -> None:
    """A wrong command line in one line, with where to read the usage (for no arguments at
    all, the help has been printed already)."""
    message = exc.format_message().strip()
    ctx = getattr(exc, "ctx", None)
    if message:
        _error(message + (f" (see: {ctx.command_path} --help)" if ctx is not None else ""))


def main() -> None:
    """Entry point: run the app; user errors (wrong options included) become one clear line
    and exit code 2, never a traceback."""
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as exc:  # unknown option, missing --batch file, bad value…
        _usage_error(exc)
        sys.exit(exc.exit_code)
    except _user_errors() as exc:
        _error(str(exc))
        sys.exit(2)
    except (KeyboardInterrupt, typer.Abort):
        console.print("Interrupted.")
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
