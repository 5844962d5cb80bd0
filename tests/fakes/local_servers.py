"""Fake local servers speaking llama.cpp's native API, the Kobold API (KoboldCpp / KoboldAI) and Ollama's
native API, on 127.0.0.1, built on the same recording HTTP server as the OpenAI fake.

Shapes follow the backends reference (§3.1-3.4, §8 C-E). Fixtures: `llamacpp_server`, `kobold_server`,
`koboldai_server`, `ollama_server`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.openai_server import LLAMA_401, Canned, FakeOpenAIServer, error, split_network, words

KCPP_401 = {
    "detail": {"error": "Unauthorized", "msg": "Authentication key is missing or invalid.", "type": "unauthorized"}
}
KCPP_BUSY = {"detail": {"msg": "Server is busy; please try again later.", "type": "service_unavailable"}}
LLAMA_LOADING = {"error": {"code": 503, "message": "Loading model", "type": "unavailable_error"}}


def ok_json(obj: Any) -> Canned:
    return Canned(chunks=[json.dumps(obj, ensure_ascii=False).encode()])


def event_stream(body: bytes, **kw: Any) -> Canned:
    return Canned(headers={"Content-Type": "text/event-stream"}, chunks=split_network(body), stream=True, **kw)


def ndjson_stream(lines: list[dict[str, Any]], **kw: Any) -> Canned:
    body = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()
    return Canned(headers={"Content-Type": "application/x-ndjson"}, chunks=split_network(body, 23), stream=True, **kw)


def data_events(*objs: dict[str, Any], event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return "".join(f"{head}data: {json.dumps(o, ensure_ascii=False)}\n\n" for o in objs).encode()


class FakeLlamaCppServer(FakeOpenAIServer):
    """llama-server: /health, /props, /completion, /tokenize, /apply-template, plus the OpenAI routes under /v1."""

    def __init__(self) -> None:
        super().__init__()
        self.tokenizer = "llama.cpp"
        self.loading = False
        self.stop_type = "limit"
        self.chat_template: str | None = None  # reported in /props when set (real servers always send one)

    def default_answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Canned:
        if path == "/health":
            return error(503, LLAMA_LOADING) if self.loading else ok_json({"status": "ok"})
        if path == "/props" and method == "GET":
            settings = {"n_ctx": 4096, "params": {"n_predict": -1}}
            props: dict[str, Any] = {
                "default_generation_settings": settings,
                "total_slots": 4,
                "model_path": "/models/tiny.gguf",
                "build_info": "b6000-abc",
            }
            if self.chat_template is not None:
                props["chat_template"] = self.chat_template
            return ok_json(props)
        if path == "/completion" and method == "POST":
            if self.api_key is not None and headers.get("authorization") != f"Bearer {self.api_key}":
                return error(401, LLAMA_401)
            payload = json.loads(body)
            pieces = words(self.reply)
            final = {
                "content": "",
                "stop": True,
                "stop_type": self.stop_type,
                "stopping_word": "",
                "tokens_evaluated": self.evaluated(str(payload.get("prompt", "")), fixed=12),
                "truncated": False,
                "timings": {"predicted_n": len(pieces)},
            }
            if payload.get("stream"):
                chunks = [{"content": p, "stop": False, "tokens": [1]} for p in pieces]
                return event_stream(data_events(*chunks, final))
            return ok_json({**final, "content": self.reply})
        return super().default_answer(method, path, headers, body)


class FakeKoboldServer(FakeOpenAIServer):
    """KoboldCpp (or, with `kcpp=False`, KoboldAI United): the Kobold API under /api."""

    def __init__(self, *, kcpp: bool = True) -> None:
        super().__init__()
        self.kcpp = kcpp
        self.password: str | None = None
        self.finish = "length"
        self.chat_template: str | None = None  # newer KoboldCpp builds serve llama.cpp-style /props

    def default_answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Canned:
        protected = path.startswith(("/api/v1/generate", "/api/extra/generate", "/api/extra/tokencount"))
        if protected and self.password and headers.get("authorization") != f"Bearer {self.password}":
            return error(401, KCPP_401)
        payload: Any = json.loads(body) if body.strip() else {}
        if path == "/api/extra/version":
            if not self.kcpp:
                return error(404, {"detail": "Not Found"})
            return ok_json({"result": "KoboldCpp", "version": "1.76", "protected": bool(self.password)})
        if path == "/props" and method == "GET" and self.kcpp and self.chat_template is not None:
            return ok_json({"chat_template": self.chat_template, "total_slots": 1})
        if path == "/api/v1/info/version":
            return ok_json({"result": "1.2.5"})
        if path == "/api/v1/model":
            return ok_json({"result": "koboldcpp/tiny-model" if self.kcpp else "KoboldAI/classic-6B"})
        if path in ("/api/extra/true_max_context_length", "/api/v1/config/max_context_length"):
            return ok_json({"value": 8192})
        if path == "/api/v1/generate" and method == "POST":
            if not self.kcpp:
                allowed = {
                    "prompt",
                    "max_context_length",
                    "max_length",
                    "rep_pen",
                    "rep_pen_range",
                    "rep_pen_slope",
                    "temperature",
                    "tfs",
                    "top_a",
                    "top_k",
                    "top_p",
                    "typical",
                    "sampler_order",
                    "singleline",
                    "use_default_badwordsids",
                    "stop_sequence",
                    "use_story",
                    "use_memory",
                    "use_authors_note",
                    "use_world_info",
                    "quiet",
                }
                extra = sorted(set(payload) - allowed)
                if extra:
                    return error(422, {"detail": {extra[0]: ["Unknown field."]}})
            return ok_json({"results": [{"text": self.reply, "finish_reason": self.finish}]})
        if path == "/api/extra/generate/stream" and method == "POST" and self.kcpp:
            events = [{"token": p, "finish_reason": None} for p in words(self.reply)]
            events.append({"token": "", "finish_reason": self.finish})
            return event_stream(data_events(*events, event="message"))
        if path == "/api/extra/abort" and method == "POST":
            return ok_json({"success": True})
        if path == "/api/extra/tokencount" and method == "POST" and self.kcpp:
            ids = list(range(len(str(payload.get("prompt", "")).split())))
            return ok_json({"value": len(ids), "ids": ids})
        return super().default_answer(method, path, headers, body)


class FakeOllamaServer(FakeOpenAIServer):
    """Ollama: /, /api/version, /api/tags, /api/chat and /api/generate (NDJSON unless stream is false)."""

    def __init__(self) -> None:
        super().__init__()
        self.models = ["llama3.2:latest", "qwen3:8b"]
        self.thinking = ""
        self.template = "{{ .Prompt }}"  # /api/show's Go template of every model

    def default_answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Canned:
        if path == "/" and method == "GET":
            return Canned(headers={"Content-Type": "text/plain"}, chunks=[b"Ollama is running"])
        if path == "/api/version":
            return ok_json({"version": "0.6.2"})
        if path == "/api/tags":
            return ok_json(
                {"models": [{"name": m, "model": m, "size": 1, "details": {"family": "llama"}} for m in self.models]}
            )
        if path == "/api/show" and method == "POST":
            name = json.loads(body).get("model")
            if name not in self.models:
                return error(404, {"error": f"model '{name}' not found"})
            return ok_json({"template": self.template, "parameters": "", "details": {"family": "llama"}})
        if path in ("/api/chat", "/api/generate") and method == "POST":
            payload = json.loads(body)
            if payload.get("model") not in self.models:
                return error(404, {"error": f"model '{payload.get('model')}' not found"})
            chat = path == "/api/chat"

            def line(text: str, thinking: str = "", done: bool = False) -> dict[str, Any]:
                out: dict[str, Any] = {"model": payload["model"], "created_at": "2026-01-01T00:00:00Z"}
                if chat:
                    message: dict[str, Any] = {"role": "assistant", "content": text}
                    if thinking:
                        message["thinking"] = thinking
                    out["message"] = message
                else:
                    out["response"] = text
                    if thinking:
                        out["thinking"] = thinking
                out["done"] = done
                if done:
                    out.update(
                        done_reason="stop",
                        prompt_eval_count=9,
                        eval_count=len(words(self.reply)),
                        total_duration=1,
                        eval_duration=1,
                    )
                return out

            if payload.get("stream", True):
                lines = [line("", piece) for piece in words(self.thinking)]
                lines += [line(piece) for piece in words(self.reply)]
                lines.append(line("", done=True))
                return ndjson_stream(lines)
            whole = line(self.reply, self.thinking, done=True)
            return ok_json(whole)
        return super().default_answer(method, path, headers, body)


@pytest.fixture
def llamacpp_server() -> Iterator[FakeLlamaCppServer]:
    server = FakeLlamaCppServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def kobold_server() -> Iterator[FakeKoboldServer]:
    server = FakeKoboldServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def koboldai_server() -> Iterator[FakeKoboldServer]:
    server = FakeKoboldServer(kcpp=False).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def ollama_server() -> Iterator[FakeOllamaServer]:
    server = FakeOllamaServer().start()
    try:
        yield server
    finally:
        server.stop()
