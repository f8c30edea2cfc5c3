"""A scripted chat-completions server on 127.0.0.1 for tests: OpenAI- and Ollama-compatible.

It speaks ``POST /v1/chat/completions`` (JSON, or server-sent events when ``stream`` is true)
and ``POST /api/chat`` (Ollama: JSON, or JSON lines when streaming). Each request takes the next
scripted ``Reply`` (text, HTTP status, delay) and is recorded with its exact body, so tests can
drive the real LangChain clients and assert on what they sent.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer: its text, the HTTP status, and a delay before answering."""

    text: str = ""
    status: int = 200
    delay: float = 0.0


@dataclass
class Request:
    path: str
    body: dict[str, Any]


def _pieces(text: str) -> list[str]:
    """The text cut into word-sized pieces, as a model streams it."""
    words = text.split(" ")
    return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]


class _Handler(BaseHTTPRequestHandler):
    server: _StubHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        stub = self.server.stub
        stub.requests.append(Request(self.path, body))
        reply = stub.replies.popleft() if stub.replies else Reply("")
        if reply.delay and stub.stopping.wait(reply.delay):
            return
        try:
            if reply.status != 200:
                self._json(
                    {"error": {"message": "scripted failure", "type": "server_error"}}, reply.status
                )
            elif self.path.startswith("/api/chat"):
                self._ollama(body, reply.text)
            elif self.path.endswith("/chat/completions"):
                self._openai(body, reply.text)
            else:
                self._json({"error": {"message": f"no route {self.path}"}}, 404)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _json(self, data: dict[str, Any], status: int = 200) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _openai(self, body: dict[str, Any], text: str) -> None:
        model = body.get("model", "stub")
        if not body.get("stream"):
            self._json(
                {
                    "id": "chatcmpl-stub",
                    "object": "chat.completion",
                    "created": 0,
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
            )
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        deltas = [{"role": "assistant", "content": ""}] + [{"content": p} for p in _pieces(text)]
        for i, delta in enumerate([*deltas, {}]):
            chunk = {
                "id": "chatcmpl-stub",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "delta": delta,
                        "finish_reason": "stop" if i == len(deltas) else None,
                    }
                ],
            }
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def _ollama(self, body: dict[str, Any], text: str) -> None:
        model = body.get("model", "stub")
        done = {
            "model": model,
            "created_at": "2024-01-01T00:00:00Z",
            "message": {"role": "assistant", "content": ""},
            "done": True,
            "done_reason": "stop",
            "total_duration": 1,
            "prompt_eval_count": 1,
            "eval_count": 1,
        }
        if body.get("stream") is False:
            done["message"]["content"] = text
            self._json(done)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.end_headers()
        for piece in _pieces(text):
            line = {
                "model": model,
                "created_at": "2024-01-01T00:00:00Z",
                "message": {"role": "assistant", "content": piece},
                "done": False,
            }
            self.wfile.write((json.dumps(line) + "\n").encode())
            self.wfile.flush()
        self.wfile.write((json.dumps(done) + "\n").encode())
        self.wfile.flush()


class _StubHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    stub: StubServer


class StubServer:
    """Start with ``start()``; script with ``script(...)``; read ``requests``; ``stop()``."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[Request] = []
        self.stopping = threading.Event()
        self._server = _StubHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.stub = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def root(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def openai_url(self) -> str:
        return f"{self.root}/v1"

    def script(self, *replies: Reply | str) -> None:
        """Replace the queue of replies (plain strings are 200 replies with that text)."""
        self.replies = deque(r if isinstance(r, Reply) else Reply(r) for r in replies)
        self.requests.clear()

    def start(self) -> StubServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
