"""`tavo-tui serve`: localhost by default, a loud warning elsewhere, and the browser page really served."""

from __future__ import annotations

import argparse
import re
import shlex
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import httpx

from tavo_tui.cli import build_parser
from tavo_tui.cli.serve import app_command, warning_for
from tavo_tui.ui.serve import COOKIE, origin_allowed, refusal


def test_defaults_bind_localhost_and_the_warning_only_shows_elsewhere() -> None:
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 8000)
    assert warning_for("127.0.0.1", 8000) is None and warning_for("localhost", 8000) is None
    warning = warning_for("0.0.0.0", 9000)
    assert warning is not None and "other machines" in warning and "0.0.0.0:9000" in warning


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


def _start_serve(home: Path, host: str = "127.0.0.1") -> tuple[subprocess.Popen[str], int, str, list[str]]:
    """`tavo-tui serve` as a user runs it; returns the process, its port, the URL it printed and its stderr."""
    port = free_port()
    tavo = Path(sys.executable).parent / "tavo-tui"
    child = subprocess.Popen([str(tavo), "--home", str(home), "serve", "--host", host, "--port", str(port)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    found: list[str] = []

    def read() -> None:
        assert child.stderr is not None
        for line in child.stderr:
            lines.append(line)
            match = re.search(r"Open (http://\S+)", line)
            if match:
                found.append(match.group(1))

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + 30
    while not found and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.05)
    assert found, "".join(lines)
    return child, port, found[0], lines


def _stop(child: subprocess.Popen[str]) -> None:
    child.terminate()
    try:
        child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        child.kill()


def test_the_page_needs_the_printed_token_and_warns_when_public(home: Path) -> None:
    child, port, url, lines = _start_serve(home, host="0.0.0.0")
    try:
        token = parse_qs(urlsplit(url).query)["token"][0]
        assert len(token) >= 24
        bare = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert bare.status_code == 403 and "token" in bare.text and "<html" not in bare.text.lower()
        wrong = httpx.get(f"http://127.0.0.1:{port}/?token=not-{token}", timeout=5)
        assert wrong.status_code == 403
        page = httpx.get(f"http://127.0.0.1:{port}/?token={token}", timeout=5)
        assert page.status_code == 200 and "<html" in page.text.lower()
        assert page.cookies.get(COOKIE) == token
        assert "samesite=strict" in page.headers["set-cookie"].lower()
        assert httpx.get(f"http://127.0.0.1:{port}/download/x", timeout=5).status_code == 403
    finally:
        _stop(child)
    assert "other machines" in "".join(lines)


async def _ws_status(port: int, *, cookie: str | None, origin: str | None, query: str = "") -> tuple[int, bool]:
    """(HTTP status of the upgrade, whether the app sent anything) for a real WebSocket client."""
    headers = {"Origin": origin} if origin else {}
    cookies = {COOKIE: cookie} if cookie else {}
    async with aiohttp.ClientSession(cookies=cookies) as client:
        try:
            async with client.ws_connect(f"ws://127.0.0.1:{port}/ws?width=80&height=24{query}",
                                         headers=headers) as ws:
                message = await ws.receive(timeout=30)
                return 101, message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT)
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status, False


async def test_the_websocket_needs_the_token_and_the_pages_own_origin(home: Path) -> None:
    child, port, url, _lines = _start_serve(home)
    try:
        token = parse_qs(urlsplit(url).query)["token"][0]
        own = f"http://127.0.0.1:{port}"
        assert await _ws_status(port, cookie=None, origin=own) == (403, False)
        assert await _ws_status(port, cookie="wrong", origin=own) == (403, False)
        # A page elsewhere that somehow holds the token is still refused.
        assert await _ws_status(port, cookie=token, origin="https://evil.example") == (403, False)
        assert await _ws_status(port, cookie=None, origin="https://evil.example", query=f"&token={token}") == (
            403, False)
        # The browser page's own WebSocket: the cookie set by the page, from the page's origin, gets the app.
        assert await _ws_status(port, cookie=token, origin=own) == (101, True)
    finally:
        _stop(child)


def test_refusal_rules() -> None:
    assert refusal("/", False, True) is not None
    assert refusal("/", True, True) is None
    assert refusal("/static/js/textual.js", False, False) is None  # textual-serve's own assets hold nothing
    assert refusal("/ws", True, False) == "cross-origin request refused"
    assert refusal("/download/k", False, True) is not None
    assert origin_allowed(None, "127.0.0.1:8000")
    assert origin_allowed("http://127.0.0.1:8000", "127.0.0.1:8000")
    assert not origin_allowed("http://127.0.0.1:8001", "127.0.0.1:8000")
    assert not origin_allowed("null", "127.0.0.1:8000")
    assert not origin_allowed("https://evil.example", "127.0.0.1:8000")
