"""`tavo-tui preset ...` and `prompt --sysprompt`: presets from a shell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tavo_tui.cli import main

from .test_prompt_flags import GRIMBLE, prompt_json


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_sysprompt_by_name_and_by_file(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    default = prompt_json(capsys, "--mode", "text", "-m", "hi")["body"]["prompt"]
    assert "Write Grimble's next reply in a fictional chat between Grimble and" in default  # Neutral - Chat
    named = prompt_json(capsys, "--mode", "text", "--sysprompt", "Text Adventure", "-m", "hi")["body"]["prompt"]
    assert "enter adventure mode" in named.lower() and "fictional chat between" not in named
    preset = tmp_path / "Odd.json"
    preset.write_text(json.dumps({"content": "ODD {{char}}", "post_history": "AFTER"}), "utf-8")
    from_file = prompt_json(capsys, "--mode", "text", "--sysprompt", str(preset), "-m", "hi")["body"]["prompt"]
    assert "ODD Grimble" in from_file and "AFTER" in from_file
    code, _, err = run(capsys, "prompt", "--card", str(GRIMBLE), "--sysprompt", "No Such Prompt")
    assert code == 1 and "No Such Prompt" in err and err.count("\n") == 1


def test_preset_import_list_show_delete(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "st" / "instruct"
    src.mkdir(parents=True)
    (src / "Bracket.json").write_text(json.dumps({"name": "Bracket", "input_sequence": "[U]",
                                                  "output_sequence": "[A]", "wrap": False}), "utf-8")
    code, out, _ = run(capsys, "preset", "import", str(tmp_path / "st"), "--json")
    assert code == 0 and json.loads(out)["imported"] == [{"kind": "instruct", "name": "Bracket", "origin": "user"}]
    code, out, _ = run(capsys, "preset", "list", "instruct", "--json")
    rows = {r["name"]: r["origin"] for r in json.loads(out)}
    assert rows["Bracket"] == "user" and rows["ChatML"] == "shipped" and len(rows) == 39
    code, out, _ = run(capsys, "preset", "show", "instruct", "bracket")
    assert json.loads(out)["input_sequence"] == "[U]"
    text = prompt_json(capsys, "--mode", "text", "--instruct", "Bracket", "-m", "hi")["body"]["prompt"]
    assert "[U]hi" in text and text.endswith("[A]")
    assert run(capsys, "preset", "delete", "instruct", "Bracket")[0] == 0
    code, _, err = run(capsys, "preset", "delete", "instruct", "Bracket")
    assert code == 1 and err.count("\n") == 1


def test_import_of_nothing_useful_fails_clearly(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.json").write_text("[1, 2]", "utf-8")
    code, out, err = run(capsys, "preset", "import", str(tmp_path))
    assert code == 1 and "skipped" in out and "no presets imported" in err
