"""The session reports a retry wait (429 + Retry-After) as an event while it waits, and retry_now() cuts it
short; with no wait under way, retry_now() does nothing."""

from __future__ import annotations

import time
from pathlib import Path

from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext, Done, Retrying, Started
from tests.fakes.openai_server import OPENAI_429, FakeOpenAIServer, error

CARD = Path(__file__).resolve().parents[2] / "sample_cards" / "maren_holloway.png"


async def test_a_retry_wait_is_an_event_and_retry_now_cuts_it_short(home: Path,
                                                                   openai_server: FakeOpenAIServer) -> None:
    ctx = AppContext.open(home, user_name="Ann")
    ctx.profiles.save(ConnectionProfile(name="local", base_url=openai_server.base_url, model="fake-model"))
    session = ctx.open_chat(CARD, "local")
    assert not session.retry_now()  # nothing running
    openai_server.script.append(error(429, OPENAI_429, {"Retry-After": "60"}))
    openai_server.reply = "After the wait."
    started = time.monotonic()
    kinds: list[type] = []
    waits: list[Retrying] = []
    async for event in session.send("Hello"):
        kinds.append(type(event))
        if isinstance(event, Retrying):
            waits.append(event)
            assert session.retry_now()  # the user's "retry now"
            assert not session.retry_now()  # once is enough
    assert [(w.seconds, w.status) for w in waits] == [(60.0, 429)] and waits[0].reason
    assert kinds[0] is Started and kinds[1] is Retrying and kinds[-1] is Done
    assert session.messages[-1].mes == "After the wait."
    assert time.monotonic() - started < 30
    assert not session.retry_now()
    await session.aclose()
