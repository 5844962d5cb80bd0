"""Events the session forwards from special backends: Horde's queue progress, and refusals before sending."""

from __future__ import annotations

from pathlib import Path

from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext, Done, Failed, Finishing, Started, Waiting
from tests.fakes.openai_server import FakeOpenAIServer, stream_cut
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


async def test_finishing_comes_before_the_save_and_done_only_with_a_finish_reason(
    home: Path, openai_server: FakeOpenAIServer
) -> None:
    ctx = AppContext.open(home)
    ctx.profiles.save(ConnectionProfile(name="fake", kind="openai-compatible", base_url=openai_server.base_url,
                                        model="fake-model", max_context=8192))
    openai_server.reply = "The lamp is lit."
    session = ctx.open_chat(CARD, "fake")
    seen: list[str] = []
    saved_before_finishing: list[bool] = []
    async for event in session.send("Light it."):
        seen.append(type(event).__name__)
        if isinstance(event, Finishing):
            assert event.reason == "stop"
            # The front end hears of the end before the reply is in the chat (it is saved after).
            saved_before_finishing.append(any(m.mes == openai_server.reply for m in session.messages))
    assert seen[0] == "Started" and seen[-2:] == ["Finishing", "Done"]
    assert saved_before_finishing == [False]
    openai_server.script.append(stream_cut("cut short here", after=2))
    cut = [type(e).__name__ async for e in session.send("Again?")]
    assert "Finishing" not in cut and cut[-1] == "Failed"  # cut off: no finish reason, the partial reply kept
