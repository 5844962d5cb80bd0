"""Helpers shared by the backend tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from tavo_tui.backends.base import Backend, ReasoningDelta, StreamEvent, TextDelta
from tavo_tui.model import AssembledPrompt, ConnectionProfile, PreparedRequest


def chat_prompt(user: str = "Hi! How are you?", **kw: Any) -> AssembledPrompt:
    messages = [
        {"role": "system", "content": "You are Aria, a ship's navigator. Write Aria's next reply."},
        {"role": "assistant", "content": "Welcome aboard."},
        {"role": "user", "content": user},
    ]
    return AssembledPrompt(mode="chat", messages=messages, max_tokens=kw.pop("max_tokens", 120), **kw)


def text_prompt(**kw: Any) -> AssembledPrompt:
    return AssembledPrompt(mode="text", text="Aria: Welcome aboard.\nYou: Hi!\nAria:", max_tokens=64, **kw)


def profile(base_url: str, **kw: Any) -> ConnectionProfile:
    return ConnectionProfile(name="test", kind="openai-compatible", base_url=base_url, model="fake-model", **kw)


async def collect(backend: Backend, request: PreparedRequest) -> list[StreamEvent]:
    events: list[StreamEvent] = []
    async for event in backend.stream(request):
        events.append(event)
    return events


def text_of(events: list[StreamEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def reasoning_of(events: list[StreamEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, ReasoningDelta))


async def drain(stream: AsyncIterator[StreamEvent], into: list[StreamEvent]) -> None:
    async for event in stream:
        into.append(event)
