"""The inspector's "last sent" and the status bar's context figure are the request the server received, built
once per send: the card draws `{{random}}` words, so any rebuilt prompt would almost surely differ."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import tavo_tui.session.generation as generation
from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.main.status_bar import StatusBar
from tests.fakes.openai_server import FakeOpenAIServer, RecordedRequest
from tests.ui.helpers import main, type_and_send, wait_for, wait_idle, write_card

MOODS = "{{random::amber::cobalt::crimson::jade::violet}}"
WIDE = (200, 60)


@pytest.fixture
def vex(library: Path) -> Path:
    return write_card(library, "vex.json", name="Vex", description=f"Vex's coat is {MOODS}.",
                      personality=f"Today: {MOODS}.", scenario=f"The sky is {MOODS}.", first_mes="Well met.")


@pytest.fixture
def assemblies(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One item per call of the prompt engine's entry point as the session uses it."""
    calls: list[int] = []
    real: Callable[..., Any] = generation.assemble

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(generation, "assemble", counted)
    return calls


def generations(server: FakeOpenAIServer) -> list[RecordedRequest]:
    return [r for r in server.requests if r.path.endswith("completions")]


async def test_last_sent_is_what_the_server_received_with_random_macros(
    ctx: AppContext, vex: Path, fake_profile: ConnectionProfile, openai_server: FakeOpenAIServer
) -> None:
    openai_server.reply = "Hm."
    app = TavoApp(ctx, card_path=vex, connection=fake_profile.name)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        screen = main(app)
        screen.inspector.display = True
        bodies = set()
        for turn in range(5):  # before the fix, 4 of 5 sends differed from the recorded one
            await type_and_send(pilot, f"turn {turn}")
            await wait_for(pilot, lambda n=turn: len(generations(openai_server)) == n + 1)
            await wait_idle(pilot)
            session = screen.session
            assert session is not None
            sent = screen.inspector.sent.last(session)
            assert sent is not None
            received = generations(openai_server)[-1].body
            assert sent.request.body_bytes() == received
            used = app.screen.query_one(StatusBar)._ctx_usage
            assert used == (sent.prompt.token_total, sent.prompt.max_context)
            bodies.add(received.split(b"turn")[0])
        assert len(bodies) > 1  # the macros did vary, so the equality above is no accident


async def test_a_send_assembles_once_and_an_idle_refresh_once_more(
    ctx: AppContext, vex: Path, fake_profile: ConnectionProfile, openai_server: FakeOpenAIServer,
    assemblies: list[int]
) -> None:
    openai_server.reply = "Hm."
    app = TavoApp(ctx, card_path=vex, connection=fake_profile.name)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        screen = main(app)
        screen.inspector.display = False
        await wait_idle(pilot)
        assemblies.clear()
        await type_and_send(pilot, "hello")
        await wait_for(pilot, lambda: len(generations(openai_server)) == 1)
        await wait_idle(pilot)
        await pilot.pause(0.4)  # past the composer's preview delay
        assert len(assemblies) == 1  # the send itself; the hidden inspector builds nothing
        assemblies.clear()
        await screen.run_action("regenerate")  # a swipe, through the chat actions' path
        await wait_for(pilot, lambda: len(generations(openai_server)) == 2)
        await wait_idle(pilot)
        assert len(assemblies) == 1
        session = screen.session
        assert session is not None
        sent = screen.inspector.sent.last(session)
        assert sent is not None and sent.request.body_bytes() == generations(openai_server)[-1].body
        # With the inspector shown, the idle preview after the reply is the one extra assembly.
        screen.inspector.display = True
        await pilot.pause()
        await wait_idle(pilot)
        assemblies.clear()
        await type_and_send(pilot, "again")
        await wait_for(pilot, lambda: len(generations(openai_server)) == 3)
        await wait_idle(pilot)
        await pilot.pause(0.4)
        assert len(assemblies) == 2
