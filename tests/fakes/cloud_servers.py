"""Fake hosted APIs on 127.0.0.1: Anthropic Messages, Google generateContent (AI Studio and Vertex paths) and
Cohere v2 chat. Each validates what the real service insists on (auth header, roles, required fields) and
answers with the recorded shapes from the backends reference (§5, §7, §8 F-H).
Fixtures: `claude_server`, `gemini_server`, `cohere_server`.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.local_servers import data_events, event_stream, ok_json
from tests.fakes.openai_server import Canned, FakeOpenAIServer, error, words

CLAUDE_401 = {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}
CLAUDE_OVERLOADED = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
GEMINI_BAD_KEY = {
    "error": {
        "code": 400,
        "message": "API key not valid. Please pass a valid API key.",
        "status": "INVALID_ARGUMENT",
        "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}],
    }
}
GEMINI_429 = {
    "error": {
        "code": 429,
        "message": "You exceeded your current quota, please check your plan.",
        "status": "RESOURCE_EXHAUSTED",
        "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.01s"}],
    }
}
COHERE_401 = {"id": "e1", "message": "invalid api token"}


def _claude_invalid(message: str) -> Canned:
    return error(400, {"type": "error", "error": {"type": "invalid_request_error", "message": message}})


class FakeClaudeServer(FakeOpenAIServer):
    def __init__(self) -> None:
        super().__init__()
        self.models = ["claude-sonnet-4-5", "claude-haiku-4-5"]
        self.thinking = ""
        self.stop_reason = "end_turn"

    def default_answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Canned:
        if self.api_key is not None and headers.get("x-api-key") != self.api_key:
            return error(401, CLAUDE_401)
        if headers.get("anthropic-version") != "2023-06-01":
            return _claude_invalid("anthropic-version: header is required")
        if path == "/v1/models":
            return ok_json({"data": [{"id": m, "type": "model"} for m in self.models], "has_more": False})
        payload: Any = json.loads(body) if body.strip() else {}
        if path == "/v1/messages/count_tokens":
            text = " ".join(str(m.get("content")) for m in payload.get("messages", []))
            return ok_json({"input_tokens": len(text.split())})
        if path != "/v1/messages" or method != "POST":
            return error(404, {"type": "error", "error": {"type": "not_found_error", "message": "Not found"}})
        if "max_tokens" not in payload:
            return _claude_invalid("max_tokens: Field required")
        roles = [m.get("role") for m in payload.get("messages", [])]
        if not roles or roles[0] != "user" or any(a == b for a, b in itertools.pairwise(roles)):
            return _claude_invalid("messages: roles must alternate between user and assistant, starting with user")
        if "system" in roles:
            return _claude_invalid('messages: Unexpected role "system"')
        if payload.get("model") not in self.models:
            return error(
                404,
                {"type": "error", "error": {"type": "not_found_error", "message": f"model: {payload.get('model')}"}},
            )
        if not payload.get("stream"):
            content: list[dict[str, Any]] = []
            if self.thinking:
                content.append({"type": "thinking", "thinking": self.thinking, "signature": "sig"})
            content.append({"type": "text", "text": self.reply})
            return ok_json(
                {
                    "id": "msg_1",
                    "type": "message",
                    "role": "assistant",
                    "content": content,
                    "stop_reason": self.stop_reason,
                    "usage": {"input_tokens": 12, "output_tokens": 6},
                }
            )
        return event_stream(self.claude_events())

    def claude_events(self, *, error_at_end: bool = False) -> bytes:
        def ev(obj: dict[str, Any]) -> bytes:
            return data_events(obj, event=obj["type"])

        out = ev(
            {
                "type": "message_start",
                "message": {
                    "id": "msg_1",
                    "type": "message",
                    "role": "assistant",
                    "content": [],
                    "usage": {"input_tokens": 12},
                },
            }
        )
        index = 0
        if self.thinking:
            out += ev(
                {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}}
            )
            for piece in words(self.thinking):
                out += ev(
                    {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": piece}}
                )
            out += ev(
                {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "EqQB"}}
            )
            out += ev({"type": "content_block_stop", "index": 0})
            index = 1
        out += ev({"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}})
        out += ev({"type": "ping"})
        for piece in words(self.reply):
            out += ev({"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": piece}})
        if error_at_end:
            return out + data_events(CLAUDE_OVERLOADED, event="error")
        out += ev({"type": "content_block_stop", "index": index})
        out += ev(
            {
                "type": "message_delta",
                "delta": {"stop_reason": self.stop_reason, "stop_sequence": None},
                "usage": {"output_tokens": 6},
            }
        )
        return out + ev({"type": "message_stop"})


_GOOGLE_MODEL = re.compile(
    r"/(?:v1beta|v1)/(?:projects/[^/]+/locations/[^/]+/)?(?:publishers/google/)?models/"
    r"([^/:]+):(\w+)$"
)


class FakeGeminiServer(FakeOpenAIServer):
    def __init__(self) -> None:
        super().__init__()
        self.models = ["gemini-2.5-flash", "gemini-2.5-pro"]
        self.thought = ""
        self.block_reason: str | None = None
        self.finish = "STOP"

    def chunks(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if self.thought:
            out.append(
                {
                    "candidates": [
                        {"content": {"parts": [{"text": self.thought, "thought": True}], "role": "model"}, "index": 0}
                    ]
                }
            )
        for piece in words(self.reply):
            out.append({"candidates": [{"content": {"parts": [{"text": piece}], "role": "model"}, "index": 0}]})
        out[-1]["candidates"][0]["finishReason"] = self.finish
        out[-1]["usageMetadata"] = {"promptTokenCount": 9, "candidatesTokenCount": 6, "totalTokenCount": 15}
        return out

    def default_answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Canned:
        if self.api_key is not None and headers.get("x-goog-api-key") != self.api_key:
            return error(400, GEMINI_BAD_KEY)
        if path == "/v1beta/models" and method == "GET":
            listed = [
                {"name": f"models/{m}", "supportedGenerationMethods": ["generateContent", "countTokens"]}
                for m in self.models
            ]
            listed.append({"name": "models/embedding-001", "supportedGenerationMethods": ["embedContent"]})
            return ok_json({"models": listed})
        match = _GOOGLE_MODEL.search(path)
        if not match or method != "POST":
            return error(404, {"error": {"code": 404, "message": "Not found", "status": "NOT_FOUND"}})
        model, verb = match.groups()
        if model not in self.models:
            return error(
                404,
                {
                    "error": {
                        "code": 404,
                        "message": f"models/{model} is not found for API version "
                        "v1beta, or is not supported for generateContent.",
                        "status": "NOT_FOUND",
                    }
                },
            )
        payload = json.loads(body)
        roles = {c.get("role") for c in payload.get("contents", [])}
        if not roles <= {"user", "model"}:
            return error(
                400,
                {
                    "error": {
                        "code": 400,
                        "message": "Please use a valid role: user, model.",
                        "status": "INVALID_ARGUMENT",
                    }
                },
            )
        if verb == "countTokens":
            text = " ".join(p.get("text", "") for c in payload["contents"] for p in c.get("parts", []))
            return ok_json({"totalTokens": len(text.split())})
        if self.block_reason:
            blocked = {"promptFeedback": {"blockReason": self.block_reason}, "usageMetadata": {}}
            if verb == "streamGenerateContent":
                return event_stream(f"data: {json.dumps(blocked)}\r\n\r\n".encode())
            return ok_json(blocked)
        if verb == "generateContent":
            parts = ([{"text": self.thought, "thought": True}] if self.thought else []) + [{"text": self.reply}]
            return ok_json(
                {
                    "candidates": [
                        {"content": {"parts": parts, "role": "model"}, "finishReason": self.finish, "index": 0}
                    ],
                    "usageMetadata": {"promptTokenCount": 9},
                }
            )
        if verb == "streamGenerateContent":
            wire = "".join(f"data: {json.dumps(c, ensure_ascii=False)}\r\n\r\n" for c in self.chunks())
            return event_stream(wire.encode())
        return error(404, {"error": {"code": 404, "message": "unknown verb", "status": "NOT_FOUND"}})


class FakeCohereServer(FakeOpenAIServer):
    def __init__(self) -> None:
        super().__init__()
        self.models = ["command-a-03-2025", "command-r-plus-08-2024"]
        self.thinking = ""

    def default_answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Canned:
        if self.api_key is not None and headers.get("authorization") != f"Bearer {self.api_key}":
            return error(401, COHERE_401)
        if path == "/v1/models":
            return ok_json({"models": [{"name": m, "endpoints": ["chat"]} for m in self.models]})
        payload: Any = json.loads(body) if body.strip() else {}
        if path == "/v1/tokenize":
            return ok_json({"tokens": list(range(len(payload["text"].split()))), "token_strings": []})
        if path != "/v2/chat":
            return error(404, {"message": "not found"})
        if any("name" in m for m in payload.get("messages", [])):
            return error(400, {"message": "invalid request: message.name is not a valid field"})
        if not payload.get("stream"):
            content = [{"type": "thinking", "thinking": self.thinking}] if self.thinking else []
            content.append({"type": "text", "text": self.reply})
            return ok_json(
                {
                    "id": "r1",
                    "finish_reason": "COMPLETE",
                    "message": {"role": "assistant", "content": content},
                    "usage": {
                        "billed_units": {"input_tokens": 9, "output_tokens": 6},
                        "tokens": {"input_tokens": 70, "output_tokens": 6},
                    },
                }
            )

        def ev(obj: dict[str, Any]) -> bytes:
            return data_events(obj, event=obj["type"])

        out = ev({"id": "r1", "type": "message-start", "delta": {"message": {"role": "assistant", "content": []}}})
        out += ev(
            {"type": "content-start", "index": 0, "delta": {"message": {"content": {"type": "text", "text": ""}}}}
        )
        for piece in words(self.thinking):
            out += ev({"type": "content-delta", "index": 0, "delta": {"message": {"content": {"thinking": piece}}}})
        for piece in words(self.reply):
            out += ev({"type": "content-delta", "index": 0, "delta": {"message": {"content": {"text": piece}}}})
        out += ev({"type": "content-end", "index": 0})
        out += ev(
            {
                "type": "message-end",
                "delta": {
                    "finish_reason": "MAX_TOKENS",
                    "usage": {
                        "billed_units": {"input_tokens": 9, "output_tokens": 6},
                        "tokens": {"input_tokens": 70, "output_tokens": 6},
                    },
                },
            }
        )
        return event_stream(out)


def _serve(server: FakeOpenAIServer) -> Iterator[Any]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def claude_server() -> Iterator[FakeClaudeServer]:
    yield from _serve(FakeClaudeServer())


@pytest.fixture
def gemini_server() -> Iterator[FakeGeminiServer]:
    yield from _serve(FakeGeminiServer())


@pytest.fixture
def cohere_server() -> Iterator[FakeCohereServer]:
    yield from _serve(FakeCohereServer())
