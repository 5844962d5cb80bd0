"""A real OpenAI-compatible HTTP server on 127.0.0.1 for tests, with byte-level control of every answer.

Use the `openai_server` fixture (registered for the whole suite by `pytest_plugins` in tests/conftest.py):

    async def test_x(openai_server):
        openai_server.reply = "Hi there"                       # what chat/text completions say
        openai_server.script.append(error(401, LLAMA_401))     # the next request gets this instead
        ... talk to openai_server.base_url (".../v1") ...
        assert openai_server.requests[-1].body == prepared.body_bytes()

Every request is recorded (method, path, headers, raw body bytes). Streams are sent with chunked transfer
encoding, one network write per chunk, split so that at least one chunk boundary falls inside a UTF-8
character. `Canned` answers in `script` are consumed first-in first-out (optionally only by a matching path).
"""

from __future__ import annotations

import itertools
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

LLAMA_401 = {"error": {"code": 401, "message": "Invalid API Key", "type": "authentication_error"}}
OPENAI_404_MODEL = {
    "error": {
        "message": "The model `nope` does not exist or you do not have access to it.",
        "type": "invalid_request_error",
        "param": None,
        "code": "model_not_found",
    }
}
OPENAI_429 = {
    "error": {"message": "Rate limit reached for requests", "type": "requests", "code": "rate_limit_exceeded"}
}
LLAMA_CONTEXT_400 = {
    "error": {
        "code": 400,
        "message": "request (13392 tokens) exceeds the available context size (8192 tokens), try increasing it",
        "type": "exceed_context_size_error",
        "n_prompt_tokens": 13392,
        "n_ctx": 8192,
    }
}
SERVER_500 = {"error": {"code": 500, "message": "model crashed", "type": "server_error"}}
MIDSTREAM_ERROR = {
    "error": {"code": 502, "message": "upstream provider failed"},
    "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}],
}


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # keys lower-cased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Canned:
    """One scripted answer. `chunks` are written one network write each (chunked encoding when streaming)."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    chunks: list[bytes] = field(default_factory=list)
    stream: bool = False  # chunked transfer encoding, one write per chunk
    chunk_delay: float = 0.005
    cut: bool = False  # drop the connection after the chunks, without ending the body
    hold: float = 0.0  # keep sending deltas for up to this many seconds (cancellation tests)
    path: str | None = None  # only answer requests whose path ends with this
    poison: bool = False  # keep the connection open, then drop the next request on it unanswered
    hold_chunk: bytes | None = None  # what `hold` repeats (default: an OpenAI chat delta)
    silent_before: float = 0.0  # accept the request, then say nothing for this long (a server that never answers)
    silent_after: float = 0.0  # after the chunks, go quiet for this long with the body still open (a stall)


# -- wire builders ------------------------------------------------------------------------------------


def sse(*events: dict[str, Any] | str, done: bool = True, sep: str = "\n") -> bytes:
    """An SSE body: each event as `data: ...` then a blank line; `sep` picks the line ending."""
    out = []
    for event in events:
        data = event if isinstance(event, str) else json.dumps(event, ensure_ascii=False)
        out.append(f"data: {data}{sep}{sep}")
    if done:
        out.append(f"data: [DONE]{sep}{sep}")
    return "".join(out).encode("utf-8")


def split_network(body: bytes, size: int = 37) -> list[bytes]:
    """Cut a body into chunks of `size`, plus one cut inside the first multi-byte UTF-8 character."""
    cuts = set(range(size, len(body), size))
    first = next((i for i, b in enumerate(body) if b >= 0xC0), None)
    if first is not None:
        cuts.add(first + 1)
    points = [0, *sorted(cuts), len(body)]
    return [body[a:b] for a, b in itertools.pairwise(points) if b > a]


def words(text: str) -> list[str]:
    pieces, current = [], ""
    for ch in text:
        current += ch
        if ch == " ":
            pieces.append(current)
            current = ""
    if current:
        pieces.append(current)
    return pieces


SPECIAL = re.compile(r"(<\|\w+\|>)")  # ChatML-style special tokens: one token each
BOS_ID = 1


def fake_tokenize(text: str, *, add_special: bool = False) -> list[int]:
    """The fakes' tiny deterministic tokenizer: a token per whitespace-separated word, a special token
    (`<|im_start|>`) is one token of its own, and `add_special` puts BOS first as llama.cpp does."""
    words_ = SPECIAL.sub(r" \1 ", text).split()
    return ([BOS_ID] if add_special else []) + [10 + i for i in range(len(words_))]


def apply_chatml(messages: list[dict[str, Any]]) -> str:
    """What llama.cpp's /apply-template answers for a ChatML model: each message framed, then the reply
    priming (the text the server tokenizes for /v1/chat/completions)."""
    framed = "".join(f"<|im_start|>{m.get('role', '')}\n{m.get('content', '')}<|im_end|>\n" for m in messages)
    return framed + "<|im_start|>assistant\n"


def chat_chunks(
    text: str, *, reasoning: str = "", finish: str | None = "stop", usage: bool = True, model: str = "fake",
    prompt_tokens: int = 9,
) -> list[dict[str, Any]]:
    def chunk(delta: dict[str, Any], reason: str | None = None) -> dict[str, Any]:
        return {
            "id": "c1",
            "object": "chat.completion.chunk",
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": reason}],
        }

    out = [chunk({"role": "assistant", "content": ""})]
    out += [chunk({"reasoning_content": piece}) for piece in words(reasoning)]
    pieces = words(text)
    out += [chunk({"content": piece}) for piece in pieces]
    if finish is not None:
        out.append(chunk({}, finish))
    if usage:
        out.append(
            {
                "id": "c1",
                "object": "chat.completion.chunk",
                "choices": [],
                "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(pieces),
                          "total_tokens": prompt_tokens + len(pieces)},
            }
        )
    return out


def text_chunks(text: str, *, finish: str | None = "length") -> list[dict[str, Any]]:
    out = [
        {"id": "t1", "object": "text_completion", "choices": [{"index": 0, "text": p, "finish_reason": None}]}
        for p in words(text)
    ]
    if finish is not None:
        last = {"index": 0, "text": "", "finish_reason": finish}
        out.append({"id": "t1", "object": "text_completion", "choices": [last]})
    return out


def sse_answer(body: bytes, **kw: Any) -> Canned:
    return Canned(headers={"Content-Type": "text/event-stream"}, chunks=split_network(body), stream=True, **kw)


def error(status: int, body: dict[str, Any] | str, headers: dict[str, str] | None = None, **kw: Any) -> Canned:
    raw = body if isinstance(body, str) else json.dumps(body)
    ctype = "text/plain" if isinstance(body, str) else "application/json"
    return Canned(status=status, headers={"Content-Type": ctype, **(headers or {})}, chunks=[raw.encode()], **kw)


def stream_cut(text: str, *, after: int = 3, **kw: Any) -> Canned:
    """Some deltas, then the socket closes with no finish_reason and no [DONE]."""
    return sse_answer(sse(*chat_chunks(text, finish=None, usage=False)[: after + 1], done=False), cut=True, **kw)


def midstream_error(text: str = "Partial ") -> Canned:
    return sse_answer(sse(*chat_chunks(text, finish=None, usage=False), MIDSTREAM_ERROR))


def empty_stream(**kw: Any) -> Canned:
    """llama-cpp-python's answer to a streamed prompt over its context: 200, event-stream, empty body."""
    return Canned(headers={"Content-Type": "text/event-stream"}, chunks=[], stream=True, **kw)


def endless_stream(seconds: float = 10.0) -> Canned:
    """Deltas every few milliseconds until the client disconnects (or `seconds` pass)."""
    return Canned(headers={"Content-Type": "text/event-stream"}, stream=True, hold=seconds, chunk_delay=0.02)


# -- the server -------------------------------------------------------------------------------------


class FakeOpenAIServer:
    """Threaded HTTP server speaking the OpenAI API under `prefix` (default "/v1")."""

    def __init__(self, *, prefix: str = "/v1") -> None:
        self.prefix = prefix
        self.models = ["fake-model", "fake-model-2"]
        self.reply = "Hello, traveller! Café ☕ — welcome."
        self.reasoning = ""
        self.api_key: str | None = None
        self.tokenizer: str | None = None  # "llama.cpp" or "llama-cpp-python": which tokenize API exists
        # True: usage reports the prompt tokens the server evaluated (fake_tokenize of the templated prompt,
        # with BOS) instead of a fixed figure; only with the llama.cpp tokenizer.
        self.report_evaluated = False
        self.script: list[Canned] = []
        self.requests: list[RecordedRequest] = []
        self.disconnected = threading.Event()
        self.released = threading.Event()  # set on stop: ends every scripted silence at once
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return self.root + self.prefix

    def start(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _next_canned(self, path: str) -> Canned | None:
        with self._lock:
            for i, canned in enumerate(self.script):
                if canned.path is None or path.endswith(canned.path):
                    return self.script.pop(i)
        return None

    def evaluated(self, prompt: str, fixed: int = 9) -> int:
        """The prompt tokens usage reports: what a llama.cpp server evaluates, or a fixed figure."""
        if self.report_evaluated and self.tokenizer == "llama.cpp":
            return len(fake_tokenize(prompt, add_special=True))
        return fixed

    def default_answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Canned:
        """What a healthy server says when nothing is scripted."""
        if path in ("/health", f"{self.prefix}/health"):
            return Canned(chunks=[b'{"status":"ok"}'])
        if self.api_key is not None and headers.get("authorization") != f"Bearer {self.api_key}":
            return error(401, LLAMA_401)
        payload: Any = json.loads(body) if body.strip() else {}
        if method == "GET" and path == f"{self.prefix}/models":
            data = [{"id": m, "object": "model", "owned_by": "fake"} for m in self.models]
            return Canned(chunks=[json.dumps({"object": "list", "data": data}).encode()])
        if method == "POST" and path == f"{self.prefix}/chat/completions":
            if payload.get("stream"):
                evaluated = self.evaluated(apply_chatml(payload.get("messages") or []))
                return sse_answer(sse(*chat_chunks(self.reply, reasoning=self.reasoning, prompt_tokens=evaluated)))
            message: dict[str, Any] = {"role": "assistant", "content": self.reply}
            if self.reasoning:
                message["reasoning_content"] = self.reasoning
            reply = {
                "id": "c1",
                "object": "chat.completion",
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 9, "completion_tokens": 5, "total_tokens": 14},
            }
            return Canned(chunks=[json.dumps(reply, ensure_ascii=False).encode()])
        if method == "POST" and path == f"{self.prefix}/completions":
            if payload.get("stream"):
                return sse_answer(sse(*text_chunks(self.reply)))
            reply = {
                "id": "t1",
                "object": "text_completion",
                "choices": [{"index": 0, "text": self.reply, "finish_reason": "length"}],
            }
            return Canned(chunks=[json.dumps(reply, ensure_ascii=False).encode()])
        if method == "POST" and path == "/tokenize" and self.tokenizer == "llama.cpp":
            tokens = fake_tokenize(str(payload.get("content", "")), add_special=payload.get("add_special") is True)
            return Canned(chunks=[json.dumps({"tokens": tokens}).encode()])
        if method == "POST" and path == "/apply-template" and self.tokenizer == "llama.cpp":
            return Canned(chunks=[json.dumps({"prompt": apply_chatml(payload.get("messages") or [])}).encode()])
        if method == "POST" and path == "/extras/tokenize/count" and self.tokenizer == "llama-cpp-python":
            return Canned(chunks=[json.dumps({"count": len(str(payload.get("input", "")).split())}).encode()])
        return error(404, {"detail": "Not Found"})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _handle(self) -> None:
        fake: FakeOpenAIServer = self.server.fake  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = self.path.split("?")[0]
        headers = {k.lower(): v for k, v in self.headers.items()}
        fake._record(RecordedRequest(self.command, self.path, headers, body))
        if getattr(self, "_poisoned", False):
            # A keep-alive connection the server gave up on: close it without any answer.
            self.close_connection = True
            return
        canned = fake._next_canned(path) or fake.default_answer(self.command, path, headers, body)
        self._poisoned = canned.poison
        try:
            self._send(canned, fake)
        except (BrokenPipeError, ConnectionResetError, OSError):
            fake.disconnected.set()
            self.close_connection = True

    do_GET = _handle
    do_POST = _handle
    do_DELETE = _handle

    def _send(self, canned: Canned, fake: FakeOpenAIServer) -> None:
        if canned.silent_before:
            fake.released.wait(canned.silent_before)
        self.send_response(canned.status)
        for key, value in canned.headers.items():
            self.send_header(key, value)
        if not canned.stream:
            payload = b"".join(canned.chunks)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.wfile.flush()
        for chunk in canned.chunks:
            self._chunk(chunk)
            time.sleep(canned.chunk_delay)
        if canned.hold:
            deadline = time.monotonic() + canned.hold
            while time.monotonic() < deadline:
                more = canned.hold_chunk or sse(*chat_chunks("more ", finish=None, usage=False)[1:], done=False)
                self._chunk(more)
                time.sleep(canned.chunk_delay)
        if canned.silent_after:
            fake.released.wait(canned.silent_after)
        if canned.cut:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _chunk(self, data: bytes) -> None:
        if not data:
            return
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


@pytest.fixture
def openai_server() -> Iterator[FakeOpenAIServer]:
    """A fresh fake OpenAI server per test on a free port; stopped afterwards."""
    server = FakeOpenAIServer().start()
    try:
        yield server
    finally:
        server.stop()
