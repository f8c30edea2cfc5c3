"""Pieces shared by the commands: settings from options, JSON lines, user-facing errors."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from assistant.settings import Settings

console = Console(stderr=True)
out = Console(highlight=False)

IndexOption = Annotated[
    Path | None, typer.Option("--index", help="Index folder (default: the settings' index_dir).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
BatchOption = Annotated[
    Path | None,
    typer.Option("--batch", help="JSON-lines input file; one JSON line out per line in."),
]


class UserError(Exception):
    """An error caused by the user's input: shown as a message, never as a traceback."""


def make_settings(index: Path | None = None, **overrides: Any) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    if index is not None:
        values["index_dir"] = index
    return Settings(**values)


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Objects from a JSON-lines file; a malformed line is a UserError naming its number."""
    if not path.exists():
        raise UserError(f"no such file: {path}")
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UserError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
            if not isinstance(row, dict):
                raise UserError(f"{path}:{number}: expected a JSON object")
            yield row


def one_input(value: str | None, batch: Path | None, name: str) -> str:
    """Exactly one of a positional input and ``--batch`` must be given: the positional input
    ("" with ``--batch``)."""
    if (value is None) == (batch is None):
        raise UserError(f"give either a {name} or --batch FILE")
    return value or ""


def run_batch(batch: Path, field: str, handle: Callable[[str], dict[str, Any]]) -> None:
    """For each JSON line of ``batch``: ``handle(row[field])``, printed as one JSON line with
    the row's ``id`` first (same order as the input)."""
    for row in read_jsonl(Path(batch)):
        print_json({"id": row.get("id"), **handle(str(row.get(field, "")))})


def print_json(data: Any, pretty: bool = False) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2 if pretty else None), flush=True)
