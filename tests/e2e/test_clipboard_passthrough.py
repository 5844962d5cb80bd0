"""Copying inside tmux with `set-clipboard off`: the OSC 52 must come out wrapped in tmux's passthrough.

tavo-tui runs in an inner tmux (clipboard handling off, passthrough allowed). That tmux's client is itself
attached inside an outer tmux, which plays the user's terminal: it keeps whatever OSC 52 reaches it in its
paste buffer. A bare OSC 52 is dropped by the inner tmux, so the text can only arrive through the wrap."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.e2e.tmux_driver import TAVO, TmuxSession, have_tmux

SAMPLES = Path(__file__).resolve().parents[2] / "sample_cards"


def _tmux_version() -> tuple[int, int]:
    if not have_tmux():
        return (0, 0)
    out = subprocess.run(["tmux", "-V"], capture_output=True, text=True, check=False).stdout
    match = re.search(r"(\d+)\.(\d+)", out)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(_tmux_version() < (3, 3), reason="needs tmux 3.3+ (allow-passthrough)"),
]


def test_copy_reaches_the_outer_terminal_through_tmux_passthrough(home: Path) -> None:
    env = {"TAVO_HOME": str(home), "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    inner = TmuxSession([str(TAVO), "--card", str(SAMPLES / "maren_holloway.png")], width=100, height=30, env=env)
    outer: TmuxSession | None = None
    try:
        inner._tmux("set-option", "-g", "set-clipboard", "off")
        inner._tmux("set-option", "-g", "allow-passthrough", "on")
        inner.wait_for("Tea first")
        outer = TmuxSession(["env", "-u", "TMUX", "tmux", "-L", inner.socket, "attach", "-t", inner.name],
                            width=100, height=31, env={"TERM": "xterm-256color"})
        outer._tmux("set-option", "-g", "set-clipboard", "on")
        outer.wait_for("Tea first")
        inner.send_keys("Is the lamp lit?", literal=True)
        inner.send_keys("F4")  # the prompt inspector
        inner.wait_for("Prompt inspector")
        inner.send_keys("C-o")  # jump mode, then i focuses the inspector
        inner.wait_for("Jump:")
        inner.send_keys("i")
        inner.wait_for(check=lambda s: "Jump:" not in s)
        inner.send_keys("c")  # copy the request body as JSON
        inner.wait_for("Copied")
        buffer = ""
        for _ in range(50):
            buffer = outer._tmux("show-buffer")
            if buffer:
                break
            inner.wait_for(check=lambda s: True, timeout=0.1)
        body = json.loads(buffer)
        assert body["messages"][-1]["content"] == "Is the lamp lit?"
        # The inner tmux ignored the bare sequence (set-clipboard off), so the wrapped one is what arrived.
        assert inner._tmux("show-buffer") == ""
    finally:
        if outer is not None:
            outer.close()
        inner.close()
