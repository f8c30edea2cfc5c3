"""Chat history that survives a reload: one JSON file per browser session in the index folder.

The browser session is named by a random id kept in the page address (``?chat=…``), so a reload
of the same address finds its conversation again; "New conversation" starts a new id. Files are
written atomically (a temporary file, then a rename); an unreadable file reads as an empty chat.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import uuid
from pathlib import Path
from typing import Any

from assistant.answering.types import Answer
from assistant.citations import Citation

log = logging.getLogger(__name__)
FOLDER = "chats"
SESSION_ID = re.compile(r"^[0-9a-f]{16,32}$")


def new_session_id() -> str:
    return uuid.uuid4().hex


def valid_session_id(value: object) -> str | None:
    """``value`` when it is a session id this module made (no path can hide in one)."""
    return value if isinstance(value, str) and SESSION_ID.match(value) else None


def chat_file(index_dir: Path, session_id: str) -> Path:
    if not valid_session_id(session_id):
        raise ValueError("not a chat session id")
    return Path(index_dir) / FOLDER / f"{session_id}.json"


def save_messages(index_dir: Path, session_id: str, messages: list[dict[str, Any]]) -> None:
    """Write the session's messages (atomically)."""
    path = chat_file(index_dir, session_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".chat-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"messages": messages}, fh, ensure_ascii=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_messages(index_dir: Path, session_id: str) -> list[dict[str, Any]]:
    """The session's messages; none when there is no file or it cannot be read."""
    path = chat_file(index_dir, session_id)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        log.warning("chat history %s unreadable: %s", path.name, exc)
        return []
    messages = data.get("messages") if isinstance(data, dict) else None
    return [m for m in messages or [] if isinstance(m, dict) and m.get("role") in ROLES]


ROLES = {"user", "assistant"}


def to_answer(message: dict[str, Any]) -> Answer:
    """The ``Answer`` an assistant message was made from (for the follow-up history)."""
    return Answer(
        question=str(message.get("question") or ""),
        answer=str(message.get("content") or ""),
        abstained=bool(message.get("abstained")),
        citations=[Citation.model_validate(c) for c in message.get("citations") or []],
        rewritten_query=message.get("rewritten_query"),
        notices=list(message.get("notices") or []),
        mode="llm" if message.get("mode") == "llm" else "extractive",
    )


def answer_history(messages: list[dict[str, Any]]) -> list[Answer]:
    return [to_answer(m) for m in messages if m.get("role") == "assistant"]
