"""Importing a card that is already in the library: refused (CLI default, TUI asks), replaced, kept as a
second file, or skipped; "already there" means the same bytes or the same file name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tavo_tui.cli import main
from tavo_tui.session import AppContext
from tavo_tui.session import library as lib


def card(folder: Path, file_name: str, name: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / file_name
    path.write_text(json.dumps({"spec": "chara_card_v2", "spec_version": "2.0",
                                "data": {"name": name, "first_mes": "Hi."}}), encoding="utf-8")
    return path


def test_duplicates_by_bytes_or_name_follow_the_choice(home: Path, tmp_path: Path) -> None:
    ctx = AppContext.open(home=home)
    first = card(tmp_path / "a", "ada.json", "Ada")
    assert [p.name for p in lib.import_cards(ctx, [first], duplicates="refuse").imported] == ["ada.json"]
    renamed_copy = tmp_path / "a" / "copy of ada.json"
    renamed_copy.write_bytes(first.read_bytes())
    newer = card(tmp_path / "b", "ada.json", "Ada v2")  # same file name, other content
    report = lib.import_cards(ctx, [renamed_copy, newer], duplicates="refuse")
    cards_dir = ctx.paths.cards_dir
    assert report.imported == [] and report.duplicates == [(renamed_copy, cards_dir / "ada.json"),
                                                          (newer, cards_dir / "ada.json")]
    assert "2 already in the library" in report.summary()
    assert lib.import_cards(ctx, [newer], duplicates="skip").imported == []
    replaced = lib.import_cards(ctx, [newer], duplicates="replace")
    assert replaced.replaced == [cards_dir / "ada.json"] and b"Ada v2" in (cards_dir / "ada.json").read_bytes()
    assert [p.name for p in lib.import_cards(ctx, [newer], duplicates="keep").imported] == ["ada (2).json"]
    assert sorted(p.name for p in cards_dir.iterdir() if not p.name.startswith(".")) == ["ada (2).json", "ada.json"]


def test_cli_refuses_a_duplicate_with_the_flag_to_use(home: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    src = card(tmp_path / "in", "bo.json", "Bo")
    assert main(["card", "import", str(src)]) == 0
    capsys.readouterr()
    assert main(["card", "import", str(src)]) == 1
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"FAIL {src}: already in the library as ") and out.endswith(
        "; pass --on-duplicate replace, keep-both or skip")
    assert main(["card", "import", str(src), "--on-duplicate", "keep-both"]) == 0
    assert "bo (2).json" in capsys.readouterr().out
    assert main(["card", "import", str(src), "--on-duplicate", "skip"]) == 0
    assert "already in the library" in capsys.readouterr().err
