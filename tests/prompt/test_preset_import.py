"""SillyTavern chat-completion presets import as they are: prompts, order and enabled flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tavo_tui.cards import read_card
from tavo_tui.cli import main
from tavo_tui.prompt.preset_import import chat_preset_from_sillytavern, load_chat_preset
from tavo_tui.prompt.settings import ChatCompletionPreset
from tavo_tui.prompt.templates import PresetError

GRIMBLE = Path(__file__).resolve().parents[2] / "sample_cards" / "grimble.json"


def st_default(reference: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((reference / "st-golden" / "inputs" / "openai_preset_Default.json").read_text())


def test_sillytavern_default_preset_equals_the_builtin_default(reference: Path) -> None:
    imported = chat_preset_from_sillytavern(st_default(reference))
    builtin = ChatCompletionPreset()
    assert [(p.identifier, p.enabled, p.content, p.role) for p in imported.prompts] == \
        [(p.identifier, p.enabled, p.content, p.role) for p in builtin.prompts]
    assert imported.new_chat_prompt == builtin.new_chat_prompt


def prompt_messages(capsys: pytest.CaptureFixture[str], *extra: str) -> list[dict]:  # type: ignore[type-arg]
    capsys.readouterr()
    assert main(["prompt", "--card", str(GRIMBLE), "-m", "hi", "--json", "--offline-tokens", *extra]) == 0
    return json.loads(capsys.readouterr().out)["body"]["messages"]  # type: ignore[no-any-return]


def test_preset_flag_reorders_disables_and_rewrites(home: Path, reference: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    data = st_default(reference)
    plain = prompt_messages(capsys)
    assert prompt_messages(capsys, "--preset", str(_write(tmp_path / "same.json", data))) == plain

    order = next(o for o in data["prompt_order"] if o["character_id"] == 100001)["order"]
    for item in order:
        if item["identifier"] == "charPersonality":
            item["enabled"] = False
    main_item = next(i for i in order if i["identifier"] == "main")
    order.remove(main_item)
    order.insert(order.index(next(i for i in order if i["identifier"] == "chatHistory")) + 1, main_item)
    next(p for p in data["prompts"] if p["identifier"] == "main")["content"] = "Stay in character, {{char}}."
    changed = prompt_messages(capsys, "--preset", str(_write(tmp_path / "changed.json", data)))
    contents = [m["content"] for m in changed]
    personality = read_card(GRIMBLE).card.personality.strip()
    assert personality and any(personality in m["content"] for m in plain)
    assert not any(personality in c for c in contents)  # disabled in the preset
    assert contents[-1] == "Stay in character, Grimble."  # main prompt moved after the history
    assert contents[-2] == "hi"


def test_not_a_preset_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PresetError, match="no prompts"):
        load_chat_preset(_write(tmp_path / "x.json", {"name": "not a preset"}))


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path
