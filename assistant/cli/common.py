"""Pieces shared by the commands: settings from options, JSON lines, the loading spinner and
user-facing errors."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.live import Live
from rich.spinner import Spinner
from rich.text import Text

from assistant.settings import Settings

console = Console(stderr=True)

IndexOption = Annotated[
    Path | None, typer.Option("--index", help="Index folder (default: the settings' index_dir).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
BatchOption = Annotated[
    Path | None,
    typer.Option(
        "--batch",
        exists=True,
        dir_okay=False,
        help="JSON-lines input file; one JSON line out per line in.",
    ),
]
LOADING = "Loading the models and the index…"


class UserError(Exception):
    """An error caused by the user's input: shown as a message, never as a traceback."""


class _Loading:
    """The spinner shown on stderr while models load; the first output on stdout stops it."""

    live: Live | None = None

    def start(self, message: str) -> None:
        self.stop()
        spinner = Spinner("dots", Text(message, style="dim"))
        # no redirection: stdout stays the JSON (or text) the command prints, nothing else
        self.live = Live(spinner, console=console, transient=True, redirect_stdout=False)
        self.live.start(refresh=True)

    def stop(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None


_loading = _Loading()


@contextmanager
def loading(message: str = LOADING) -> Iterator[None]:
    """Show a spinner on stderr until the first output (or the end of the block)."""
    _loading.start(message)
    try:
        yield
    finally:
        _loading.stop()


def stop_loading() -> None:
    _loading.stop()


class _Out(Console):
    """stdout: stops the loading spinner before anything is printed."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        stop_loading()
        super().print(*objects, **kwargs)


out = _Out(highlight=False)


def warn(message: str) -> None:
    """One line on stderr, printed as text (never as markup)."""
    console.print(Text(message, style="yellow"), soft_wrap=True)


def make_settings(index: Path | None = None, **overrides: Any) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    if index is not None:
        values["index_dir"] = index
    settings = Settings(**values)
    folder = Path(settings.index_dir)
    if folder.exists() and not folder.is_dir():
        raise UserError(f"the index folder {folder} is a file; give a folder with --index DIR")
    return settings


def read_text(path: Path) -> str:
    """A text file's content: UTF-8 (with or without a BOM) or, when it is not UTF-8, read as
    Windows-1252 / Latin-1 with a notice on stderr."""
    if not path.is_file():
        raise UserError(f"no such file: {path}")
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        warn(f"{path} is not UTF-8 (byte {exc.start + 1}); read as Latin-1 (Windows-1252)")
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:  # the few bytes cp1252 leaves undefined
        return data.decode("latin-1")


@dataclass(frozen=True)
class BatchLine:
    """One non-blank line of a JSON-lines file: its object, or why it is not one."""

    number: int
    id: Any
    row: dict[str, Any] | None = None
    error: str | None = None


_ID = re.compile(r'"id"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+)')


def _salvaged_id(line: str) -> Any:
    """The ``id`` of a line that is not valid JSON, when it can still be read."""
    match = _ID.search(line)
    if match is None:
        return None
    try:
        return json.loads(match.group(1))
    except json.JSONDecodeError:
        return None


def batch_lines(path: Path) -> Iterator[BatchLine]:
    """Each non-blank line of ``path`` as an object, or with the reason it is not one."""
    for number, line in enumerate(read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield BatchLine(number, _salvaged_id(line), error=f"not valid JSON ({exc.msg})")
            continue
        if not isinstance(row, dict):
            yield BatchLine(number, None, error="expected a JSON object")
            continue
        yield BatchLine(number, row.get("id"), row)


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Objects from a JSON-lines file; a malformed line is a UserError naming its number."""
    for line in batch_lines(path):
        if line.row is None:
            raise UserError(f"{path}:{line.number}: {line.error}")
        yield line.row


def one_input(value: str | None, batch: Path | None, name: str) -> str:
    """Exactly one of a positional input and ``--batch`` must be given: the positional input
    ("" with ``--batch``); a blank one is refused (before any model loads)."""
    if (value is None) == (batch is None):
        raise UserError(f"give either a {name} or --batch FILE")
    if value is not None and not value.strip():
        raise UserError(f"the {name.lower()} is empty")
    return value or ""


def text_field(field: str) -> Callable[[Any], str | None]:
    """A check of a batch line's value: why it is not a non-blank text, or None."""

    def check(value: Any) -> str | None:
        if not isinstance(value, str) or not value.strip():
            return f'no "{field}" text'
        return None

    return check


def run_batch(
    batch: Path,
    field: str,
    handle: Callable[[Any], dict[str, Any]],
    check: Callable[[Any], str | None] | None = None,
) -> None:
    """For each JSON line of ``batch``: ``handle(row[field])``, printed as one JSON line with
    the row's ``id`` first (same order as the input). A line that is not valid JSON or lacks a
    valid ``field`` is reported on stderr with its number and gives ``{"id", "error"}``."""
    check = check or text_field(field)
    for line in batch_lines(Path(batch)):
        value = line.row.get(field) if line.row is not None else None
        error = line.error or check(value)
        if error is not None:
            warn(f"{batch}:{line.number}: {error}; skipped")
            print_json({"id": line.id, "error": error})
        else:
            print_json({"id": line.id, **handle(value)})


def print_json(data: Any, pretty: bool = False) -> None:
    stop_loading()
    print(json.dumps(data, ensure_ascii=False, indent=2 if pretty else None), flush=True)
