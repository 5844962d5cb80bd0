"""Issue 15's journey in a real terminal (tmux, 80x24, keys only): a fresh home, bare `tavo-tui --home H`, the
welcome sets up a local OpenAI-compatible server (test message, save, default), a chat with a sample character
on it, then the palette's "Import from SillyTavern" on a SillyTavern folder, and an imported chat opened."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.tmux_driver import TAVO, TmuxSession, have_tmux, shows
from tests.fakes.openai_server import FakeOpenAIServer
from tests.session.st_folder import build_st_folder

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.slow,  # about 10-15 s: one whole first session, start-up to an imported chat
    pytest.mark.skipif(not have_tmux(), reason="tmux is not installed (.ci/run installs it)"),
]

REPLY = "The lighthouse keeper waves from the gallery."
MESSAGE = "Is the lamp lit?"


@pytest.fixture
def fresh_home(tmp_path: Path) -> Path:
    """Not the `home` fixture's folder: this one is reached only through --home (TAVO_HOME is unset below)."""
    return tmp_path / "fresh-home"


@pytest.fixture
def st_folder(tmp_path: Path, corpus: Path, reference: Path) -> Path:
    return build_st_folder(tmp_path / "SillyTavern" / "data" / "default-user", corpus, reference / "st-presets")


@pytest.fixture
def session(fresh_home: Path) -> Iterator[TmuxSession]:
    # `env -u TAVO_HOME`: the test run exports one (the `home` fixture elsewhere); only --home may place files.
    command = ["env", "-u", "TAVO_HOME", str(TAVO), "--home", str(fresh_home)]
    tmux = TmuxSession(command, width=80, height=24, env={"TERM": "xterm-256color", "COLORTERM": "truecolor"})
    yield tmux
    tmux.close()


def chat_posts(server: FakeOpenAIServer) -> list[dict]:  # type: ignore[type-arg]
    return [r.json() for r in server.requests if r.method == "POST" and r.path.endswith("/chat/completions")]


def test_fresh_home_welcome_local_server_chat_then_sillytavern_import(  # type: ignore[no-untyped-def]
        session: TmuxSession, fresh_home: Path, st_folder: Path, corpus: Path,
        openai_server: FakeOpenAIServer) -> None:
    openai_server.reply = REPLY

    # -- the welcome: kind openai-compatible is preselected, the base URL field has the focus ----------------
    session.wait_for("Welcome to tavo-tui")
    # The scan for local servers ends first: had it found one, it would take the focus from the URL field.
    session.wait_for("none found; fill in the server below")
    session.send_keys(openai_server.base_url, literal=True)
    session.wait_for(f"will use: {openai_server.base_url}")
    session.send_keys("Tab", "Tab")  # past the (optional) API key to the model
    session.send_keys("fake-model", literal=True)
    session.wait_for("fake-model")
    session.send_keys("C-t")  # the test message
    session.wait_for(check=lambda s: shows(s, f"reply: {REPLY}"))
    (test_request,) = chat_posts(openai_server)
    assert test_request["model"] == "fake-model"
    assert "Make it the default connection" in session.screen()  # ticked by default: ctrl+s also switches
    session.send_keys("C-s")
    screen = session.wait_for(check=lambda s: "Welcome to tavo-tui" not in s and "Characters (7)" in s)
    status = screen.splitlines()[-2]
    assert "openai-compatible" in status and "fake-model" in status and "DEMO" not in status

    # -- a sample character (the library is in front, the first card highlighted), a message, the reply ------
    session.send_keys("Enter")
    session.wait_for("Chat with Grimble")
    session.send_keys(MESSAGE, literal=True)
    session.send_keys("C-j")
    session.wait_for(check=lambda s: shows(s, REPLY))
    session.wait_for(check=lambda s: "generating" not in s)
    sent = chat_posts(openai_server)
    assert len(sent) == 2
    assert sent[-1]["model"] == "fake-model" and sent[-1]["messages"][-1]["content"] == MESSAGE

    # -- import the SillyTavern folder from the palette -----------------------------------------------------
    session.send_keys("C-p")
    session.wait_for("Search for commands")
    session.send_keys("Import from SillyTavern", literal=True)
    session.wait_for("Characters, chats, personas")  # the command's description: it is listed
    session.send_keys("Enter")
    session.wait_for("old versions")  # the dialog asks for the folder
    session.send_keys(str(st_folder), literal=True)
    session.send_keys("Enter")
    screen = session.wait_for("esc / enter: close")  # the summary, in the same dialog
    assert shows(screen, "character: 4 imported, 1 skipped")
    assert shows(screen, "chat: 5 imported, 2 skipped")
    session.send_keys("Escape")
    session.wait_for(check=lambda s: "Import from SillyTavern" not in s and "Chat with Grimble" in s)

    # -- an imported character resumes the chat its card named; f8 opens its other imported chat ------------
    session.send_keys("F2")  # show and focus the library (listed again after the import)
    session.wait_for("Characters (11)")
    session.send_keys("Aqua", literal=True)  # typed in the list: the filter
    session.wait_for("Characters (1)")
    session.send_keys("Enter")
    # The title comes first, the messages as they mount: wait for both.
    session.wait_for(check=lambda s: "Chat with Aqua · 1673181146000" in s
                     and shows(s, "I, aqua the goddess of water, shall help you!"))  # SillyTavern's line
    session.send_keys("F8")
    session.wait_for("Chats with Aqua")
    session.send_keys("Down", "Enter")  # from the open chat (first, newest) to the other one
    screen = session.wait_for(check=lambda s: "Chat with Aqua · Aqua - 2024-01-01" in s and "Hello again." in s)
    assert "goddess of water" not in screen  # the other chat's messages are gone
    assert len(chat_posts(openai_server)) == 2  # opening imported chats asks the model nothing

    session.send_keys("C-q")
    session.wait_exit()

    # -- on disk, all under --home ---------------------------------------------------------------------------
    connections = json.loads((fresh_home / "config" / "connections.json").read_text(encoding="utf-8"))
    assert connections["default"] == "openai-compatible"
    (profile,) = connections["profiles"]
    assert (profile["kind"], profile["base_url"], profile["model"]) == (
        "openai-compatible", openai_server.base_url, "fake-model")
    assert json.loads((fresh_home / "config" / "ui.json").read_text(encoding="utf-8"))["welcome_done"] is True
    (chat_file,) = (fresh_home / "data" / "chats" / "grimble").glob("*.jsonl")
    lines = [json.loads(line) for line in chat_file.read_text(encoding="utf-8").splitlines()]
    assert [(m["is_user"], m["mes"]) for m in lines[-2:]] == [(True, MESSAGE), (False, REPLY)]
    cards, originals = fresh_home / "data" / "cards", corpus / "cards"  # imported cards: bytes unchanged
    assert (cards / "Seraphina.png").read_bytes() == (originals / "v2_png_st2023_Seraphina_book.png").read_bytes()
    assert (cards / "Aqua.png").read_bytes() == (originals / "v1_png_tavernai-era_Aqua.png").read_bytes()
    assert len(list((fresh_home / "data" / "chats" / "Aqua").glob("*.jsonl"))) == 2
