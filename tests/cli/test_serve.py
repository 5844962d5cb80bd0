"""`tavo-tui serve`: localhost by default, a loud warning elsewhere, and the browser page really served."""

from __future__ import annotations

import argparse
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tavo_tui.cli import build_parser
from tavo_tui.cli.serve import app_command, warning_for


def test_defaults_bind_localhost_and_the_warning_only_shows_elsewhere() -> None:
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 8000)
    assert warning_for("127.0.0.1", 8000) is None and warning_for("localhost", 8000) is None
    warning = warning_for("0.0.0.0", 9000)
    assert warning is not None and "no authentication" in warning and "0.0.0.0:9000" in warning


def test_the_app_command_keeps_the_options_and_quotes_paths(tmp_path: Path) -> None:
    home = tmp_path / "my home"
    args = argparse.Namespace(home=home, library=[tmp_path / "cards dir"], user="Ann O'Neil", connection="local",
                              card=None)
    parts = shlex.split(app_command(args))
    assert parts[:3] == [sys.executable, "-m", "tavo_tui"]
    assert parts[parts.index("--home") + 1] == str(home.resolve())
    assert parts[parts.index("--user") + 1] == "Ann O'Neil"
    assert parts[parts.index("--library") + 1] == str((tmp_path / "cards dir").resolve())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_with_the_browser_page_and_warns_when_public(home: Path) -> None:
    port = free_port()
    tavo = Path(sys.executable).parent / "tavo-tui"
    child = subprocess.Popen([str(tavo), "--home", str(home), "serve", "--host", "0.0.0.0", "--port", str(port)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        page = None
        for _ in range(100):
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert page is not None and page.status_code == 200 and "<html" in page.text.lower()
    finally:
        child.terminate()
        _, err = child.communicate(timeout=10)
    assert "no authentication" in err
