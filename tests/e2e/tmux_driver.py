"""Drive the real `tavo-tui` command inside tmux, as a user over SSH would."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

TAVO = Path(sys.executable).parent / "tavo-tui"


def have_tmux() -> bool:
    return shutil.which("tmux") is not None


def shows(screen: str, phrase: str) -> bool:
    """`phrase` is on the screen, perhaps wrapped: any space in it may be a row break, after which the next row
    may start with other panes' text and the message gutter. (The demo's replies are built from the
    conversation, so where they wrap changes with the card, the message and the terminal's width.)"""
    words = [rf"\b{re.escape(word)}" for word in phrase.split()]
    return re.search(r"(?: +|[^\n]*\n[^\n]*?)".join(words), screen) is not None


class TmuxSession:
    """One detached tmux session on a private socket, so tests never touch the user's tmux."""

    def __init__(self, command: list[str], *, width: int = 100, height: int = 30, env: dict[str, str]) -> None:
        self.socket = f"tavo-test-{uuid.uuid4().hex[:8]}"
        self.name = "t"
        env_args = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
        # COLUMNS/LINES inherited from the test run would override the pane's real size (shutil reads them
        # first), so the program would draw 80x24 in a wider window: start it without them.
        launch = ["env", "-u", "COLUMNS", "-u", "LINES", *command]
        self._tmux(
            "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height), *env_args,
            " ".join(_quote(c) for c in launch),
        )

    def _tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10, check=False
        )
        return result.stdout

    def send_keys(self, *keys: str, literal: bool = False) -> None:
        self._tmux("send-keys", "-t", self.name, *(["-l"] if literal else []), *keys)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", self.name)

    def wait_for(self, predicate: str | None = None, *, timeout: float = 20.0, check=None) -> str:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if (predicate is not None and predicate in screen) or (check is not None and check(screen)):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {predicate or check!r}; screen was:\n{screen}")

    def alive(self) -> bool:
        result = subprocess.run(["tmux", "-L", self.socket, "has-session", "-t", self.name],
                                capture_output=True, timeout=10, check=False)
        return result.returncode == 0

    def wait_exit(self, timeout: float = 10.0) -> None:
        """Wait until the program has quit (its tmux session closes with it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                return
            time.sleep(0.05)
        raise AssertionError(f"the program did not quit; screen was:\n{self.screen()}")

    def close(self) -> None:
        self._tmux("kill-server")


def _quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\\''") + "'"
