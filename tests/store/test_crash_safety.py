"""SIGKILL at random moments while a process streams, appends and rewrites a chat: nothing committed is lost."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tavo_tui.store.chats import ChatRef, ChatStore
from tavo_tui.store.jsonl import message_to_json
from tests.store.crash_child import digest

ROOT = Path(__file__).resolve().parents[2]
PARALLEL = 10


def start(path: Path, seed: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # stderr goes to a file, so the test reads a single pipe.
    errors = open(path.with_name("stderr.txt"), "w")
    child = subprocess.Popen([sys.executable, str(ROOT / "tests" / "store" / "crash_child.py"), str(path), str(seed)],
                             stdout=subprocess.PIPE, stderr=errors, text=True, env=env, cwd=ROOT)
    errors.close()
    return child


def child_errors(path: Path) -> str:
    return path.with_name("stderr.txt").read_text(errors="replace")[-800:]


def file_state(path: Path) -> tuple[str, bool]:
    """The digest of the messages on disk as the store reads them, and whether every line decoded cleanly."""
    opened = ChatStore(path.parent.parent).open(ChatRef(path, path.parent.name))
    messages = list(opened.messages)
    clean = all((m.extra or {}).get("type") != "damaged" for m in messages)
    return digest([message_to_json(m) for m in messages]), clean


def test_sigkill_20_times_never_loses_a_committed_message(tmp_path: Path) -> None:
    kill_and_check(tmp_path, kills=20, seed=1234)


@pytest.mark.slow
def test_sigkill_100_times_never_loses_a_committed_message(tmp_path: Path) -> None:
    kill_and_check(tmp_path, kills=100, seed=4321)


def kill_and_check(tmp_path: Path, *, kills: int, seed: int) -> None:
    """Kill `kills` writers (PARALLEL at a time) at random moments and check every chat file after each."""
    wanted = kills
    rng = random.Random(seed)
    paths = [tmp_path / "chats" / f"c{i}" / "chat.jsonl" for i in range(PARALLEL)]
    for path in paths:
        path.parent.mkdir(parents=True)
    kills = mid_change = 0
    round_no = 0
    while kills < wanted:
        round_no += 1
        children = [start(path, round_no * 100 + i) for i, path in enumerate(paths)]
        heads: list[str] = []
        for path, child in zip(paths, children, strict=True):
            assert child.stdout is not None
            head = ""
            while True:  # until the chat is open (and repaired): the edits start now
                line = child.stdout.readline()
                assert line, f"the child died on its own: {child_errors(path)}"
                head += line
                if line.startswith("C "):
                    break
            heads.append(head)
        time.sleep(rng.random() * 0.05)
        for child in children:
            time.sleep(rng.random() * 0.01)
            child.send_signal(signal.SIGKILL)
        for path, child, head in zip(paths, children, heads, strict=True):
            assert child.stdout is not None
            out = head + child.stdout.read()  # through the same buffer readline() used (communicate() would not)
            child.stdout.close()
            child.wait(30)
            assert child.returncode == -signal.SIGKILL, f"child exited {child.returncode}: {child_errors(path)}"
            kills += 1
            lines = out.splitlines()
            committed = [line[2:] for line in lines if line.startswith("C ")]
            begun = [line[2:] for line in lines if line.startswith("B ")]
            assert committed, "the child was killed before it opened the chat; give it more time"
            allowed = {committed[-1]}
            if len(begun) > 0 and (not lines[-1].startswith("C ")):
                allowed.add(begun[-1])  # killed mid-change: the new state may or may not have landed
                mid_change += 1
            state, clean = file_state(path)
            assert clean, f"{path}: a damaged line after kill {kills}"
            assert state in allowed, (
                f"{path}: after kill {kills} neither the committed nor the new state; child said {lines[-4:]}, "
                f"file ends {path.read_bytes()[-150:]!r}"
            )
    # Many kills land inside a change (between B and C), the case that matters; how many depends on disk speed.
    print(f"kills inside a change: {mid_change}/{kills}")
    assert mid_change >= wanted // 20, mid_change
    # Temp files a kill left behind never show up as chats.
    for path in paths:
        assert ChatStore(path.parent.parent).list(path.parent.name) == [ChatRef(path, path.parent.name)]
