"""Events the session forwards from special backends: Horde's queue progress, and refusals before sending."""

from __future__ import annotations

from pathlib import Path

from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext, Done, Failed, Started, Waiting
from tests.fakes.queue_servers import FakeHordeServer

CARD = Path(__file__).resolve().parents[2] / "sample_cards" / "maren_holloway.png"


async def test_horde_queue_positions_reach_the_front_end(home: Path, horde_server: FakeHordeServer) -> None:
    ctx = AppContext.open(home)
    ctx.profiles.save(ConnectionProfile(name="horde", kind="horde", base_url=horde_server.base_url, mode="text",
                                        options={"poll_seconds": 0.01}))
    session = ctx.open_chat(CARD, "horde")
    events = [e async for e in session.send("Anyone there?")]
    waits = [e for e in events if isinstance(e, Waiting)]
    assert [w.queue_position for w in waits][:3] == horde_server.queue
    assert isinstance(events[-1], Done) and events[-1].message.mes == horde_server.reply
    assert events.index(waits[0]) > events.index(next(e for e in events if isinstance(e, Started)))


async def test_chat_only_kind_in_text_mode_fails_clearly_without_sending(home: Path) -> None:
    ctx = AppContext.open(home)
    ctx.profiles.save(ConnectionProfile(name="claude", kind="claude", base_url="http://127.0.0.1:9", mode="text"))
    session = ctx.open_chat(CARD, "claude")
    events = [e async for e in session.send("hi")]
    assert len(events) == 1 and isinstance(events[0], Failed)
    assert "chat" in events[0].error and events[0].kind == "bad_request"
    assert session.messages[-1].mes == "hi"  # the user's message is kept
