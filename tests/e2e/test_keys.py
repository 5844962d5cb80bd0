"""Real key streams in a real terminal (tmux), on the demo connection, at 80x24 and 160x45: keys that arrive in
one read, the leader followed by its key, an ESC-prefixed alt letter, and typing with no letter lost."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.e2e.tmux_driver import TAVO, TmuxSession, have_tmux, shows

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_cards"
CARD = SAMPLES / "sable.json"
DEMO_PHRASES = ("Then listen closely.", "I wondered when you would say that.", "Ask me anything")

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(not have_tmux(), reason="tmux is not installed (.ci/run installs it)"),
]
# Each case starts a terminal and the app (~4 s): the wide ones run in the slow suite (.ci/run).
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 45), id="160x45", marks=pytest.mark.slow)]


@pytest.fixture
def chat(home: Path, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """The app on a chat with one exchange on the demo connection, at the test's size."""
    width, height = request.param
    env = {"TAVO_HOME": str(home), "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    session = TmuxSession([str(TAVO), "--library", str(SAMPLES), "--card", str(CARD)], width=width, height=height,
                          env=env)
    try:
        session.wait_for("Chat with")
        session.send_keys("Hello", literal=True)
        session.send_keys("C-j")
        session.wait_for(check=lambda s: any(shows(s, p) for p in DEMO_PHRASES) and not generating(s))
        yield session
    finally:
        session.close()


def versions(home: Path) -> int:
    """How many versions (swipes) the last message of the saved chat has: what regenerate changes."""
    text = saved_chat(home)
    if not text:
        return 0
    last = json.loads(text.splitlines()[-1])
    return len(last.get("swipes") or [])


def saved_chat(home: Path) -> str:
    chats = sorted(home.rglob("*.jsonl"), key=lambda p: p.stat().st_mtime)
    return chats[-1].read_text(encoding="utf-8") if chats else ""


def wait_versions(home: Path, count: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while versions(home) != count:
        assert time.monotonic() < deadline, f"the last reply has {versions(home)} versions, not {count}"
        time.sleep(0.1)


def generating(screen: str) -> bool:
    """A reply is being written: the footer offers esc to stop it (only then)."""
    return "esc Stop" in screen


def composer_line(screen: str, text: str) -> bool:
    return any(text in line for line in screen.splitlines())


@pytest.mark.parametrize("chat", SIZES, indirect=True)
def test_jump_then_two_keys_in_one_read_does_not_crash(chat: TmuxSession) -> None:
    chat.send_keys("C-o", "l", "k")  # one send-keys call: the three keys arrive in one read
    chat.wait_for(check=lambda s: "Jump:" not in s)
    chat.send_keys("C-o")
    chat.wait_for("Jump:")
    chat.send_keys("m", "h", "i")  # jump to the composer, then type: the letters go there
    chat.wait_for(check=lambda s: composer_line(s, "hi"))
    assert chat.alive() and "Traceback" not in chat.screen()


@pytest.mark.parametrize("chat", SIZES, indirect=True)
def test_leader_and_a_chat_action_in_one_read(chat: TmuxSession, home: Path) -> None:
    chat.send_keys("C-g", "r")  # regenerate: the reply gets a second version
    wait_versions(home, 2)
    chat.wait_for(check=lambda s: not generating(s) and "esc closes" not in s)
    chat.send_keys("C-g", "r")
    wait_versions(home, 3)
    assert chat.alive()


@pytest.mark.parametrize("chat", SIZES, indirect=True)
def test_the_leader_overlay_lists_the_keys_and_escape_closes_it(chat: TmuxSession) -> None:
    chat.send_keys("C-g")
    screen = chat.wait_for("Regenerate")
    assert "Swipe left" in screen and "Focus library" in screen and "esc closes" in screen
    chat.send_keys("Escape")
    chat.wait_for(check=lambda s: "esc closes" not in s)
    assert chat.alive()


@pytest.mark.parametrize("chat", SIZES, indirect=True)
def test_an_esc_prefixed_alt_letter_is_an_alias_and_types_nothing(chat: TmuxSession, home: Path) -> None:
    chat.send_keys("M-r")  # tmux sends ESC r: Textual reads alt+r, the regenerate alias (priority)
    wait_versions(home, 2)
    chat.wait_for(check=lambda s: not generating(s))
    chat.send_keys("hello there", literal=True)
    chat.wait_for(check=lambda s: composer_line(s, "hello there"))
    assert not any("rhello" in line for line in chat.screen().splitlines())


@pytest.mark.parametrize("chat", SIZES, indirect=True)
def test_typing_into_the_composer_loses_no_letter(chat: TmuxSession, home: Path) -> None:
    chat.send_keys("hello there", literal=True)
    chat.wait_for(check=lambda s: composer_line(s, "hello there"))
    chat.send_keys("C-j")
    chat.wait_for("Write a message")  # sent: the composer is empty again
    deadline = time.monotonic() + 20
    while '"mes":"hello there"' not in saved_chat(home).replace(": ", ":"):
        assert time.monotonic() < deadline, saved_chat(home)[-400:]
        time.sleep(0.1)
    assert chat.alive()
