"""File work the session does for the TUI (which does no file I/O of its own): lorebook names, theme files,
and the $EDITOR round trip."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tavo_tui.session import AppContext
from tavo_tui.session.external_edit import EditorError, run_editor
from tavo_tui.session.theme_files import ThemeDataError, read_theme_data, theme_paths


def test_lorebook_names_are_the_worlds_json_files_sorted(home: Path) -> None:
    ctx = AppContext.open(home)
    assert ctx.lorebook_names() == []  # no worlds/ folder yet
    ctx.worlds_dir.mkdir(parents=True)
    for name in ("moon.json", "Atlas.json", "notes.txt"):
        (ctx.worlds_dir / name).write_text("{}", encoding="utf-8")
    assert ctx.lorebook_names() == ["Atlas", "moon"]


def test_theme_files_are_listed_per_folder_and_bad_ones_say_why(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    (one / "b.json").write_text(json.dumps({"name": "b"}), encoding="utf-8")
    (one / "a.json").write_text("{broken", encoding="utf-8")
    (two / "c.json").write_text("{}", encoding="utf-8")
    paths = theme_paths(one, tmp_path / "missing", two)
    assert [p.name for p in paths] == ["a.json", "b.json", "c.json"]
    assert read_theme_data(one / "b.json") == {"name": "b"}
    with pytest.raises(ThemeDataError, match=r"a\.json: not valid JSON"):
        read_theme_data(one / "a.json")


def fake_editor(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "editor.sh"
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_run_editor_returns_the_edited_text_and_removes_the_file(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    seen = tmp_path / "seen"
    script = fake_editor(tmp_path, f'cat "$1" > "{seen}"; echo "edited" >> "$1"; echo "$1" >> "{seen}"')
    monkeypatch.setenv("VISUAL", str(script))
    assert run_editor("draft\n") == "draft\nedited\n"
    original, temp = seen.read_text(encoding="utf-8").splitlines()
    assert original == "draft" and not Path(temp).exists()
    monkeypatch.setenv("VISUAL", str(fake_editor(tmp_path, "exit 3")))
    with pytest.raises(EditorError, match="status 3"):
        run_editor("kept")
