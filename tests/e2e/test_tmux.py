"""End to end: the real `tavo-tui` command in a real terminal (tmux), driven by keystrokes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.e2e.tmux_driver import TAVO, TmuxSession, have_tmux, shows
from tests.fakes.openai_server import FakeOpenAIServer

ROOT = Path(__file__).resolve().parents[2]
CARD = ROOT / "sample_cards" / "maren_holloway.png"

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(not have_tmux(), reason="tmux is not installed (.ci/run installs it)"),
]

DEMO_PHRASES = ("Then listen closely.", "I wondered when you would say that.", "Ask me anything")


def env_for(home: Path) -> dict[str, str]:
    return {"TAVO_HOME": str(home), "TERM": "xterm-256color", "COLORTERM": "truecolor"}


@pytest.fixture
def tmux_app(home: Path):  # type: ignore[no-untyped-def]
    sessions: list[TmuxSession] = []

    def start(*args: str, width: int = 100, height: int = 30) -> TmuxSession:
        session = TmuxSession([str(TAVO), *args], width=width, height=height, env=env_for(home))
        sessions.append(session)
        return session

    yield start
    for session in sessions:
        session.close()


def test_demo_chat_in_a_real_terminal(tmux_app, home: Path) -> None:  # type: ignore[no-untyped-def]
    term = tmux_app("--library", str(ROOT / "sample_cards"), "--card", str(CARD))
    term.wait_for("DEMO")
    term.wait_for("Tea first")  # the card's greeting is on screen
    term.send_keys("How bad is the storm?", literal=True)
    term.send_keys("C-j")
    screen = term.wait_for(check=lambda s: any(shows(s, p) for p in DEMO_PHRASES))
    assert "How bad is the storm?" in screen
    term.send_keys("C-q")  # quit, possibly mid-reply: what arrived must still be saved
    term.wait_exit()
    # The chat was saved as it went: the file holds the greeting, our message and the reply.
    chats = list((home / "data" / "chats").rglob("*.jsonl"))
    assert len(chats) == 1
    text = chats[0].read_text(encoding="utf-8")
    assert "How bad is the storm?" in text and any(p in text for p in DEMO_PHRASES)


def test_openai_server_reply_in_a_real_terminal(tmux_app, home: Path,  # type: ignore[no-untyped-def]
                                                openai_server: FakeOpenAIServer) -> None:
    openai_server.reply = "The beam turns; the rocks sleep tonight."
    subprocess.run([str(TAVO), "connection", "add", "local", "--url", openai_server.base_url, "--default"],
                   env={"TAVO_HOME": str(home)}, check=True, capture_output=True)
    term = tmux_app("--card", str(CARD), width=80, height=24)
    term.wait_for("Tea first")
    term.send_keys("Is the light working?", literal=True)
    term.send_keys("C-j")
    term.wait_for("the rocks sleep tonight")
    sent = [r for r in openai_server.requests if r.path.endswith("/chat/completions")]
    assert len(sent) == 1 and sent[0].json()["messages"][-1]["content"] == "Is the light working?"
