"""User journeys in a real terminal (tmux), keys only: first run on the demo, import a card and chat, switch
connection mid-chat, open the inspector and copy the prompt (OSC 52 reaches tmux's clipboard buffer)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.e2e.tmux_driver import TAVO, TmuxSession, have_tmux, shows
from tests.fakes.openai_server import FakeOpenAIServer

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_cards"

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(not have_tmux(), reason="tmux is not installed (.ci/run installs it)"),
]

DEMO_PHRASES = ("Then listen closely.", "I wondered when you would say that.", "Ask me anything")


@pytest.fixture
def term(home: Path):  # type: ignore[no-untyped-def]
    sessions: list[TmuxSession] = []

    def start(*args: str, width: int = 80, height: int = 24) -> TmuxSession:
        env = {"TAVO_HOME": str(home), "TERM": "xterm-256color", "COLORTERM": "truecolor"}
        session = TmuxSession([str(TAVO), *args], width=width, height=height, env=env)
        sessions.append(session)
        return session

    yield start
    for session in sessions:
        session.close()


def cli(home: Path, *args: str) -> None:
    subprocess.run([str(TAVO), *args], env={"TAVO_HOME": str(home)}, check=True, capture_output=True)


def saved_chat(home: Path) -> str:
    chats = list((home / "data" / "chats").rglob("*.jsonl"))
    assert len(chats) == 1
    return chats[0].read_text(encoding="utf-8")


def test_first_run_on_the_demo_connection(term, home: Path) -> None:  # type: ignore[no-untyped-def]
    session = term("--library", str(SAMPLES))
    session.wait_for("Welcome to tavo-tui")  # a new home: the first-run welcome comes first
    session.send_keys("Escape")  # skip it (for good)
    screen = session.wait_for(check=lambda s: "DEMO" in s and "Welcome to tavo-tui" not in s)
    assert "Pick a character" in screen
    session.wait_for("Characters")  # with no character open, the library is in front and focused
    session.send_keys("Grim", literal=True)  # typing in the library filters it
    session.send_keys("Enter")  # and enter opens the first match
    session.wait_for("Chat with Grimble")
    session.send_keys("Hello there", literal=True)
    session.send_keys("C-j")
    session.wait_for(check=lambda s: any(shows(s, p) for p in DEMO_PHRASES))
    session.send_keys("C-q")
    session.wait_exit()
    assert "Hello there" in saved_chat(home)


def test_import_a_card_and_start_a_chat(term, home: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    # Not a packaged sample: a bare start on a new home already has those in its cards/ folder.
    card = json.loads((SAMPLES / "grimble.json").read_text(encoding="utf-8"))
    card["name"] = card["data"]["name"] = "Bramwell"
    (downloads / "bramwell.json").write_text(json.dumps(card), encoding="utf-8")
    session = term()
    session.wait_for("Welcome to tavo-tui")  # a new home: the first-run welcome comes first
    session.send_keys("Escape")
    session.wait_for(check=lambda s: "DEMO" in s and "Welcome to tavo-tui" not in s)
    session.send_keys("F2")  # show and focus the character list (alt+1 does too, where the terminal sends it)
    session.wait_for("Characters")
    session.send_keys("C-g", "a")  # the leader, then a: import (a typed letter alone filters the list)
    session.wait_for("Import cards")
    session.send_keys(str(downloads / "bramwell.json"), literal=True)
    session.send_keys("Enter")
    session.wait_for("Bramwell")
    session.send_keys("Enter")  # the imported card is the highlighted one
    session.wait_for("Chat with Bramwell")
    session.send_keys("What do you sell?", literal=True)
    session.send_keys("C-j")
    session.wait_for(check=lambda s: any(shows(s, p) for p in DEMO_PHRASES))
    assert (home / "data" / "cards" / "bramwell.json").exists()
    assert (home / "data" / "cards" / "grimble.json").exists()  # the samples the first start put there


def test_switch_connection_mid_chat(term, home: Path,  # type: ignore[no-untyped-def]
                                    openai_server: FakeOpenAIServer) -> None:
    openai_server.reply = "The fog horn answers from the point."
    cli(home, "connection", "add", "local", "--url", openai_server.base_url)
    session = term("--card", str(SAMPLES / "maren_holloway.png"))
    session.wait_for("Tea first")
    session.send_keys("First on the demo.", literal=True)
    session.send_keys("C-j")
    session.wait_for(check=lambda s: any(shows(s, p) for p in DEMO_PHRASES))
    session.wait_for(check=lambda s: "generating" not in s)
    session.send_keys("F5")  # the connection picker: demo (in use, highlighted), then local
    session.wait_for("Switch connection")
    # Typed ahead in one burst (one send-keys: one write to the terminal), not waiting for the picker to close:
    # the keys after enter belong to the composer. They used to reach the picker, which closed only after
    # them, so the composer stayed empty.
    # Down past the end stays on the last row, local; a few of them give the picker work to do as enter arrives.
    session.send_keys(*["Down"] * 8, "Enter", "Now on the local server.", "C-j")
    screen = session.wait_for("fog horn answers")
    assert "local" in screen.splitlines()[-2] and "DEMO" not in screen.splitlines()[-2]  # the status bar
    sent = [r for r in openai_server.requests if r.path.endswith("/chat/completions")]
    assert len(sent) == 1
    contents = [m["content"] for m in sent[0].json()["messages"]]
    assert "First on the demo." in contents and contents[-1] == "Now on the local server."


def test_open_the_inspector_and_copy_the_prompt(term, home: Path) -> None:  # type: ignore[no-untyped-def]
    session = term("--card", str(SAMPLES / "maren_holloway.png"), width=100, height=30)
    session._tmux("set-option", "-g", "set-clipboard", "on")
    session.wait_for("Tea first")
    session.send_keys("Is the lamp lit?", literal=True)
    session.send_keys("F4")  # show the prompt inspector
    session.wait_for("Prompt inspector")
    session.send_keys("C-o")  # jump mode: one letter moves the focus
    session.wait_for("Jump:")
    session.send_keys("i")
    session.wait_for(check=lambda s: "Jump:" not in s)
    session.send_keys("c")  # copy the request body as JSON (OSC 52)
    deadline_screen = session.wait_for("Copied")
    assert "Copied" in deadline_screen
    buffer = ""
    for _ in range(50):
        buffer = session._tmux("show-buffer")
        if buffer:
            break
        session.wait_for(check=lambda s: True, timeout=0.1)
    body = json.loads(buffer)
    assert body["messages"][-1]["content"] == "Is the lamp lit?"
