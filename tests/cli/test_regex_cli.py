"""`tavo-tui regex ...`: the global regex scripts and a card's own ones, from a shell (in-process, fast)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tavo_tui.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def script(name: str, find: str, **more: object) -> dict[str, object]:
    return {"id": f"id-{name}", "scriptName": name, "findRegex": find, "replaceString": "X", "placement": [2],
            "disabled": False, "markdownOnly": False, "promptOnly": False, "runOnEdit": True,
            "substituteRegex": 0, "minDepth": None, "maxDepth": None, "trimStrings": [], **more}


def test_import_list_export_round_trip(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one = tmp_path / "one.json"
    one.write_text(json.dumps(script("Shout", "hello", futureKey={"kept": True})), "utf-8")
    many = tmp_path / "many.json"
    many.write_text(json.dumps([script("Quiet", "HELLO", placement=[1, 5]), script("Trim", "\\s+$")]), "utf-8")
    code, out, _ = run(capsys, "regex", "import", str(one), str(many))
    assert code == 0 and "imported 3" in out
    code, out, _ = run(capsys, "regex", "list", "--json")
    rows = json.loads(out)
    assert [r["name"] for r in rows] == ["Shout", "Quiet", "Trim"] and rows[1]["placement"] == [1, 5]
    code, out, _ = run(capsys, "regex", "list")
    assert code == 0 and "Quiet" in out and "user input, world info" in out
    # One script exports as SillyTavern's single-script file, unknown keys kept; all of them as a list.
    target = tmp_path / "out.json"
    code, _, _ = run(capsys, "regex", "export", "Shout", "-o", str(target))
    assert code == 0 and json.loads(target.read_text("utf-8")) == json.loads(one.read_text("utf-8"))
    code, out, _ = run(capsys, "regex", "export")
    assert [s["scriptName"] for s in json.loads(out)] == ["Shout", "Quiet", "Trim"]


def test_enable_disable_remove_and_bad_refs(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "s.json"
    source.write_text(json.dumps([script("A", "a"), script("B", "b")]), "utf-8")
    assert run(capsys, "regex", "import", str(source))[0] == 0
    assert run(capsys, "regex", "disable", "2")[0] == 0
    rows = json.loads(run(capsys, "regex", "list", "--json")[1])
    assert [r["disabled"] for r in rows] == [False, True]
    assert run(capsys, "regex", "enable", "id-B")[0] == 0
    assert not json.loads(run(capsys, "regex", "list", "--json")[1])[1]["disabled"]
    code, out, _ = run(capsys, "regex", "remove", "A")
    assert code == 0 and "removed 'A'" in out
    assert [r["name"] for r in json.loads(run(capsys, "regex", "list", "--json")[1])] == ["B"]
    for argv in (("remove", "nope"), ("enable", "9"), ("export", "nope")):
        code, out, err = run(capsys, "regex", *argv)
        assert code == 2 and "no regex script" in err and err.count("\n") == 1 and "Traceback" not in err
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", "utf-8")
    code, _, err = run(capsys, "regex", "import", str(bad))
    assert code == 2 and "not valid JSON" in err and err.count("\n") == 1
    assert [r["name"] for r in json.loads(run(capsys, "regex", "list", "--json")[1])] == ["B"]  # nothing lost


def test_card_scripts_allow_and_deny(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    card = tmp_path / "Rex.json"
    card.write_text(json.dumps({"spec": "chara_card_v2", "spec_version": "2.0", "data": {
        "name": "Rex", "description": "a dog", "first_mes": "Woof.",
        "extensions": {"regex_scripts": [script("Bark", "woof")]}}}), "utf-8")
    code, out, _ = run(capsys, "regex", "card", str(card), "--json")
    data = json.loads(out)
    assert code == 0 and data["allowed"] is False and [s["name"] for s in data["scripts"]] == ["Bark"]
    assert run(capsys, "regex", "allow", str(card))[0] == 0
    assert json.loads(run(capsys, "regex", "card", str(card), "--json")[1])["allowed"] is True
    code, out, _ = run(capsys, "regex", "card", str(card))
    assert code == 0 and "1 script(s), allowed to run" in out
    assert run(capsys, "regex", "deny", str(card))[0] == 0
    assert json.loads(run(capsys, "regex", "card", str(card), "--json")[1])["allowed"] is False
    code, _, err = run(capsys, "regex", "card", str(tmp_path / "missing.png"))
    assert code == 2 and "no card at" in err
