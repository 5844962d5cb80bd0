"""A bare `tavo-tui` on a new home: the sample cards land in cards/ and the welcome is asked for; not with
--library, --card or once the user has their own things."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tavo_tui.cli import main
from tavo_tui.store.samples import bundled_samples


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Stands in for the TUI: records how it would have been started."""
    calls: list[dict[str, Any]] = []

    def fake_run_tui(ctx: Any, card_path: Path | None = None, connection: str | None = None, *,
                     welcome: bool = False) -> int:
        calls.append({"cards": sorted(p.name for p in ctx.card_paths()), "welcome": welcome, "card": card_path})
        return 0

    monkeypatch.setattr("tavo_tui.ui.app.run_tui", fake_run_tui)
    return calls


def test_bare_start_on_a_new_home_seeds_samples_and_welcomes(home: Path, launched: list[dict[str, Any]]) -> None:
    assert main(["--home", str(home)]) == 0
    names = sorted(f.name for f in bundled_samples())
    assert launched == [{"cards": names, "welcome": True, "card": None}]
    assert sorted(p.name for p in (home / "data" / "cards").iterdir()) == names


def test_library_flag_and_card_flag_skip_seeding_or_welcome(home: Path, tmp_path: Path,
                                                           launched: list[dict[str, Any]]) -> None:
    empty = tmp_path / "lib"
    empty.mkdir()
    assert main(["--home", str(home), "--library", str(empty)]) == 0
    assert launched[-1]["cards"] == [] and launched[-1]["welcome"] is True
    assert not (home / "data" / "cards").exists()
    card = next(f for f in (Path(__file__).resolve().parents[2] / "sample_cards").iterdir())
    assert main(["--home", str(home), "--card", str(card)]) == 0
    assert launched[-1]["welcome"] is False
