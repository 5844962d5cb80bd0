"""The editors' service side: lossless lorebook editing, kept prompt settings, section -> edit target."""

from __future__ import annotations

import json
from pathlib import Path

from tavo_tui.model import LorebookEntry, PromptSection
from tavo_tui.session import AppContext
from tavo_tui.session.workshop import (
    apply_instruct,
    apply_prompts,
    current_settings,
    save_card,
    use_saved_settings,
)
from tavo_tui.session.workshop_lore import (
    BookDoc,
    BookRef,
    EntryFields,
    apply_card_entry,
    apply_world_entry,
    books_for,
    card_entry_fields,
    open_book,
    read_world,
    save_book,
    world_entry_fields,
)
from tavo_tui.session.workshop_sources import EditTarget, edit_target, lore_target
from tests.ui.helpers import write_card


def _ctx(home: Path, tmp_path: Path, **card: object) -> tuple[AppContext, Path]:
    folder = tmp_path / "lib"
    folder.mkdir(exist_ok=True)
    path = write_card(folder, "alice.json", **card)
    return AppContext.open(home=home, library=[folder]), path


def test_an_unchanged_world_entry_is_written_back_byte_for_byte(corpus: Path) -> None:
    data = read_world(corpus / "worldinfo" / "st_Eldoria_2024.json")
    original = json.dumps(data, sort_keys=True)
    doc = BookDoc(BookRef("world", "Eldoria", "Eldoria"), world=data)
    for entry_id, fields in doc.entries():
        doc.set(entry_id, fields)
    assert json.dumps(doc.as_world_json(), sort_keys=True) == original


def test_a_world_entry_edit_changes_that_field_and_keeps_unknown_keys() -> None:
    raw = {"uid": 3, "key": ["tower"], "content": "Old.", "vectorized": True, "automationId": "x",
           "characterFilter": {"names": ["Bob"]}}
    fields = world_entry_fields(raw)
    assert fields.position == 0 and fields.probability == 100  # SillyTavern's defaults for missing keys
    edited = fields.model_copy(update={"content": "New.", "sticky": 2, "keysecondary": ["stone"],
                                       "selectiveLogic": 3})
    out = apply_world_entry(raw, edited)
    assert out == {**raw, "content": "New.", "sticky": 2, "keysecondary": ["stone"], "selectiveLogic": 3}


def test_a_card_book_entry_keeps_v2_names_and_puts_sillytavern_fields_in_extensions() -> None:
    entry = LorebookEntry(keys=["moon"], content="Pale.", insertion_order=5, position="before_char",
                          extensions={"depth": 2, "custom_tool": {"a": 1}}, comment="moon")
    fields = card_entry_fields(entry)
    assert (fields.key, fields.order, fields.position, fields.depth) == (["moon"], 5, 0, 2)
    assert apply_card_entry(entry, fields) == entry  # nothing changed, nothing written
    edited = fields.model_copy(update={"position": 4, "role": 1, "disable": True, "group": "sky", "order": 9})
    out = apply_card_entry(entry, edited)
    assert out.enabled is False and out.insertion_order == 9 and out.position == "after_char"
    assert out.extensions == {"depth": 2, "custom_tool": {"a": 1}, "position": 4, "role": 1, "group": "sky"}


def test_card_book_add_find_delete_and_world_export(home: Path, tmp_path: Path) -> None:
    ctx, path = _ctx(home, tmp_path, character_book={"name": "Cape", "entries": [
        {"keys": ["lamp"], "content": "The lamp.", "id": 7, "insertion_order": 100, "enabled": True,
         "extensions": {}}]})
    session = ctx.open_chat(path, persist=False)
    refs = books_for(session)
    assert [r.kind for r in refs] == ["card"] and refs[0].name == "Cape"
    doc = open_book(session, refs[0])
    assert doc.find("7") == "0" and doc.find("0") is None
    new = doc.add(EntryFields(key=["storm"], content="Wind.", comment="storm"))
    assert [f.comment for _, f in doc.entries()] == ["", "storm"]
    world = doc.as_world_json()
    assert world["name"] == "Cape" and world["entries"]["1"]["key"] == ["storm"]
    doc.delete("0")
    save_book(session, doc)
    assert [e.keys for e in session.card.character_book.entries] == [["storm"]]  # type: ignore[union-attr]
    assert new == "1"
    reread = ctx.load_card(path)
    assert [e.content for e in reread.character_book.entries] == ["Wind."]  # type: ignore[union-attr]


def test_a_world_file_saved_from_the_editor_is_used_by_the_next_prompt(home: Path, tmp_path: Path) -> None:
    ctx, path = _ctx(home, tmp_path)
    ctx.worlds_dir.mkdir(parents=True)
    (ctx.worlds_dir / "Cape.json").write_text(json.dumps({"entries": {"0": {
        "uid": 0, "key": ["x"], "content": "LAMPLORE", "constant": True, "extra": 1}}}))
    session = ctx.open_chat(path, persist=False)
    session.set_lorebook("Cape")
    ref = books_for(session)[0]
    assert ref.label == "Cape (chat's lorebook)"
    doc = open_book(session, ref)
    doc.set("0", doc.get("0").model_copy(update={"content": "FOGLORE"}))
    save_book(session, doc)
    assert "FOGLORE" in json.dumps(session.inspect().prompt.messages)
    assert json.loads((ctx.worlds_dir / "Cape.json").read_text())["entries"]["0"]["extra"] == 1


def test_prompt_manager_edits_are_used_and_kept_for_the_next_session(home: Path, tmp_path: Path) -> None:
    ctx, path = _ctx(home, tmp_path)
    session = ctx.open_chat(path, persist=False)
    prompts = current_settings(session).chat_completion.prompts
    prompts[0] = prompts[0].model_copy(update={"content": "MAIN-EDITED"})
    apply_prompts(session, prompts)
    assert session.inspect().prompt.messages[0]["content"] == "MAIN-EDITED"
    again = ctx.open_chat(path, persist=False)
    assert again.inspect().prompt.messages[0]["content"] != "MAIN-EDITED"  # not applied until asked
    use_saved_settings(again)
    assert again.inspect().prompt.messages[0]["content"] == "MAIN-EDITED"


def test_instruct_options_change_the_text_prompt(home: Path, tmp_path: Path) -> None:
    from tavo_tui.model import ConnectionProfile

    ctx, path = _ctx(home, tmp_path)
    ctx.profiles.save(ConnectionProfile(name="txt", kind="demo", mode="text", instruct="chatml"))
    session = ctx.open_chat(path, "txt", persist=False)
    apply_instruct(session, "Alpaca", {"last_output_sequence": "### REPLY NOW:"})
    text = session.inspect().prompt.text
    assert text.endswith("### REPLY NOW:\n") or "### REPLY NOW:" in text.splitlines()[-1]
    assert session.profile.instruct == "Alpaca"
    fresh = ctx.open_chat(path, "txt", persist=False)
    use_saved_settings(fresh)
    assert "### REPLY NOW:" in fresh.inspect().prompt.text


def test_card_saved_from_a_session_is_used_at_once(home: Path, tmp_path: Path) -> None:
    ctx, path = _ctx(home, tmp_path, extensions={"keep": {"me": 1}})
    session = ctx.open_chat(path, persist=False)
    card = session.card.model_copy(update={"description": "NEWDESC"})
    save_card(session, card)
    assert any(s.content == "NEWDESC" for s in session.inspect().prompt.sections)
    assert ctx.load_card(path).extensions["keep"] == {"me": 1}


def test_the_card_system_prompt_replacing_main_is_traced_to_the_card(home: Path, tmp_path: Path) -> None:
    ctx, path = _ctx(home, tmp_path, system_prompt="CARD SYSTEM", post_history_instructions="CARD PHI")
    session = ctx.open_chat(path, persist=False)
    sections = {s.source: s for s in session.inspect().prompt.sections}
    assert sections["preset.main"].origin == "card.system_prompt"
    assert sections["preset.jailbreak"].origin == "card.post_history_instructions"
    assert edit_target(sections["preset.main"], frozenset({"main"})) == EditTarget("card", "system_prompt")
    plain = ctx.open_chat(write_card(tmp_path / "lib", "b.json"), persist=False)
    main = next(s for s in plain.inspect().prompt.sections if s.source == "preset.main")
    assert main.origin == "" and edit_target(main, frozenset({"main"})) == EditTarget("prompt", "main")


def test_edit_targets_for_each_kind_of_section() -> None:
    def target(source: str) -> EditTarget | None:
        return edit_target(PromptSection(name=source, source=source, content=""), frozenset({"main", "mine"}))

    assert target("card.description") == EditTarget("card", "description")
    assert target("injection.DEPTH_PROMPT") == EditTarget("card", "depth_prompt")
    assert target("world_info.before") == EditTarget("lore")
    assert target("injection.customDepthWI_4_0") == EditTarget("lore")
    assert target("injection.2_floating_prompt") == EditTarget("authors_note")
    assert target("injection.mine") == EditTarget("prompt", "mine")
    assert target("persona") == EditTarget("persona")
    assert target("context.story_string") == EditTarget("templates", "context")
    assert target("history[3]") is None
    assert lore_target("Eldoria[2] the [old] forest") == EditTarget("lore", "Eldoria", "2")
    assert lore_target("Cape[0]") == EditTarget("lore", "Cape", "0")



def test_world_info_json_in_and_out(home: Path, tmp_path: Path) -> None:
    from tavo_tui.session.workshop_lore import LoreError, export_world, import_world

    ctx, path = _ctx(home, tmp_path)
    session = ctx.open_chat(path, persist=False)
    source = tmp_path / "Moor.json"
    source.write_text(json.dumps({"entries": [{"uid": 5, "key": ["bog"], "content": "Wet.", "odd": 1}]}))
    first = import_world(session, source)
    second = import_world(session, source)
    assert (first.name, second.name) == ("Moor", "Moor (2)")
    doc = open_book(session, first)
    assert doc.entries()[0][0] == "5" and doc.get("5").content == "Wet."
    out = tmp_path / "out.json"
    export_world(doc, out)
    assert json.loads(out.read_text())["entries"] == {"5": {"uid": 5, "key": ["bog"], "content": "Wet.", "odd": 1}}
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    try:
        import_world(session, bad)
    except LoreError as exc:
        assert "not a SillyTavern world-info file" in str(exc)
    else:
        raise AssertionError("a non-world file was imported")
