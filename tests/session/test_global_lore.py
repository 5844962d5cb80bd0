"""Global lorebooks and stored world-info settings in every chat's prompt, and the inspector's lore report saying
which book (and which source) each entry comes from."""

from __future__ import annotations

import json
from pathlib import Path

from tavo_tui.model import Lorebook, LorebookEntry
from tavo_tui.session import AppContext
from tavo_tui.session import world_info as wi
from tavo_tui.session.lore_report import lore_report, lore_sources

ROOT = Path(__file__).resolve().parents[2]
GRIMBLE = ROOT / "sample_cards" / "grimble.json"


def store_book(ctx: AppContext, tmp_path: Path, name: str, key: str, content: str) -> None:
    source = tmp_path / f"{name}.json"
    source.write_text(json.dumps({"entries": {"0": {"uid": 0, "key": [key], "content": content, "order": 50}}}),
                      "utf-8")
    wi.import_book(ctx, source)


def test_report_names_each_entrys_book_and_source(home: Path, tmp_path: Path) -> None:
    ctx = AppContext.open(home)
    store_book(ctx, tmp_path, "Realm", "lantern", "REALM-LORE")
    store_book(ctx, tmp_path, "Chatbook", "lantern", "CHAT-LORE")
    wi.set_global(ctx, ["Realm"])
    session = ctx.open_chat(GRIMBLE, persist=False)
    session.card = session.card.model_copy(update={"character_book": Lorebook(name="Inn", entries=[
        LorebookEntry(keys=["lantern"], content="INN-LORE", insertion_order=10, enabled=True)])})
    session.metadata["world_info"] = "Chatbook"
    prompt = session.build_prompt(pending="Is the lantern lit?")
    text = "\n".join(s.content for s in prompt.sections)
    assert all(marker in text for marker in ("REALM-LORE", "CHAT-LORE", "INN-LORE"))
    lines = lore_report(session, prompt, "Is the lantern lit?")
    assert {(line.book, line.scope, line.status) for line in lines} == {
        ("Realm", "global", "fired"), ("Inn", "character", "fired"), ("lorebook", "chat", "fired")}
    assert [scope for scope, _, _ in lore_sources(lines)] == ["chat", "character", "global"]


def test_stored_settings_reach_the_engine_and_a_damaged_file_falls_back(home: Path) -> None:
    ctx = AppContext.open(home)
    wi.update_settings(ctx, {"depth": 7, "character_strategy": "sorted_evenly", "budget_cap": 300})
    session = ctx.open_chat(GRIMBLE, persist=False)
    settings = session.prompt_settings().world_info
    assert (settings.depth, settings.character_strategy, settings.budget_cap) == (7, 0, 300)
    assert session.prompt_settings().world_info is settings  # unchanged file: the same object (engine caches)
    (home / "data" / "worldinfo.json").write_text("{broken", "utf-8")
    assert session.prompt_settings().world_info.depth == 2  # SillyTavern's default; `worldinfo settings` explains


def test_worldinfo_json_wins_over_a_sessions_own_copy_of_the_settings(home: Path) -> None:
    from tavo_tui.prompt.settings import PromptSettings, WorldInfoSettings

    ctx = AppContext.open(home)
    session = ctx.open_chat(GRIMBLE, persist=False)
    # As the TUI's editors keep them (prompt_settings.json): a whole PromptSettings, world info included.
    session.settings = PromptSettings(sysprompt_name="Roleplay - Simple", world_info=WorldInfoSettings(depth=9))
    assert session.prompt_settings().world_info.depth == 9  # no worldinfo.json yet: the session's own
    wi.update_settings(ctx, {"depth": 4})
    settings = session.prompt_settings()
    assert settings.world_info.depth == 4 and settings.sysprompt_name == "Roleplay - Simple"
    assert session.prompt_settings() is settings  # unchanged inputs: the same object


def test_a_linked_world_file_is_the_characters_lore_and_is_loaded_once(home: Path, tmp_path: Path) -> None:
    from tavo_tui.prompt.settings import PromptSettings

    ctx = AppContext.open(home)
    store_book(ctx, tmp_path, "Linked", "lantern", "LINKED-LORE")
    session = ctx.open_chat(GRIMBLE, persist=False)
    session.card = session.card.model_copy(update={"character_book": None,
                                                   "extensions": {**session.card.extensions, "world": "Linked"}})
    session.metadata["world_info"] = "Linked"  # also the chat's book: still one copy, the character's
    prompt = session.build_prompt(pending="the lantern")
    assert "\n".join(s.content for s in prompt.sections).count("LINKED-LORE") == 1
    assert [(line.book, line.scope) for line in lore_report(session, prompt, "the lantern")] == [
        ("Linked", "character")]
    session.settings = PromptSettings(use_card_lorebook=False)  # the card's lore off: the chat's copy stands
    assert [(line.book, line.scope) for line in lore_report(session, session.build_prompt(pending="the lantern"),
                                                            "the lantern")] == [("lorebook", "chat")]
    session.settings = None
    wi.set_global(ctx, ["Linked"])  # selected globally too: SillyTavern counts it as global
    assert [(line.book, line.scope) for line in lore_report(session, session.build_prompt(pending="the lantern"),
                                                            "the lantern")] == [("Linked", "global")]
