"""Kind "demo": no network at all. Streams a short in-character reply so the app works out of the box.

The reply is a pure function of the prepared request body (so the inspector shows exactly what drove it)
plus an optional `char_name` the session may set on the backend. Without it the name is guessed from the
prompt ("Write X's next reply", a trailing "X:" in text mode, or a `name` on assistant messages).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import httpx

from tavo_tui.backends.base import ConnectionCheck, Finish, Reply, StreamEvent, TextDelta
from tavo_tui.backends.openai_compat import merged_stops
from tavo_tui.model import AssembledPrompt, ConnectionProfile, PreparedRequest, PromptSection

DEMO_URL = "demo://local"
_NAME_PATTERNS = (
    re.compile(r"[Ww]rite (?:the )?(?:next reply|response) (?:as|for) ([^.\n,]{1,40})"),
    re.compile(r"[Ww]rite ([^.\n]{1,40}?)'s next reply"),
    re.compile(r"\bYou are ([A-Z][\w' -]{0,38}?)[.,\n]"),
)
_SENTENCE = re.compile(r"[^.!?\n]{12,160}[.!?]")
_TEMPLATES = (
    '*{name} tilts their head, weighing your words.* "{echo}" *they repeat softly.* "Then listen closely." '
    '*{detail}* "What would you have me do next?"',
    '"{echo}" *{name} smiles faintly.* "I wondered when you would say that." *{detail}* '
    '"Stay a while, and we will see where this leads."',
    '*{name} leans closer.* "You said: {echo}" *A pause.* *{detail}* "Ask me anything — I am listening."',
)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _guess_name(body: dict[str, Any], system: str, prompt: str) -> str:
    if prompt:
        tail = re.search(r"(?:^|\n)([^\n:]{1,40}):\s*$", prompt)
        if tail:
            return tail.group(1).strip()
    for message in body.get("messages", []):
        if isinstance(message, dict) and message.get("role") == "assistant" and message.get("name"):
            return str(message["name"])
    for pattern in _NAME_PATTERNS:
        found = pattern.search(system or prompt)
        if found:
            return found.group(1).strip()
    return "The character"


_INSTRUCTION = re.compile(r"next reply|\bwrite\b|\{\{|\[|\]|\bassistant\b|\broleplay\b|\bNSFW\b", re.IGNORECASE)
_QUIET = "The air is quiet around you both."


def _pick_sentence(text: str, name: str) -> str | None:
    """A narrative sentence from card text: the first mentioning the name, else the first at all."""
    sentences = [s.strip() for s in _SENTENCE.findall(text) if not _INSTRUCTION.search(s)]
    if not sentences:
        return None
    return next((s for s in sentences if name.lower() in s.lower()), sentences[0])


def _detail(system: str, name: str) -> str:
    """Fallback when the prompt's sections are unknown: a "Scenario:" line, else any narrative sentence."""
    scenario = re.search(r"[Ss]cenario:\s*([^\n]+)", system)
    found = _pick_sentence(scenario.group(1), name) if scenario else None
    return found or _pick_sentence(system, name) or _QUIET


def detail_from_sections(sections: list[PromptSection], name: str) -> str | None:
    """A sentence from the card's scenario, else its description, as the prompt engine labelled them."""
    for source in ("card.scenario", "card.description"):
        for section in sections:
            if section.source == source and section.content.strip():
                found = _pick_sentence(section.content, name)
                if found:
                    return found
    return None


def demo_reply(body: dict[str, Any], char_name: str | None = None, detail: str | None = None) -> str:
    """The whole demo reply for a prepared body (`detail`: a card sentence chosen at prepare time)."""
    messages = [m for m in body.get("messages", []) if isinstance(m, dict)]
    system = "\n".join(_text(m.get("content")) for m in messages if m.get("role") == "system")
    prompt = str(body.get("prompt", ""))
    users = [_text(m.get("content")) for m in messages if m.get("role") == "user"]
    last_user = users[-1] if users else ""
    if not last_user and prompt:
        lines = [line for line in prompt.strip().splitlines() if line.strip()]
        last_user = lines[-2] if len(lines) >= 2 else (lines[-1] if lines else "")
        last_user = last_user.split(":", 1)[-1]
    name = (char_name or "").strip() or _guess_name(body, system, prompt)
    echo = " ".join(last_user.split())
    if len(echo) > 80:
        echo = echo[:79].rstrip() + "…"
    echo = echo or "Hello"
    detail = detail or _detail(system or prompt, name)
    seed = int(hashlib.sha256(last_user.encode("utf-8")).hexdigest(), 16)
    return _TEMPLATES[seed % len(_TEMPLATES)].format(name=name, echo=echo, detail=detail)


def demo_reply_name(body: dict[str, Any]) -> str:
    """The character name the demo would guess from a body alone."""
    messages = [m for m in body.get("messages", []) if isinstance(m, dict)]
    system = "\n".join(_text(m.get("content")) for m in messages if m.get("role") == "system")
    return _guess_name(body, system, str(body.get("prompt", "")))


def _digest(request: PreparedRequest) -> str:
    return hashlib.sha256(request.body_bytes()).hexdigest()


def _words(text: str) -> list[str]:
    """Pieces that rejoin to exactly `text` (each word keeps its following spaces)."""
    return re.findall(r"\S+\s*|\s+", text)


class DemoBackend:
    """An offline backend for first runs, demos and UI tests."""

    kind: ClassVar[str] = "demo"
    default_base_url: ClassVar[str] = DEMO_URL

    def __init__(
        self,
        profile: ConnectionProfile,
        api_key: str | None = None,
        *,
        client: httpx.AsyncClient | None = None,
        delay: float = 0.03,
        char_name: str | None = None,
    ) -> None:
        self.profile = profile
        self.delay = delay  # seconds between words; tests set 0
        self.char_name = char_name  # set by the session to the active card's name
        # Card sentences picked at prepare() time (sections are not in the request), by body digest.
        self._details: dict[str, str] = {}

    def prepare(self, prompt: AssembledPrompt, *, stream: bool | None = None) -> PreparedRequest:
        streaming = self.profile.stream if stream is None else stream
        body: dict[str, Any] = {"model": self.profile.model or "demo"}
        if prompt.mode == "chat":
            body["messages"] = [dict(m) for m in prompt.messages]
        else:
            body["prompt"] = prompt.text
        body["max_tokens"] = prompt.max_tokens or self.profile.max_tokens
        body["stream"] = streaming
        stops = merged_stops(prompt.stop, self.profile.sampler.stop)
        if stops:
            body["stop"] = stops
        request = PreparedRequest(url=DEMO_URL, body=body, headers={}, stream=streaming)
        name = (self.char_name or "").strip() or demo_reply_name(body)
        detail = detail_from_sections(prompt.sections, name)
        if detail:
            if len(self._details) >= 16:
                self._details.pop(next(iter(self._details)))
            self._details[_digest(request)] = detail
        return request

    def _reply(self, request: PreparedRequest) -> tuple[str, str]:
        """(text, finish reason), honouring max_tokens (as words) and stop strings like a real server."""
        text = demo_reply(request.body, self.char_name, self._details.get(_digest(request)))
        finish = "stop"
        for stop in request.body.get("stop", []) or []:
            if stop and stop in text:
                text = text[: text.index(stop)]
        words = _words(text)
        limit = request.body.get("max_tokens")
        if isinstance(limit, int) and 0 < limit < len(words):
            words, finish = words[:limit], "length"
        return "".join(words), finish

    async def stream(self, request: PreparedRequest) -> AsyncIterator[StreamEvent]:
        text, finish = self._reply(request)
        pieces = _words(text)
        for piece in pieces:
            await asyncio.sleep(self.delay)
            yield TextDelta(piece)
        yield Finish(finish, {"completion_tokens": len(pieces)})

    async def complete(self, request: PreparedRequest) -> Reply:
        text, finish = self._reply(request)
        return Reply(text=text, finish_reason=finish, usage={"completion_tokens": len(_words(text))})

    async def list_models(self) -> list[str]:
        return ["demo"]

    async def check(self) -> ConnectionCheck:
        start = time.perf_counter()
        elapsed = round((time.perf_counter() - start) * 1000, 1)
        return ConnectionCheck(True, elapsed, "demo backend: replies are generated locally, no network", server="demo")

    async def count_tokens(self, text: str) -> int | None:
        return None

    async def aclose(self) -> None:
        return None
