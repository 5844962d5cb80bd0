"""A reply in progress is kept on disk as it streams, so a crash keeps what arrived.

In-process tests pin down what is written and when (against a real fake server on 127.0.0.1); the kill tests
run a real child process streaming from that server and SIGKILL it mid-reply, then read what it left.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tavo_tui.model import ConnectionProfile, Message
from tavo_tui.session import AppContext, Delta, Done, GenerationEvent
from tavo_tui.session.chat_session import ChatSession
from tavo_tui.session.core import DRAFT_INTERVAL
from tavo_tui.store import ChatStore
from tavo_tui.store.chats import ChatRef
from tests.fakes.openai_server import Canned, FakeOpenAIServer, chat_chunks, sse

ROOT = Path(__file__).resolve().parents[2]
CARD = ROOT / "sample_cards" / "maren_holloway.png"


def numbered(count: int, start: int = 0) -> str:
    return "".join(f"w{i} " for i in range(start, start + count))


def slow_reply(text: str, delay: float, *, finish: bool = True, silent_after: float = 0.0) -> Canned:
    """One SSE event per network write, `delay` apart: a reply that takes a while to stream."""
    events = chat_chunks(text, finish="stop" if finish else None, usage=False)
    chunks = [sse(event, done=False) for event in events] + ([b"data: [DONE]\n\n"] if finish else [])
    return Canned(headers={"Content-Type": "text/event-stream"}, chunks=chunks, stream=True, chunk_delay=delay,
                  silent_after=silent_after, path="/chat/completions")


def open_session(home: Path, server: FakeOpenAIServer, interval: float) -> ChatSession:
    ctx = AppContext.open(home, user_name="Ann")
    ctx.profiles.save(ConnectionProfile(name="local", base_url=server.base_url, model="fake-model"))
    session = ctx.open_chat(CARD, "local")
    session.draft_interval = interval
    return session


def records(path: Path) -> list[dict[str, Any]]:
    """Every line of the file as JSON (any torn or damaged line fails here)."""
    return [json.loads(line) for line in path.read_bytes().split(b"\n") if line.strip()]


def record_drafts(session: ChatSession) -> list[tuple[float, str]]:
    """Each draft written (time, text), by wrapping the session's draft save."""
    written: list[tuple[float, str]] = []
    real: Callable[..., bool] = session._save_draft

    def recording(draft: Message, *, new_line: bool) -> bool:
        # When the write began: the interval runs from one write's start to the next (a slow write on a loaded
        # machine must not make the next one look early).
        began = time.monotonic()
        ok = real(draft, new_line=new_line)
        if ok:
            written.append((began, draft.mes))
        return ok

    session._save_draft = recording  # type: ignore[method-assign]
    return written


async def first_reply(session: ChatSession, server: FakeOpenAIServer) -> None:
    server.reply = "First reply."
    events = [e async for e in session.send("Hello")]
    assert isinstance(events[-1], Done)


async def test_reply_is_on_disk_while_it_streams(home: Path, openai_server: FakeOpenAIServer) -> None:
    session = open_session(home, openai_server, 0.1)
    await first_reply(session, openai_server)
    assert session.ref is not None
    path = session.ref.path
    text = numbered(80)
    openai_server.script.append(slow_reply(text, 0.01))
    drafts = record_drafts(session)
    checked = 0
    async for event in session.send("Tell me more"):
        if isinstance(event, Delta) and len(drafts) > checked:
            checked = len(drafts)
            lines = records(path)
            assert [line["mes"] for line in lines[1:-1]] == [m.mes for m in session.messages]
            draft = lines[-1]
            assert draft["extra"]["incomplete"] is True and not draft["is_user"]
            assert draft["mes"] and text.startswith(draft["mes"]) and draft["mes"] == drafts[-1][1]
            assert draft["swipes"] == [draft["mes"]] and draft["name"] == session.card.name
    assert checked >= 2, "the reply streamed for ~0.8 s: drafts every 0.1 s"
    lines = records(path)
    assert [line["mes"] for line in lines[-3:]] == ["First reply.", "Tell me more", text]
    final = lines[-1]
    assert final["mes"] == text and "incomplete" not in final["extra"] and final["extra"]["token_count"] > 0
    assert len(lines) == 1 + len(session.messages)  # the draft's line became the reply's: no duplicate


async def test_drafts_are_rate_bounded_and_never_rewrite_the_file(home: Path, openai_server: FakeOpenAIServer,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    session = open_session(home, openai_server, 0.25)
    await first_reply(session, openai_server)
    assert session.ref is not None
    whole: list[int] = []
    real_write = ChatStore.write

    def counting_write(store: ChatStore, *args: Any, **kwargs: Any) -> None:
        whole.append(1)
        real_write(store, *args, **kwargs)

    monkeypatch.setattr(ChatStore, "write", counting_write)
    drafts = record_drafts(session)
    openai_server.script.append(slow_reply(numbered(120), 0.01))  # ~1.2 s of text
    inode = session.ref.path.stat().st_ino
    began = time.monotonic()
    events = [e async for e in session.send("Go on")]
    took = time.monotonic() - began
    assert isinstance(events[-1], Done)
    times = [t for t, _ in drafts]
    assert 2 <= len(times) <= took / 0.25 + 1
    assert all(b - a >= 0.25 - 0.01 for a, b in itertools.pairwise(times))  # at most one per interval
    assert all(len(a) < len(b) for (_, a), (_, b) in itertools.pairwise(drafts))  # only when text arrived
    assert whole == [] and session.ref.path.stat().st_ino == inode  # appends and in-place line replacements only


async def test_text_before_a_stall_is_saved(home: Path, openai_server: FakeOpenAIServer) -> None:
    """No more deltas arrive after some text: the draft is still written one interval later."""
    session = open_session(home, openai_server, 0.1)
    await first_reply(session, openai_server)
    assert session.ref is not None
    text = numbered(5)
    openai_server.script.append(slow_reply(text, 0.001, finish=False, silent_after=30))
    drafts = record_drafts(session)
    saved = asyncio.Event()
    seen: list[GenerationEvent] = []

    async def consume() -> None:
        async for event in session.send("Well?"):
            seen.append(event)
            if isinstance(event, Delta) and "".join(e.text for e in seen if isinstance(e, Delta)) == text:
                saved.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(saved.wait(), 10)  # all the text has arrived; the server now says nothing
    deadline = time.monotonic() + 10
    while not (drafts and drafts[-1][1] == text) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert drafts and drafts[-1][1] == text
    assert records(session.ref.path)[-1]["mes"] == text
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    lines = records(session.ref.path)
    assert lines[-1]["mes"] == text and lines[-1]["extra"]["incomplete"] is True
    assert [line["mes"] for line in lines[-2:]] == ["Well?", text]  # stopped: the draft became the reply, once


async def test_swipe_draft_replaces_the_last_line(home: Path, openai_server: FakeOpenAIServer) -> None:
    session = open_session(home, openai_server, 0.1)
    await first_reply(session, openai_server)
    assert session.ref is not None
    path = session.ref.path
    head = path.read_bytes()
    head = head[: head.rstrip(b"\n").rfind(b"\n") + 1]
    text = numbered(60)
    openai_server.script.append(slow_reply(text, 0.01))
    drafts = record_drafts(session)
    checked = 0
    async for event in session.new_swipe():
        if isinstance(event, Delta) and len(drafts) > checked:
            checked = len(drafts)
            data = path.read_bytes()
            assert data.startswith(head)
            draft = json.loads(data[len(head):])
            assert draft["swipes"][0] == "First reply." and text.startswith(draft["swipes"][1])
            assert draft["mes"] == draft["swipes"][1] and draft["swipe_id"] == 1 and draft["extra"]["incomplete"]
    assert checked >= 2
    final = records(path)[-1]
    assert final["swipes"] == ["First reply.", text] and "incomplete" not in final["extra"]
    assert len(records(path)) == 1 + len(session.messages)


async def test_continue_draft_extends_the_last_line(home: Path, openai_server: FakeOpenAIServer) -> None:
    session = open_session(home, openai_server, 0.1)
    await first_reply(session, openai_server)
    assert session.ref is not None
    text = numbered(60)
    openai_server.script.append(slow_reply(text, 0.01))
    drafts = record_drafts(session)
    checked = 0
    async for event in session.continue_last():
        if isinstance(event, Delta) and len(drafts) > checked:
            checked = len(drafts)
            last = records(session.ref.path)[-1]
            assert last["mes"].startswith("First reply.") and last["extra"]["incomplete"] is True
            extension = last["mes"][len("First reply."):].removeprefix(" ")  # after the continue postfix
            assert extension and text.startswith(extension)
    assert checked >= 2
    assert records(session.ref.path)[-1]["mes"] == session.messages[-1].mes
    assert len(records(session.ref.path)) == 1 + len(session.messages)


async def test_impersonate_writes_nothing(home: Path, openai_server: FakeOpenAIServer) -> None:
    session = open_session(home, openai_server, 0.05)
    await first_reply(session, openai_server)
    assert session.ref is not None
    before = session.ref.path.read_bytes()
    openai_server.script.append(slow_reply(numbered(40), 0.01))
    events = [e async for e in session.impersonate()]
    assert isinstance(events[-1], Done)
    assert session.ref.path.read_bytes() == before


# ---- kill -9 while a real child process streams ------------------------------------------------------------

CHILD = r"""
import asyncio, sys, time
from pathlib import Path
from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext, Delta
from tavo_tui.session.core import SessionCore

home, card, url, turn = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
real = SessionCore._save_draft

def reporting(self, draft, *, new_line):
    ok = real(self, draft, new_line=new_line)
    if ok:  # after the write and its fsync returned
        print(f"F {len(draft.mes)} {time.monotonic()}", flush=True)
    return ok

SessionCore._save_draft = reporting

async def main():
    ctx = AppContext.open(home, user_name="Ann")
    ctx.profiles.save(ConnectionProfile(name="local", base_url=url, model="fake-model"))
    session = ctx.open_chat(card, "local")
    first = True
    async for event in session.send(turn):
        if first and isinstance(event, Delta):
            first = False
            print(f"D {time.monotonic()}", flush=True)

asyncio.run(main())
print("ended", flush=True)
"""

PARALLEL = 5
WORDS = 4000  # at 100 words a second the stream outlasts any kill delay


def chat_file(home: Path) -> Path | None:
    files = sorted((home / "data" / "chats").glob("*/*.jsonl"))
    assert len(files) <= 1
    return files[0] if files else None


def kill_rounds(tmp_path: Path, rounds: int, seed: int) -> dict[str, int]:
    """Each round starts PARALLEL children (one chat each), kills each at a random moment after its reply began
    to stream, and checks the file it left. Returns how many kills left a draft, and how many came after more
    than one interval of text."""
    rng = random.Random(seed)
    server = FakeOpenAIServer().start()
    counts = {"kills": 0, "with_draft": 0, "late": 0}
    homes = [tmp_path / f"home{i}" for i in range(PARALLEL)]
    try:
        for round_no in range(rounds):
            befores = []
            for home in homes:
                path = chat_file(home)
                befores.append(records(path)[1:] if path else [])
                server.script.append(slow_reply(numbered(WORDS), 0.01))
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            turn = f"turn {round_no}"
            children = [subprocess.Popen([sys.executable, "-c", CHILD, str(home), str(CARD), server.base_url, turn],
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
                        for home in homes]
            outputs: list[tuple[float, float, list[str]]] = []
            try:
                for child in children:
                    assert child.stdout is not None
                    line = child.stdout.readline()
                    assert line.startswith("D "), f"child did not start streaming: {line!r} {child.stderr.read()}"
                    first_delta = float(line.split()[1])
                    delay = rng.uniform(0.2, 2.8)
                    time.sleep(max(0.0, first_delta + delay - time.monotonic()))
                    killed_at = time.monotonic()
                    child.send_signal(signal.SIGKILL)
                    rest = child.stdout.read()
                    child.wait(30)
                    assert child.returncode == -signal.SIGKILL, child.stderr.read()
                    outputs.append((first_delta, killed_at, rest.splitlines()))
            finally:
                for child in children:
                    if child.poll() is None:
                        child.kill()
                        child.wait(30)
                    for stream in (child.stdout, child.stderr):
                        if stream is not None:
                            stream.close()
            for home, before, (first_delta, killed_at, lines) in zip(homes, befores, outputs, strict=True):
                counts["kills"] += 1
                path = chat_file(home)
                assert path is not None
                after = records(path)[1:]  # the chat file parses, every line
                opened = ChatStore(path.parent.parent).open(ChatRef(path, path.parent.name))
                assert not opened.torn_tail and len(opened.messages) == len(after)
                assert after[: len(before)] == before, "an earlier message changed or was lost"
                new = after[len(before):]
                if not before:  # a new chat: written with its greeting when the first message was saved
                    assert new and not new[0]["is_user"]
                    new = new[1:]
                assert new and new[0]["mes"] == turn and new[0]["is_user"]  # saved before the request
                assert len(new) <= 2
                flushes = [int(line.split()[1]) for line in lines if line.startswith("F ")]
                if len(new) == 2:
                    draft = new[1]
                    counts["with_draft"] += 1
                    assert not draft["is_user"] and draft["extra"]["incomplete"] is True
                    assert numbered(WORDS).startswith(draft["mes"]) and draft["mes"]
                    assert len(draft["mes"]) >= max(flushes, default=0)
                else:
                    assert not flushes, "a draft was reported written but is not in the file"
                if killed_at - first_delta > DRAFT_INTERVAL + 0.5:
                    counts["late"] += 1
                    assert flushes, "more than one interval of text had arrived, yet nothing was saved"
                    assert len(new) == 2
    finally:
        server.stop()
    return counts


def test_kill_9_mid_stream_keeps_the_partial_reply(tmp_path: Path) -> None:
    counts = kill_rounds(tmp_path, rounds=2, seed=13)
    assert counts["kills"] == 10
    assert counts["late"] >= 1  # the seed gives kills on both sides of the first draft


@pytest.mark.slow
def test_kill_9_mid_stream_many_times(tmp_path: Path) -> None:
    counts = kill_rounds(tmp_path, rounds=12, seed=1313)
    assert counts["kills"] == 60 and counts["late"] >= 20
