"""`tavo-tui import sillytavern PATH [--json] [--dry-run]`: what a script sees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tavo_tui.cli import main
from tests.session.st_folder import build_st_folder


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_sillytavern_json_dry_run_and_text(home: Path, tmp_path: Path, corpus: Path, reference: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    user = build_st_folder(tmp_path / "st" / "data" / "default-user", corpus, reference / "st-presets")
    code, out, err = run(capsys, "import", "sillytavern", str(tmp_path / "st"), "--dry-run", "--json")
    assert code == 0, err
    dry = json.loads(out)
    assert set(dry) == {"source", "layout", "dry_run", "counts", "items"}
    assert dry["dry_run"] is True and dry["source"] == str(user) and dry["layout"] == "data"
    assert dry["counts"]["character"] == {"imported": 4, "present": 0, "skipped": 1}
    assert not (home / "data").exists()
    item = next(i for i in dry["items"] if i["source"] == "characters/Aqua.png")
    assert item == {"kind": "character", "source": "characters/Aqua.png", "status": "imported",
                    "target": "cards/Aqua.png", "reason": ""}

    code, out, err = run(capsys, "import", "sillytavern", str(user))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"Imported from {user} (SillyTavern data/ layout):"
    assert lines[1] == "  character:  4 imported, 1 skipped"
    assert "  chats/Ghost/: skipped: 1 chat(s) of a character that is not in characters/" in lines
    assert (home / "data" / "cards" / "Aqua.png").is_file()

    code, out, _ = run(capsys, "import", "sillytavern", str(user), "--json")
    again = json.loads(out)
    assert again["counts"]["character"] == {"imported": 0, "present": 4, "skipped": 1}


def test_import_sillytavern_bad_folder_is_one_line(home: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "import", "sillytavern", str(tmp_path))
    assert code == 1 and out == ""
    assert err == f"tavo-tui: no SillyTavern data in {tmp_path}: expected characters/ or settings.json " \
                  "(in data/<user>/ or, for old versions, public/)\n"
