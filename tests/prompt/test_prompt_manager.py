"""The prompt manager over SillyTavern chat-completion presets: lossless, and edits touch only what they edit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tavo_tui.cli import main
from tavo_tui.prompt.prompt_manager import PromptManager, PromptManagerError
from tavo_tui.session import AppContext
from tavo_tui.session.chat_presets import (
    chat_preset_names,
    export_chat_preset,
    import_chat_preset,
    open_chat_preset,
    save_chat_preset,
)

ROOT = Path(__file__).resolve().parents[2]
GRIMBLE = ROOT / "sample_cards" / "grimble.json"
ST_ORDER = ["main", "worldInfoBefore", "personaDescription", "charDescription", "charPersonality", "scenario",
            "enhanceDefinitions", "nsfw", "worldInfoAfter", "dialogueExamples", "chatHistory", "jailbreak"]


@pytest.fixture
def st_default(reference: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((reference / "st-golden" / "inputs" / "openai_preset_Default.json")
                                      .read_text(encoding="utf-8"))  # fmt: skip
    return data


def test_default_preset_reads_in_sillytavern_order_and_round_trips(st_default: dict[str, Any]) -> None:
    manager = PromptManager(st_default)
    prompts = manager.prompts()
    assert [p.identifier for p in prompts] == ST_ORDER
    enabled = {p.identifier: p.enabled for p in prompts}
    assert enabled["enhanceDefinitions"] is False and enabled["main"] is True
    assert next(p for p in prompts if p.identifier == "chatHistory").marker
    assert manager.to_sillytavern() == st_default
    utility = manager.utility()
    assert utility["continue_postfix"] == " " and utility["assistant_prefill"] == ""
    assert utility["new_chat_prompt"] == "[Start a new Chat]"


def test_edits_change_only_what_they_edit(st_default: dict[str, Any]) -> None:
    manager = PromptManager(st_default)
    manager.set_enabled("enhanceDefinitions", True)
    manager.move("jailbreak", 1)
    manager.edit("main", content="Write {{char}}'s reply.", role="system")
    new = manager.add("Style", "Use short sentences.", "user", index=0)
    manager.set_utility("assistant_prefill", "Sure:")
    manager.set_utility("continue_prefill", True)
    data = manager.to_sillytavern()
    assert {k for k in data if data[k] != st_default.get(k)} == {"prompts", "prompt_order", "assistant_prefill",
                                                                 "continue_prefill"}  # fmt: skip
    order = [p.identifier for p in manager.prompts()]
    assert order[:3] == [new, "main", "jailbreak"] and len(order) == 13
    preset = manager.to_preset()
    assert [p.identifier for p in preset.prompts][:3] == [new, "main", "jailbreak"]
    assert preset.prompts[0].role == "user" and preset.prompts[0].content == "Use short sentences."
    assert next(p for p in preset.prompts if p.identifier == "enhanceDefinitions").enabled
    assert preset.assistant_prefill == "Sure:" and preset.continue_prefill is True
    # The other character's order (100000, SillyTavern's legacy entry) is left alone.
    legacy = [o for o in data["prompt_order"] if o["character_id"] == 100000]
    assert legacy == [o for o in st_default["prompt_order"] if o["character_id"] == 100000]
    manager.delete(new)
    assert new not in json.dumps(manager.to_sillytavern())


def test_refused_edits_say_why(st_default: dict[str, Any]) -> None:
    manager = PromptManager(st_default)
    with pytest.raises(PromptManagerError, match="built-in"):
        manager.delete("main")
    with pytest.raises(PromptManagerError, match="filled by the program"):
        manager.edit("chatHistory", content="x")
    with pytest.raises(PromptManagerError, match="role must be"):
        manager.edit("main", role="narrator")
    with pytest.raises(PromptManagerError, match="no prompt"):
        manager.set_enabled("nope", True)
    with pytest.raises(PromptManagerError, match="must be bool"):
        manager.set_utility("squash_system_messages", "yes")
    assert manager.to_sillytavern() == st_default


def test_preset_without_an_order_gets_one_on_the_first_order_edit() -> None:
    data = {"prompts": [{"identifier": "main", "name": "Main", "content": "A"},
                        {"identifier": "chatHistory", "name": "Chat History", "marker": True}]}  # fmt: skip
    manager = PromptManager(data)
    assert [p.identifier for p in manager.prompts()] == ["main", "chatHistory"]
    manager.move("chatHistory", 0)
    assert manager.to_sillytavern()["prompt_order"] == [
        {"character_id": 100001, "order": [{"identifier": "chatHistory", "enabled": True},
                                           {"identifier": "main", "enabled": True}]}]  # fmt: skip


def test_stored_presets_and_the_cli(home: Path, tmp_path: Path, reference: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    ctx = AppContext.open(home)
    source = reference / "st-golden" / "inputs" / "openai_preset_Default.json"
    assert import_chat_preset(ctx, source, "Default") == "Default"
    export_chat_preset(ctx, "Default", tmp_path / "out.json")
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8")) == json.loads(source.read_text("utf-8"))
    manager = open_chat_preset(ctx, "Default")
    manager.edit("main", content="You narrate for {{char}} in the third person.")
    save_chat_preset(ctx, "Narrator", manager)
    assert chat_preset_names(ctx) == ["Default", "Narrator"]

    assert main(["chat-preset", "show", "Narrator", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [p["identifier"] for p in shown["prompts"]] == ST_ORDER and shown["utility"]["names_behavior"] == 0
    assert main(["prompt", "--card", str(GRIMBLE), "--preset", "Narrator", "--json", "--offline-tokens"]) == 0
    body = json.loads(capsys.readouterr().out)["body"]
    assert body["messages"][0]["content"] == "You narrate for Grimble in the third person."
    assert main(["prompt", "--card", str(GRIMBLE), "--preset", "Missing", "--json"]) == 1
    assert "no chat-completion preset named 'Missing'" in capsys.readouterr().err
