"""The preset facade: shipped and user presets by name, save/delete, import from SillyTavern files and folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tavo_tui.model import ConnectionProfile
from tavo_tui.prompt.settings import PromptSettings
from tavo_tui.prompt.templates import InstructTemplate, SystemPromptPreset
from tavo_tui.session import AppContext
from tavo_tui.session.errors import StoreError
from tavo_tui.session.presets import (
    delete_preset,
    get_instruct,
    get_preset,
    get_sysprompt,
    import_presets,
    list_presets,
    save_preset,
)

CARD = Path(__file__).resolve().parents[2] / "sample_cards" / "grimble.json"


def write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), "utf-8")
    return path


def origins(ctx: AppContext, kind: str) -> dict[str, str]:
    return {e.name: e.origin for e in list_presets(ctx, kind)}


def test_out_of_the_box_every_kind_lists_shipped_presets(home: Path) -> None:
    ctx = AppContext.open(home)
    assert origins(ctx, "sysprompt")["Neutral - Chat"] == "shipped"
    assert origins(ctx, "instruct")["Llama 4 Instruct"] == "shipped"
    assert set(origins(ctx, "context").values()) == {"shipped"}
    assert PromptSettings().sysprompt_name == "Neutral - Chat"  # SillyTavern's default, in effect


def test_save_get_and_delete_a_user_preset_and_an_edited_shipped_one(home: Path) -> None:
    ctx = AppContext.open(home)
    mine = save_preset(ctx, SystemPromptPreset(name="Terse", content="Answer as {{char}} in one line."))
    assert (mine.name, mine.origin) == ("Terse", "user")
    assert get_sysprompt(ctx, "terse").content == "Answer as {{char}} in one line."
    stored = json.loads((home / "data" / "presets" / "sysprompt" / "Terse.json").read_text("utf-8"))
    assert stored == {"name": "Terse", "content": "Answer as {{char}} in one line.", "post_history": ""}

    edited = save_preset(ctx, get_instruct(ctx, "Phi").model_copy(update={"stop_sequence": "<|x|>"}))
    assert edited.origin == "edited" and origins(ctx, "instruct")["Phi"] == "edited"
    assert get_instruct(ctx, "Phi").stop_sequence == "<|x|>"
    assert delete_preset(ctx, "instruct", "Phi") and get_instruct(ctx, "Phi").stop_sequence == "<|end|>"
    assert not delete_preset(ctx, "instruct", "Phi")


def test_unknown_names_and_damaged_files_are_one_line_errors(home: Path) -> None:
    ctx = AppContext.open(home)
    with pytest.raises(StoreError, match="No Such"):
        get_preset(ctx, "sysprompt", "No Such")
    write(home / "data" / "presets" / "instruct" / "Broken.json", {"wrap": "not a bool"})
    with pytest.raises(StoreError, match="invalid") as info:
        get_preset(ctx, "instruct", "Broken")
    assert "\n" not in str(info.value)
    with pytest.raises(StoreError, match="cannot be a preset name"):
        save_preset(ctx, SystemPromptPreset(name="///", content="x"))


def test_import_a_sillytavern_folder(home: Path, tmp_path: Path, reference: Path) -> None:
    ctx = AppContext.open(home)
    st = tmp_path / "default-user"
    write(st / "instruct" / "My Format.json", {"name": "My Format", "input_sequence": "<u>", "output_sequence": "<a>"})
    write(st / "sysprompt" / "Grim.json", {"name": "Grim", "content": "Be grim.", "post_history": "Stay grim."})
    shipped_file = reference / "st-presets" / "context" / "ChatML.json"
    write(st / "context" / "ChatML.json", json.loads(shipped_file.read_text("utf-8")))
    write(st / "OpenAI Settings" / "Default.json", {"prompts": []})  # not looked at: not a preset folder
    write(st / "settings.json", {"power_user": {}})
    report = import_presets(ctx, st)
    assert sorted((e.kind, e.name) for e in report.imported) == [("instruct", "My Format"), ("sysprompt", "Grim")]
    assert [(e.kind, e.name) for e in report.same_as_shipped] == [("context", "ChatML")]
    assert len(report.skipped) == 1 and "settings.json" in report.skipped[0]
    assert get_instruct(ctx, "My Format").input_sequence == "<u>"
    assert get_sysprompt(ctx, "Grim").post_history == "Stay grim."
    assert not (home / "data" / "presets" / "context").exists()  # equal to shipped: nothing stored


def test_import_one_file_old_shapes_and_a_master_export(home: Path, tmp_path: Path) -> None:
    ctx = AppContext.open(home)
    old = write(tmp_path / "Old.json", {"name": "Old", "input_sequence": "### I:", "separator_sequence": "</s>",
                                         "names": True})
    report = import_presets(ctx, old)
    assert [e.name for e in report.imported] == ["Old"]
    imported = get_instruct(ctx, "Old")
    assert (imported.output_suffix, imported.names_behavior) == ("</s>", "always")
    master = write(tmp_path / "export.json", {
        "instruct": {"name": "Phi", "input_sequence": "<|user|>\n", "output_sequence": "<|assistant|>\n"},
        "context": {"name": "Mine", "story_string": "{{description}}"},
        "sysprompt": {"name": "Both", "content": "Hi."},
        "reasoning": {"name": "x", "prefix": "<think>"},
    })
    report = import_presets(ctx, master)
    assert sorted((e.kind, e.name, e.origin) for e in report.imported) == [
        ("context", "Mine", "user"), ("instruct", "Phi", "edited"), ("sysprompt", "Both", "user")]
    with pytest.raises(StoreError, match="no such"):
        import_presets(ctx, tmp_path / "missing")


def test_a_user_sysprompt_and_instruct_chosen_by_name_shape_the_prompt(home: Path) -> None:
    ctx = AppContext.open(home)
    ctx.profiles.save(ConnectionProfile(name="text", kind="llamacpp", base_url="http://127.0.0.1:9",
                                        mode="text", instruct="Mine"))
    save_preset(ctx, SystemPromptPreset(name="Grim", content="Be grim, {{char}}."))
    save_preset(ctx, InstructTemplate(name="Mine", input_sequence="<<U>>", output_sequence="<<A>>"))
    session = ctx.open_chat(CARD, "text", new=True, persist=False)
    session.settings = PromptSettings(sysprompt_name="Grim")
    text = session.build_prompt("normal", "hello").text
    assert f"Be grim, {session.card.name}." in text
    assert "<<U>>\nhello" in text and text.endswith("<<A>>\n")
    delete_preset(ctx, "sysprompt", "Grim")  # now unknown: the engine falls back to its default and says so
    fallback = session.build_prompt("normal", "hello")
    assert "Write " in fallback.text and any("unknown system prompt" in n for n in fallback.notes)
    write(home / "data" / "presets" / "sysprompt" / "Grim.json", {"content": ["not", "text"]})
    damaged = session.build_prompt("normal", "hello")
    assert any("Grim" in n and "not used" in n for n in damaged.notes) and "Write " in damaged.text


def test_a_preset_file_keeps_its_own_name_so_its_context_pairs(home: Path, tmp_path: Path, reference: Path) -> None:
    ctx = AppContext.open(home)
    source = reference / "st-presets" / "instruct" / "Libra-32B.json"
    copy = write(tmp_path / "instruct_libra.json", json.loads(source.read_text("utf-8")))
    assert get_instruct(ctx, str(copy)).name == "Libra-32B"
    nameless = write(tmp_path / "Plain.json", {"content": "x"})
    assert get_sysprompt(ctx, str(nameless)).name == "Plain"
