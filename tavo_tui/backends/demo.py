"""Kind "demo": no network at all. Streams a short in-character reply so the app works out of the box.

The reply is a pure function of the prepared request body (so the inspector shows exactly what drove it),
an optional `char_name` the session may set on the backend, and how many times this backend was asked for
the same turn before (so regenerate and new swipes give a different reply). An impersonation prompt gets a
line in the user's voice. Without it the name is guessed from the
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
# A reply is an opening, a reaction to a word of the user's message, a card sentence and a closing line, each
# picked from the conversation; asking again for the same turn (regenerate, a new swipe) takes the next choice.
_OPENINGS = (
    "*{name} tilts their head, weighing your words.*",
    "*{name} smiles faintly and leans back.*",
    "*{name} leans closer, voice low.*",
    "*{name} is quiet for a moment, then nods slowly.*",
    "*{name} glances away, then back at you.*",
    "*{name} laughs softly under their breath.*",
)
_REACTIONS = (
    '"{topic}? That is not what I expected you to bring up."',
    '"So it comes down to {topic}, does it?"',
    '"Everyone asks about {topic} sooner or later."',
    '"{topic}. I have thought about that more than I would admit."',
)
_PLAIN_REACTIONS = ('"Hm. Go on."', '"You are full of surprises."', '"Is that so?"', '"Well, then."')
# The closings the end-to-end tests look for: every reply has one of them.
_CLOSINGS = ('"Then listen closely."', '"I wondered when you would say that."', '"Ask me anything — I am listening."')
# Impersonation: a line in the user's voice (first person), about what the character last said.
_USER_ACTIONS = (
    "*I meet {name}'s eyes and hold them.*",
    "*I shift my weight, thinking over what {name} just said.*",
    "*I take a slow breath before answering.*",
    "*I step a little closer to {name}.*",
)
_USER_LINES = (
    '"Tell me more about the {topic}."',
    '"What do you really know about the {topic}, {name}?"',
    '"Forget the {topic}. Why are you really here?"',
    '"The {topic}... show me what you mean."',
)
_USER_PLAIN = ('"All right. Show me."', '"Go on, I am listening."', '"And then what?"', '"I think I understand."')
_STOPWORDS = frozenset(
    "about above after again against all also and any are because been before being below between both but can "
    "could did does doing down during each few for from further had has have having her here hers herself him "
    "himself his how into its itself just more most myself nor not now off once only other our ours out over own "
    "same she should some such than that the their theirs them then there these they this those through too under "
    "until very was were what when where which while who whom why will with would you your yours yourself "
    "yourselves hello please thank thanks maybe really".split()
)
_WORD = re.compile(r"[^\W\d_][\w'-]*")


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


def topic_word(text: str) -> str:
    """The most telling word of a message (the longest that is not a common word), "" when there is none."""
    words = [w.strip("'-") for w in _WORD.findall(text)]
    candidates = [w for w in words if len(w) >= 4 and w.lower() not in _STOPWORDS]
    if not candidates:
        return ""
    return max(candidates, key=len)  # the first of the longest: stable for a given message


def _pick(options: tuple[str, ...], seed: int, step: int) -> str:
    return options[(seed + step) % len(options)]


def _last_texts(body: dict[str, Any], name: str) -> tuple[str, str]:
    """(the newest user text, the newest character text) of a chat body, or of a text prompt's lines."""
    messages = [m for m in body.get("messages", []) if isinstance(m, dict)]
    if messages:
        users = [_text(m.get("content")) for m in messages if m.get("role") == "user"]
        bots = [_text(m.get("content")) for m in messages if m.get("role") == "assistant"]
        return (users[-1] if users else ""), (bots[-1] if bots else "")
    lines = [line for line in str(body.get("prompt", "")).strip().splitlines() if line.strip()]
    if lines and re.fullmatch(r"[^:]{1,40}:\s*", lines[-1]):
        lines = lines[:-1]  # the final "Name:" the model is to continue
    bots = [line.split(":", 1)[1] for line in lines if line.startswith(f"{name}:")]
    users = [line.split(":", 1)[-1] for line in lines if not line.startswith(f"{name}:")]
    return (users[-1] if users else ""), (bots[-1] if bots else "")


def demo_reply(body: dict[str, Any], char_name: str | None = None, detail: str | None = None, *,
               variant: int = 0, impersonate: bool = False) -> str:
    """The whole demo reply for a prepared body (`detail`: a card sentence chosen at prepare time; `variant`:
    how many times this turn was asked for before; `impersonate`: write the user's next line instead)."""
    messages = [m for m in body.get("messages", []) if isinstance(m, dict)]
    system = "\n".join(_text(m.get("content")) for m in messages if m.get("role") == "system")
    prompt = str(body.get("prompt", ""))
    name = (char_name or "").strip() or _guess_name(body, system, prompt)
    last_user, last_bot = _last_texts(body, name)
    about = last_bot if impersonate else last_user
    topic = topic_word(about)
    seed = int(hashlib.sha256(about.encode("utf-8")).hexdigest(), 16)
    # Every part moves on with each variant (pools of 6, 4 and 3): consecutive asks of the same turn always
    # differ, and twelve in a row are all different.
    if impersonate:
        action = _pick(_USER_ACTIONS, seed, variant)
        line = _pick(_USER_LINES if topic else _USER_PLAIN, seed >> 8, variant)
        return f"{action} {line}".format(name=name, topic=topic.lower())
    opening = _pick(_OPENINGS, seed, variant)
    reaction = _pick(_REACTIONS if topic else _PLAIN_REACTIONS, seed >> 8, variant)
    closing = _pick(_CLOSINGS, seed >> 16, variant)
    detail = detail or _detail(system or prompt, name)
    reaction = reaction.replace("{topic}", topic.capitalize() if reaction.startswith('"{topic}') else topic.lower())
    return f"{opening.replace('{name}', name)} {reaction} *{detail}* {closing}"


def demo_reply_name(body: dict[str, Any]) -> str:
    """The character name the demo would guess from a body alone."""
    messages = [m for m in body.get("messages", []) if isinstance(m, dict)]
    system = "\n".join(_text(m.get("content")) for m in messages if m.get("role") == "system")
    return _guess_name(body, system, str(body.get("prompt", "")))


def _digest(request: PreparedRequest) -> str:
    return hashlib.sha256(request.body_bytes()).hexdigest()


def turn_key(body: dict[str, Any]) -> str:
    """What identifies a turn of the conversation: its user and character messages (or the text prompt),
    not the system text, which may hold a clock macro that changes between two asks."""
    messages = [m for m in body.get("messages", []) if isinstance(m, dict) and m.get("role") != "system"]
    parts = [f"{m.get('role')}:{_text(m.get('content'))}" for m in messages] or [str(body.get("prompt", ""))]
    return hashlib.sha256("\x1e".join(parts).encode("utf-8")).hexdigest()


def _impersonating(prompt: AssembledPrompt, char_name: str) -> bool:
    """An impersonation prompt: the preset's instruction in chat mode, a final "User:" line in text mode."""
    if any(section.source == "preset.impersonation_prompt" for section in prompt.sections):
        return True
    if prompt.mode == "text" and char_name:
        tail = re.search(r"(?:^|\n)([^\n:]{1,40}):\s*$", prompt.text)
        return tail is not None and tail.group(1).strip() != char_name
    return False


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
        self._impersonations: set[str] = set()  # body digests of impersonation prompts
        self._asked: dict[str, int] = {}  # turn key -> replies given for it (regenerate takes the next variant)

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
        if _impersonating(prompt, name):
            if len(self._impersonations) >= 16:
                self._impersonations.clear()
            self._impersonations.add(_digest(request))
        return request

    def _reply(self, request: PreparedRequest) -> tuple[str, str]:
        """(text, finish reason), honouring max_tokens (as words) and stop strings like a real server."""
        digest = _digest(request)
        impersonate = digest in self._impersonations
        key = turn_key(request.body) + ("/user" if impersonate else "")
        variant = self._asked.get(key, 0)
        if len(self._asked) >= 64 and key not in self._asked:
            self._asked.pop(next(iter(self._asked)))
        self._asked[key] = variant + 1
        text = demo_reply(request.body, self.char_name, self._details.get(digest), variant=variant,
                          impersonate=impersonate)
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
