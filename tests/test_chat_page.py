"""The Ask page's history: stored per browser session in the index folder, back after a reload;
copy and regenerate. Driven by AppTest over a private copy of the starter index."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.settings import Settings
from assistant.ui import chat_store

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "streamlit_app.py")
QUESTION = "How can a cluster initiative build trust among firms?"


def test_messages_round_trip_and_bad_files_read_as_empty(tmp_path: Path) -> None:
    sid = chat_store.new_session_id()
    messages = [
        {"role": "user", "content": "Q?"},
        {
            "role": "assistant",
            "content": "A [1]",
            "question": "Q?",
            "citations": [
                {"marker": 1, "chunk_id": "c1", "doc_id": "d", "title": "T", "text": "A."}
            ],
        },
    ]
    chat_store.save_messages(tmp_path, sid, messages)

    assert chat_store.load_messages(tmp_path, sid) == messages
    history = chat_store.answer_history(messages)
    assert [a.answer for a in history] == ["A [1]"] and history[0].citations[0].chunk_id == "c1"
    assert list((tmp_path / "chats").iterdir()) == [tmp_path / "chats" / f"{sid}.json"]

    (tmp_path / "chats" / f"{sid}.json").write_text("{not json", encoding="utf-8")
    assert chat_store.load_messages(tmp_path, sid) == []
    assert chat_store.load_messages(tmp_path, chat_store.new_session_id()) == []


@pytest.mark.parametrize("bad", ["../../etc/passwd", "abc", "", None, "A" * 32])
def test_only_ids_the_store_made_name_a_file(tmp_path: Path, bad: object) -> None:
    assert chat_store.valid_session_id(bad) is None
    with pytest.raises(ValueError):
        chat_store.chat_file(tmp_path, str(bad))


@pytest.fixture
def library(starter_index: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A private copy of the starter index that the app writes its chats into."""
    shutil.copytree(starter_index.index_dir, tmp_path / "index")
    monkeypatch.setenv("CLUSTER_ASSISTANT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("CLUSTER_ASSISTANT_CORPUS_DIR", str(starter_index.corpus_dir))
    monkeypatch.delenv("CLUSTER_ASSISTANT_LLM_BACKEND", raising=False)
    return tmp_path / "index"


@pytest.mark.slow
def test_history_survives_a_reload_and_can_be_copied_and_regenerated(library: Path) -> None:
    first = AppTest.from_file(APP, default_timeout=180).run()
    first.chat_input[0].set_value(QUESTION).run()
    assert not first.exception
    sid = first.session_state["chat_session_id"]
    assert first.query_params["chat"] in (sid, [sid])
    stored = json.loads((library / "chats" / f"{sid}.json").read_text(encoding="utf-8"))
    answer = stored["messages"][-1]
    assert [m["role"] for m in stored["messages"]] == ["user", "assistant"]

    reloaded = AppTest.from_file(APP, default_timeout=180)
    reloaded.query_params["chat"] = sid
    reloaded.run()
    assert not reloaded.exception
    assert [m.name for m in reloaded.chat_message] == ["user", "assistant"]
    assert reloaded.chat_message[0].markdown[0].value == QUESTION
    copied = reloaded.chat_message[1].code[0].value
    assert copied.startswith(answer["content"]) and "Sources:\n[1] " in copied

    reloaded.button(key=f"regen_{answer['id']}").click().run()
    assert not reloaded.exception
    messages = reloaded.session_state["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert messages[-1]["id"] != answer["id"] and messages[-1]["content"] == answer["content"]

    other = AppTest.from_file(APP, default_timeout=180).run()  # another browser session
    assert not other.chat_message and other.session_state["chat_session_id"] != sid
