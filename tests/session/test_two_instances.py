"""Two tavo-tui processes on one chat: the second is read-only, refuses to ask the model (no request reaches
the server, no token is spent), and takes the chat over once the first has quit."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncGenerator, Callable
from pathlib import Path

import pytest

from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext, Done, GenerationEvent
from tavo_tui.session.chat_session import ChatSession
from tavo_tui.session.core import ReadOnlyChat
from tests.fakes.openai_server import FakeOpenAIServer

ROOT = Path(__file__).resolve().parents[2]
CARD = ROOT / "sample_cards" / "maren_holloway.png"

HOLDER = r"""
import sys
from pathlib import Path
from tavo_tui.session import AppContext
session = AppContext.open(Path(sys.argv[1]), user_name="Ann").open_chat(Path(sys.argv[2]))
session.insert_narrator("written by the first process")  # creates the chat's file, and holds its lock
print(session.ref.id, flush=True)
sys.stdin.readline()  # hold the chat open until the parent says so
session.insert_narrator("the first process's last word")
session.close()
print("closed", flush=True)
"""

ACTIONS: dict[str, Callable[[ChatSession], AsyncGenerator[GenerationEvent, None]]] = {
    "send": lambda s: s.send("spend some tokens"),
    "generate": lambda s: s.generate(),
    "regenerate": lambda s: s.regenerate(),
    "new_swipe": lambda s: s.new_swipe(),
    "continue": lambda s: s.continue_last(),
}


def completions(server: FakeOpenAIServer) -> list[str]:
    return [r.path for r in server.requests if r.path.endswith("completions")]


async def test_read_only_refuses_before_the_model_then_takes_the_lock(home: Path,
                                                                      openai_server: FakeOpenAIServer) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(home), str(CARD)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        assert holder.stdout is not None and holder.stdin is not None
        chat_id = holder.stdout.readline().strip()
        assert chat_id
        ctx = AppContext.open(home, user_name="Ann")
        ctx.profiles.save(ConnectionProfile(name="local", base_url=openai_server.base_url, model="fake-model"))
        session = ctx.open_chat(CARD, "local", chat_id=chat_id)
        reason = f"this chat is open in another tavo-tui process (pid {holder.pid}); it is read-only here"
        assert session.read_only and session.read_only_reason == reason
        before = [m.mes for m in session.messages]
        for name, action in ACTIONS.items():
            with pytest.raises(ReadOnlyChat) as refused:
                [e async for e in action(session)]
            assert str(refused.value) == reason, name
        assert completions(openai_server) == []  # refused before calling the model
        assert [m.mes for m in session.messages] == before  # send did not add the message it refused
        assert not session.try_take_lock() and session.read_only  # still held

        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "closed"
        holder.wait(30)

        assert session.try_take_lock() and not session.read_only and session.read_only_reason is None
        assert session.messages[-1].mes == "the first process's last word"  # read again from the file
        openai_server.reply = "Now it is mine."
        events = [e async for e in session.send("hello")]
        assert isinstance(events[-1], Done) and len(completions(openai_server)) == 1
        on_disk = [m.mes for m in ctx.chats.load(ctx.chats.find(chat_id)).messages]
        assert on_disk[-3:] == ["the first process's last word", "hello", "Now it is mine."]
        assert not session.try_take_lock()  # already writable: nothing to do
        await session.aclose()
    finally:
        holder.kill()
        holder.wait(10)
