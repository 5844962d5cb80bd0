"""Pure interpretation of OpenAI-style chunks and replies (chat and text completion) into backend events.

No I/O here: the adapter feeds parsed SSE events in and gets TextDelta / ReasoningDelta out, so every
OpenAI-family adapter (and the tests) reuse the same rules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tavo_tui.backends.base import BackendError, ReasoningDelta, Reply, StreamEvent, TextDelta
from tavo_tui.backends.errors import error_from_object
from tavo_tui.backends.sse import SSEEvent

DEFAULT_REASONING_FIELDS: tuple[str, ...] = ("reasoning_content", "reasoning")

# Common finish reasons across families: stop, length, tool, filter, error (others pass through).
_FINISH_MAP = {
    "stop": "stop",
    "eos": "stop",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "length": "length",
    "max_tokens": "length",
    "tool_calls": "tool",
    "function_call": "tool",
    "content_filter": "filter",
    "error": "error",
}


def normalise_finish(reason: Any) -> str | None:
    if not isinstance(reason, str) or not reason:
        return None
    return _FINISH_MAP.get(reason.lower(), reason.lower())


@dataclass
class StreamState:
    """What a stream has told us so far."""

    chunks: int = 0  # JSON objects received
    done: bool = False  # saw the `[DONE]` sentinel
    finish: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)


def _content_parts(content: Any) -> tuple[str, str]:
    """(text, reasoning) from a content that is a string or a list of typed parts (Mistral-style)."""
    if isinstance(content, str):
        return content, ""
    text, reasoning = [], []
    if isinstance(content, list):
        for part in content:
            if not isinstance(part, dict):
                continue
            if part.get("type") == "thinking":
                inner = part.get("thinking")
                if isinstance(inner, str):
                    reasoning.append(inner)
                elif isinstance(inner, list):
                    reasoning.extend(p.get("text", "") for p in inner if isinstance(p, dict))
            elif isinstance(part.get("text"), str):
                text.append(part["text"])
    return "".join(text), "".join(reasoning)


def _reasoning_of(obj: dict[str, Any], fields: tuple[str, ...]) -> str:
    for name in fields:
        value = obj.get(name)
        if isinstance(value, str) and value:
            return value
    return ""


def check_error(obj: Any, *, url: str | None, secrets: tuple[str, ...]) -> None:
    """Raise when a 200 answer carries an error object (`{"error": ...}` or vLLM's flat `object: "error"`)."""
    if not isinstance(obj, dict):
        return
    if obj.get("error") or obj.get("object") == "error":
        raise error_from_object(obj, url=url, secrets=secrets)


def interpret_event(
    event: SSEEvent,
    state: StreamState,
    *,
    reasoning_fields: tuple[str, ...] = DEFAULT_REASONING_FIELDS,
    url: str | None = None,
    secrets: tuple[str, ...] = (),
) -> list[StreamEvent]:
    """Events for one SSE event of an OpenAI-style chat or text completion stream."""
    data = event.data.strip()
    if data == "[DONE]":
        state.done = True
        return []
    try:
        obj = json.loads(data)
    except json.JSONDecodeError:
        if event.event == "error":
            raise error_from_object(data, url=url, secrets=secrets) from None
        return []  # tolerate stray non-JSON lines some proxies inject
    state.chunks += 1
    if event.event == "error":
        raise error_from_object(obj, url=url, secrets=secrets)
    check_error(obj, url=url, secrets=secrets)
    if not isinstance(obj, dict):
        return []
    if isinstance(obj.get("usage"), dict):
        state.usage = obj["usage"]
    choices = obj.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return []
    choice = choices[0]
    out: list[StreamEvent] = []
    delta = choice.get("delta") if isinstance(choice.get("delta"), dict) else None
    source = delta if delta is not None else choice.get("message")
    text, reasoning = "", ""
    if isinstance(source, dict):
        text, reasoning = _content_parts(source.get("content"))
        reasoning = _reasoning_of(source, reasoning_fields) or reasoning
    if not text and isinstance(choice.get("text"), str):
        text = choice["text"]
    if reasoning:
        out.append(ReasoningDelta(reasoning))
    if text:
        out.append(TextDelta(text))
    finish = normalise_finish(choice.get("finish_reason"))
    if finish:
        state.finish = finish
    return out


def parse_reply(
    obj: Any,
    *,
    reasoning_fields: tuple[str, ...] = DEFAULT_REASONING_FIELDS,
    url: str | None = None,
    secrets: tuple[str, ...] = (),
) -> Reply:
    """A whole non-streamed chat or text completion."""
    check_error(obj, url=url, secrets=secrets)
    if not isinstance(obj, dict):
        raise BackendError("unknown", "the server answered with an unexpected JSON shape (not an object)")
    choices = obj.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise BackendError("unknown", "the server's answer has no choices — is this an OpenAI-compatible API?")
    choice = choices[0]
    text, reasoning = "", ""
    message = choice.get("message")
    if isinstance(message, dict):
        text, reasoning = _content_parts(message.get("content"))
        reasoning = _reasoning_of(message, reasoning_fields) or reasoning
    if not text and isinstance(choice.get("text"), str):
        text = choice["text"]
    raw_usage = obj.get("usage")
    usage: dict[str, Any] = raw_usage if isinstance(raw_usage, dict) else {}
    return Reply(
        text=text, reasoning=reasoning, finish_reason=normalise_finish(choice.get("finish_reason")), usage=usage
    )


def model_ids(obj: Any) -> list[str]:
    """Model ids from `{data:[{id}]}`, `{models:[{name}]}`, Cloudflare's `{result:[{name}]}` or a bare list."""
    items: Any = obj
    if isinstance(obj, dict):
        items = next((obj[k] for k in ("data", "models", "result") if isinstance(obj.get(k), list)), [])
    ids: list[str] = []
    if isinstance(items, list):
        for item in items:
            name = item if isinstance(item, str) else None
            if isinstance(item, dict):
                name = next((item[k] for k in ("id", "name", "model") if isinstance(item.get(k), str)), None)
            if name and name not in ids:
                ids.append(name)
    return ids
