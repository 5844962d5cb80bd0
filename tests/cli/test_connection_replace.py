"""`connection add` refuses a name in use unless --replace; `connection list` shows URLs as requests use them."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tavo_tui.cli import main
from tavo_tui.model import ConnectionProfile
from tavo_tui.session.connections import used_base_url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def listed(capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, object]]:
    code, out, _ = run(capsys, "connection", "list", "--json")
    assert code == 0
    return {row["name"]: row for row in json.loads(out)}


def test_adding_a_name_in_use_is_refused_and_changes_nothing(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("sk-first\n"))
    assert run(capsys, "connection", "add", "srv", "--url", "http://127.0.0.1:9/v1", "--api-key-stdin")[0] == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("sk-second\n"))
    code, out, err = run(capsys, "connection", "add", "srv", "--url", "http://10.0.0.1:1", "--api-key-stdin")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "'srv' exists" in err and "--replace" in err
    row = listed(capsys)["srv"]
    assert row["base_url"] == "http://127.0.0.1:9/v1"
    assert (home / "config" / "secrets.json").read_text().count("sk-first") == 1


def test_replace_overwrites_the_profile_and_its_key(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("sk-first\n"))
    assert run(capsys, "connection", "add", "srv", "--url", "http://127.0.0.1:9", "--api-key-stdin")[0] == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("sk-second\n"))
    assert run(capsys, "connection", "add", "srv", "--url", "http://127.0.0.1:7", "--model", "m",
               "--api-key-stdin", "--replace")[0] == 0
    row = listed(capsys)["srv"]
    assert row["base_url"] == "http://127.0.0.1:7" and row["model"] == "m"
    assert "sk-second" in (home / "config" / "secrets.json").read_text()


def test_list_shows_the_url_requests_will_use(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "connection", "add", "bare", "--url", "localhost:8080/")[0] == 0
    assert run(capsys, "connection", "add", "pasted", "--url", "http://127.0.0.1:5001/v1/chat/completions")[0] == 0
    assert run(capsys, "connection", "add", "ollama", "--kind", "ollama", "--url", "http://127.0.0.1:11434/v1",
               "--mode", "text")[0] == 0
    rows = listed(capsys)
    assert rows["bare"]["base_url"] == "localhost:8080/"  # stored as typed, the JSON shape unchanged
    assert rows["bare"]["url_used"] == "http://127.0.0.1:8080/v1"
    assert rows["pasted"]["url_used"] == "http://127.0.0.1:5001/v1"
    assert rows["ollama"]["url_used"] == "http://127.0.0.1:11434"  # the native API has no /v1
    _, out, _ = run(capsys, "connection", "list")
    line = next(line for line in out.splitlines() if " bare " in line)
    assert "http://127.0.0.1:8080/v1" in line and "localhost:8080/" not in line


@pytest.mark.parametrize(
    ("kind", "typed", "used"),
    [
        ("openai-compatible", "", "http://127.0.0.1:8080/v1"),
        ("openai-compatible", "https://api.example.com", "https://api.example.com/v1"),
        ("openai-compatible", "https://api.example.com/openai", "https://api.example.com/openai"),
        ("claude", "https://api.anthropic.com/v1/messages", "https://api.anthropic.com/v1"),
        ("demo", "", "demo://local"),
        ("openai-compatible", "ftp://nope", "ftp://nope"),  # unusable: shown as typed, the test says why
    ],
)
def test_used_base_url(kind: str, typed: str, used: str) -> None:
    assert used_base_url(ConnectionProfile(name="x", kind=kind, base_url=typed)) == used
