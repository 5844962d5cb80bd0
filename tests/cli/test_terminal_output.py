"""Untrusted text from the CLI (issue 13): on a terminal every control is shown, never obeyed; into a pipe or
file the exact text goes through; JSON always escapes controls; credentials in URLs are masked.

The terminal cases run the real `tavo-tui` command in a pseudo-terminal and read every byte it writes."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from tavo_tui.cli import main
from tavo_tui.session.visible import json_escape, mask_url, visible
from tests.cards.helpers import v2
from tests.fakes.openai_server import FakeOpenAIServer

TAVO = Path(sys.executable).parent / "tavo-tui"
# OSC 52 (clipboard), OSC 0 (title), CSI 2J (clear), a lone C1 string introducer, DEL, a bidi override.
HOSTILE = "A\x1b]52;c;cHduZWQ=\x07B\x1b]0;title\x07C\x1b[2JD\x98E\x7fF\u202eG"
RAW = ("\x1b", "\x07", "\x98", "\x7f", "\u202e")


def in_terminal(home: Path, *argv: str, stdin: str | None = None) -> str:
    """Run tavo-tui with its stdout and stderr on a pty; everything it wrote, decoded."""
    leader, follower = pty.openpty()
    env = {**os.environ, "TAVO_HOME": str(home)}
    child = subprocess.Popen([str(TAVO), *argv], stdout=follower, stderr=follower,
                             stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL, env=env)
    os.close(follower)
    if stdin is not None and child.stdin is not None:
        child.stdin.write(stdin.encode())
        child.stdin.close()
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        if not ready:
            break
        try:
            data = os.read(leader, 65536)
        except OSError:  # the follower side closed: the command has exited
            break
        if not data:
            break
        chunks.append(data)
    child.wait(timeout=30)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def hostile_card(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(v2(name="Evil" + HOSTILE, description=HOSTILE, first_mes=HOSTILE)), "utf-8")
    return path


def test_visible_shows_every_control_one_for_one_and_keeps_the_text() -> None:
    shown = visible(HOSTILE)
    assert not any(raw in shown for raw in RAW)
    for letter in "ABCDEFG":  # nothing after a control is swallowed
        assert letter in shown
    assert "␛]52;c;cHduZWQ=␇" in shown and "\\x98" in shown and "␡" in shown and "\\u202e" in shown
    assert visible("line\r\nnext\tcol") == "line\nnext\tcol"


def test_card_show_on_a_terminal_shows_the_controls(home: Path, tmp_path: Path) -> None:
    out = in_terminal(home, "card", "show", str(hostile_card(tmp_path)))
    assert not any(raw in out for raw in RAW), repr(out)
    assert "Evil" in out and "␛]0;title␇" in out and "G" in out


def test_card_show_into_a_pipe_is_exact_and_json_is_escaped(home: Path, tmp_path: Path) -> None:
    card = hostile_card(tmp_path)
    piped = subprocess.run([str(TAVO), "card", "show", str(card)], capture_output=True, text=True, check=True)
    assert HOSTILE in piped.stdout
    as_json = subprocess.run([str(TAVO), "card", "show", "--json", str(card)], capture_output=True, text=True,
                             check=True).stdout
    assert not any(raw in as_json for raw in RAW)
    assert json.loads(as_json)["data"]["description"] == HOSTILE


def test_send_streams_a_hostile_reply_visibly_on_a_terminal(home: Path, tmp_path: Path,
                                                            openai_server: FakeOpenAIServer) -> None:
    openai_server.reply = "Sure." + HOSTILE
    main(["connection", "add", "local", "--url", openai_server.base_url, "--model", "fake-model"])
    out = in_terminal(home, "send", "--card", str(hostile_card(tmp_path)), "--connection", "local", "hi")
    assert "Sure." in out and not any(raw in out for raw in RAW), repr(out)
    assert "␛]52;c;cHduZWQ=␇" in out
    piped = subprocess.run([str(TAVO), "send", "--card", str(hostile_card(tmp_path)), "--connection", "local", "hi"],
                           capture_output=True, text=True, env={**os.environ, "TAVO_HOME": str(home)})
    assert piped.stdout == "Sure." + HOSTILE + "\n"


def test_prompt_json_and_chat_list_json_escape_controls(home: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    card = hostile_card(tmp_path)
    assert main(["prompt", "--card", str(card), "--json"]) == 0
    out = capsys.readouterr().out
    assert not any(raw in out for raw in RAW)
    assert any(HOSTILE in m["content"] for m in json.loads(out)["body"]["messages"])
    assert main(["chat", "new", "--card", str(card)]) == 0
    chat_id = capsys.readouterr().out.strip()
    assert main(["chat", "rename", chat_id, "Title" + HOSTILE]) == 0
    capsys.readouterr()
    assert main(["chat", "list", "--json"]) == 0
    listed = capsys.readouterr().out
    assert not any(raw in listed for raw in RAW)
    assert any(HOSTILE in str(value) for row in json.loads(listed) for value in row.values())


def test_chat_export_to_a_terminal_is_visible_and_to_a_file_exact(home: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chat", "new", "--card", str(hostile_card(tmp_path))]) == 0
    chat_id = capsys.readouterr().out.strip()
    for fmt in ("md", "txt"):
        out = in_terminal(home, "chat", "export", chat_id, "--format", fmt)
        assert "G" in out and not any(raw in out for raw in RAW), (fmt, repr(out))
        target = tmp_path / f"out.{fmt}"
        assert main(["chat", "export", chat_id, "--format", fmt, "-o", str(target)]) == 0
        assert HOSTILE in target.read_text("utf-8")


def test_credentials_in_urls_are_masked(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert mask_url("https://ann:s3cret@proxy.example/v1?key=abc123&x=1") == "https://****@proxy.example/v1?key=****&x=1"
    assert mask_url("http://127.0.0.1:8080/v1") == "http://127.0.0.1:8080/v1"
    assert main(["connection", "add", "p", "--url", "https://ann:s3cret@proxy.example/v1?api_key=abc123"]) == 0
    capsys.readouterr()
    for argv in (["connection", "list"], ["connection", "list", "--json"],
                 ["prompt", "--card", str(Path(__file__).resolve().parents[2] / "sample_cards" / "sable.json"),
                  "--connection", "p", "--json", "--offline-tokens"]):
        main(argv)
        out = capsys.readouterr().out
        assert "s3cret" not in out and "abc123" not in out, argv
        assert "****" in out, argv


def test_json_escape_keeps_the_value() -> None:
    encoded = json.dumps({"t": HOSTILE + "\u2028\u2029"}, ensure_ascii=False)
    escaped = json_escape(encoded)
    assert json.loads(escaped) == json.loads(encoded)
    assert not any(raw in escaped for raw in (*RAW, "\u2028", "\u2029"))
