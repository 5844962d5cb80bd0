"""`tavo-tui import` brings SillyTavern's world_info_settings (global lorebooks, scan settings) over to
worldinfo.json, and keeps settings already made here."""

from __future__ import annotations

import json
from pathlib import Path

from tavo_tui.session import AppContext
from tavo_tui.session import world_info as wi
from tavo_tui.session.migration import import_sillytavern
from tests.session.st_folder import build_st_folder


def test_world_info_settings_come_over_once(home: Path, tmp_path: Path, corpus: Path, reference: Path) -> None:
    user = build_st_folder(tmp_path / "SillyTavern" / "data" / "default-user", corpus, reference / "st-presets")
    settings = json.loads((user / "settings.json").read_text("utf-8"))
    settings["world_info_settings"] = {"world_info": {"globalSelect": ["Eldoria"]}, "world_info_depth": 5,
                                       "world_info_character_strategy": 2, "world_info_budget": 40,
                                       "world_info_future_knob": True}
    (user / "settings.json").write_text(json.dumps(settings), "utf-8")
    ctx = AppContext.open(home)
    summary = import_sillytavern(ctx, tmp_path / "SillyTavern")
    items = {i.source: (i.status, i.target) for i in summary.items}
    assert items["settings.json: world_info_settings"] == ("imported", "data/worldinfo.json")
    assert wi.global_selection(ctx) == ["Eldoria"]
    view = wi.settings_view(ctx)
    assert (view["depth"], view["character_strategy"], view["budget"]) == (5, "global_first", 40)
    stored = json.loads((home / "data" / "worldinfo.json").read_text("utf-8"))
    assert stored["world_info_future_knob"] is True  # a key tavo-tui does not know is kept
    # The imported global book is in every chat's lorebooks.
    assert [getattr(b, "world", None) for b in ctx.open_chat(ctx.card_paths()[0], persist=False).lorebooks()] == [
        "Eldoria"]
    wi.update_settings(ctx, {"depth": 9})
    again = import_sillytavern(ctx, tmp_path / "SillyTavern")
    assert {i.source: i.status for i in again.items}["settings.json: world_info_settings"] == "present"
    assert wi.settings_view(ctx)["depth"] == 9
