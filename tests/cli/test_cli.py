"""The scriptable CLI: connection management, prompt --json, send, and one-line failures."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tavo_tui.cli import FRAME_RATE, main, prefer_fast_frames
from tests.fakes.openai_server import LLAMA_401, FakeOpenAIServer, error

ROOT = Path(__file__).resolve().parents[2]
CARD = ROOT / "sample_cards" / "maren_holloway.png"
TAVO = Path(sys.executable).parent / "tavo-tui"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_connection_add_list_default_remove(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "connection", "add", "local", "--url", "http://localhost:8080/", "--model", "tiny",
                       "--default")
    assert code == 0 and "local" in out
    code, out, _ = run(capsys, "connection", "list", "--json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["local"]["default"] is True and rows["demo"]["default"] is False
    assert rows["local"]["model"] == "tiny"
    assert run(capsys, "connection", "default", "demo")[0] == 0
    assert run(capsys, "connection", "remove", "local")[0] == 0
    code, out, _ = run(capsys, "connection", "list")
    assert "local" not in out and out.startswith("* demo")


def test_api_key_from_stdin_is_masked_everywhere(home: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("sk-very-secret-key-9876\n"))
    assert run(capsys, "connection", "add", "cloud", "--url", "https://api.example.com/v1", "--api-key-stdin")[0] == 0
    code, out, _ = run(capsys, "connection", "list")
    assert "sk-very-secret" not in out and "****9876" in out
    code, out, _ = run(capsys, "prompt", "--card", str(CARD), "--connection", "cloud", "--json")
    assert code == 0 and "sk-very-secret" not in out
    assert not any("sk-very-secret" in p.read_text() for p in home.rglob("connections.json"))


def test_unknown_kind_is_one_line(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "connection", "add", "x", "--kind", "nonsense", "--url", "http://x")
    assert code == 1 and err.count("\n") == 1 and "connection kinds" in err


def test_connection_test_ok_and_dead(home: Path, capsys: pytest.CaptureFixture[str],
                                     openai_server: FakeOpenAIServer) -> None:
    run(capsys, "connection", "add", "up", "--url", openai_server.root)
    run(capsys, "connection", "add", "down", "--url", f"http://127.0.0.1:{free_port()}")
    code, out, _ = run(capsys, "connection", "test", "up")
    assert code == 0 and out.startswith("ok: up answered in")
    code, _, err = run(capsys, "connection", "test", "down")
    assert code == 1 and err.count("\n") == 1 and "no server at http://127.0.0.1:" in err


def test_prompt_json_shape(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "prompt", "--card", str(CARD), "--user", "Ann", "-m", "Hi", "--json")
    data = json.loads(out)
    assert code == 0 and set(data) >= {"url", "body", "tokens"}
    assert data["body"]["messages"][-1] == {"role": "user", "content": "Hi"}
    tokens = data["tokens"]
    assert tokens["total"] == sum(tokens["sections"].values()) and tokens["total"] > 0
    assert any("Ann" in m["content"] for m in data["body"]["messages"])  # {{user}} replaced


def test_send_body_is_byte_for_byte_prompt_json_body(home: Path, capsys: pytest.CaptureFixture[str],
                                                     openai_server: FakeOpenAIServer) -> None:
    run(capsys, "connection", "add", "local", "--url", openai_server.base_url, "--model", "fake-model")
    args = ["--card", str(CARD), "--connection", "local", "-m", "first", "-m", "a reply"]
    code, out, _ = run(capsys, "prompt", *args, "-m", "third", "--json")
    assert code == 0
    printed_body = out[out.index('"body":') + len('"body":'): out.index(',"tokens":')]
    code, out, _ = run(capsys, "send", *args, "third")
    assert code == 0 and out == openai_server.reply + "\n"
    sent = openai_server.requests[-1]
    assert sent.body == printed_body.encode("utf-8")


def test_send_failure_is_one_line_no_traceback(home: Path, openai_server: FakeOpenAIServer) -> None:
    env = {"TAVO_HOME": str(home), "PATH": "/usr/bin:/bin"}
    subprocess.run([str(TAVO), "connection", "add", "local", "--url", openai_server.base_url], env=env, check=True,
                   capture_output=True)
    openai_server.script.append(error(401, LLAMA_401))
    result = subprocess.run([str(TAVO), "send", "--card", str(CARD), "--connection", "local", "hi"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "401" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["prompt", "--card", "/nonexistent/card.png"], "card"),
        (["send", "--card", str(CARD), "--connection", "nope", "hi"], "no connection named 'nope'"),
        (["--card", "/nonexistent.png"], "no card"),
    ],
)
def test_failures_are_one_line(home: Path, argv: list[str], needle: str) -> None:
    result = subprocess.run([str(TAVO), *argv], env={"TAVO_HOME": str(home), "PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1 and needle in result.stderr and "Traceback" not in result.stderr


def test_python_dash_m_works(home: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "tavo_tui", "connection", "list"], env={"TAVO_HOME": str(home)},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "demo" in result.stdout


def test_the_tui_asks_textual_for_fast_frames_unless_the_user_chose_a_rate() -> None:
    env: dict[str, str] = {}
    prefer_fast_frames(env)
    assert env == {"TEXTUAL_FPS": FRAME_RATE}
    env = {"TEXTUAL_FPS": "30"}
    prefer_fast_frames(env)
    assert env == {"TEXTUAL_FPS": "30"}
    # The CLI itself loads no Textual, so the rate is set before Textual reads it.
    code = ("import os, sys\nfrom tavo_tui.cli import prefer_fast_frames\nassert 'textual' not in sys.modules\n"
            "prefer_fast_frames(os.environ)\nimport textual.screen\nprint(round(1 / textual.screen.UPDATE_PERIOD))")
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_FPS"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.strip() == FRAME_RATE


def test_send_says_when_the_server_is_busy_and_retries(home: Path, capsys: pytest.CaptureFixture[str],
                                                       openai_server: FakeOpenAIServer) -> None:
    from tests.fakes.openai_server import OPENAI_429

    run(capsys, "connection", "add", "local", "--url", openai_server.base_url, "--model", "fake-model")
    openai_server.script.append(error(429, OPENAI_429, {"Retry-After": "1"}))
    openai_server.reply = "Second time lucky."
    code, out, err = run(capsys, "send", "--card", str(CARD), "--connection", "local", "hi")
    assert code == 0 and "Second time lucky." in out
    assert "server busy (429)" in err and "trying again in 1 s" in err
