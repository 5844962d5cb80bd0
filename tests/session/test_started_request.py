"""`Started` carries the one request a generation sends, assembled once, against a real fake server on 127.0.0.1.

The card draws `{{random}}` choices, so any second assembly would almost surely differ from the one sent: a front
end that records `Started.inspection` records exactly what the server received.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import tavo_tui.session.generation as generation
from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext, Done, GenerationEvent, Started
from tavo_tui.session.chat_session import ChatSession
from tests.fakes.openai_server import FakeOpenAIServer, RecordedRequest, endless_stream

MOODS = "{{random::amber::cobalt::crimson::jade::violet}}"


def random_card(folder: Path) -> Path:
    """A card whose description, personality and scenario each draw one of five words on every assembly."""
    data = {"name": "Vex", "description": f"Vex's coat is {MOODS}.", "personality": f"Today: {MOODS}.",
            "scenario": f"The sky is {MOODS}.", "first_mes": "Well met.", "mes_example": ""}
    path = folder / "vex.json"
    path.write_text(json.dumps({"spec": "chara_card_v2", "spec_version": "2.0", "data": data}), encoding="utf-8")
    return path


def open_session(home: Path, tmp_path: Path, server: FakeOpenAIServer, mode: str = "chat") -> ChatSession:
    ctx = AppContext.open(home, user_name="Ann")
    ctx.profiles.save(ConnectionProfile(name="local", base_url=server.base_url, model="fake-model", mode=mode))
    return ctx.open_chat(random_card(tmp_path), "local")


def generations(server: FakeOpenAIServer) -> list[RecordedRequest]:
    return [r for r in server.requests if r.path.endswith("completions")]


async def run(events: AsyncGenerator[GenerationEvent, None]) -> Started:
    """Drain one action; its Started event (there is exactly one, and the action ends Done)."""
    seen = [event async for event in events]
    started = [e for e in seen if isinstance(e, Started)]
    assert len(started) == 1 and isinstance(seen[-1], Done), seen
    return started[0]


@pytest.fixture
def assemblies(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts calls of the prompt engine's entry point as the session uses it (one list item per call)."""
    calls: list[int] = []
    real: Callable[..., Any] = generation.assemble

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(generation, "assemble", counted)
    yield calls


@pytest.mark.parametrize("mode", ["chat", "text"])
async def test_started_carries_the_body_the_server_received_with_random_macros(
    home: Path, tmp_path: Path, openai_server: FakeOpenAIServer, mode: str
) -> None:
    session = open_session(home, tmp_path, openai_server, mode)
    openai_server.reply = "Hm."
    bodies: list[bytes] = []
    for turn in range(10):
        started = await run(session.send(f"turn {turn}"))
        received = generations(openai_server)[-1]
        assert received.body == started.request.body_bytes()
        assert received.path == "/v1/" + started.request.url.rsplit("/v1/", 1)[1]
        assert started.inspection.profile_name == "local"
        # The token figures belong to the same assembly: every section's text is in the body that was sent.
        sent = received.body.decode("utf-8")
        drawn = [s for s in started.prompt.sections if "Vex's coat is" in s.content]
        assert drawn and all(json.dumps(s.content, ensure_ascii=False)[1:-1] in sent for s in drawn)
        assert started.prompt.token_total > 0
        bodies.append(received.body)
    # The macros really did vary (else the equality above proves nothing): 10 draws of 125 combinations.
    assert len({b.split(b"turn")[0] for b in bodies}) > 1


@pytest.mark.parametrize(
    "action",
    ["send", "generate", "regenerate_swipe", "regenerate_after_user", "new_swipe", "continue_last", "impersonate"],
)
async def test_each_action_assembles_the_prompt_once(
    home: Path, tmp_path: Path, openai_server: FakeOpenAIServer, assemblies: list[int], action: str
) -> None:
    session = open_session(home, tmp_path, openai_server)
    openai_server.reply = "A reply."
    await run(session.send("Hello"))
    if action in ("generate", "regenerate_after_user"):
        session.add_user_message("Still there?")  # the chat ends with the user's turn, as after a failure
    assemblies.clear()
    events = {
        "send": lambda: session.send("Again"),
        "generate": session.generate,
        "regenerate_swipe": session.regenerate,
        "regenerate_after_user": session.regenerate,
        "new_swipe": session.new_swipe,
        "continue_last": session.continue_last,
        "impersonate": session.impersonate,
    }[action]()
    started = await run(events)
    assert len(assemblies) == 1
    assert generations(openai_server)[-1].body == started.request.body_bytes()
    expected = {"send": "reply", "generate": "reply", "regenerate_after_user": "reply", "regenerate_swipe": "swipe",
                "new_swipe": "swipe", "continue_last": "continue", "impersonate": "impersonate"}[action]
    assert started.action == expected


async def test_inspect_is_one_assembly_and_names_no_send(
    home: Path, tmp_path: Path, openai_server: FakeOpenAIServer, assemblies: list[int]
) -> None:
    # The idle preview: one assembly per call, and nothing reaches the server.
    session = open_session(home, tmp_path, openai_server)
    before = len(generations(openai_server))
    inspection = session.inspect("draft")
    assert len(assemblies) == 1 and len(generations(openai_server)) == before
    assert '"draft"' in inspection.request.body_bytes().decode()


async def test_the_request_is_on_its_way_while_the_front_handles_started(
    home: Path, tmp_path: Path, openai_server: FakeOpenAIServer
) -> None:
    # A front end draws its reply block on Started before asking for more; the request must not wait for that.
    session = open_session(home, tmp_path, openai_server)
    openai_server.reply = "Here."
    events = session.send("Quick")
    started = await anext(events)
    assert isinstance(started, Started)
    for _ in range(200):  # the front is busy; the request reaches the server meanwhile
        if generations(openai_server):
            break
        await asyncio.sleep(0.01)
    assert generations(openai_server)[-1].body == started.request.body_bytes()
    rest = [event async for event in events]
    assert isinstance(rest[-1], Done) and rest[-1].message.mes == "Here."


async def test_closing_right_after_started_stops_the_request_and_keeps_nothing(
    home: Path, tmp_path: Path, openai_server: FakeOpenAIServer
) -> None:
    session = open_session(home, tmp_path, openai_server)
    openai_server.script.append(endless_stream())
    events = session.send("Stop at once")
    assert isinstance(await anext(events), Started)
    await events.aclose()
    assert not session.generating
    assert [m.mes for m in session.messages][-1] == "Stop at once"  # no empty or partial reply was added
    # The session is usable again at once.
    openai_server.reply = "Next."
    started = await run(session.send("Again"))
    assert generations(openai_server)[-1].body == started.request.body_bytes()
