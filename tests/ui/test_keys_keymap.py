"""keymap.json problems are reported at start-up, a colliding entry is refused (both bindings keep their keys),
and everything that names keys (help, the composer's hint, the palette, the leader) follows the keymap."""

from __future__ import annotations

import json
from pathlib import Path

from textual.command import CommandList, CommandPalette

from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp, reserved_keys
from tavo_tui.ui.keys.help import HelpScreen
from tavo_tui.ui.keys.keymap import Reserved, check_keymap
from tavo_tui.ui.keys.leader import LeaderScreen
from tests.ui.helpers import main, screen_text, type_and_send, wait_for, wait_idle


def write_keymap(ctx: AppContext, data: object) -> None:
    folder = Path(ctx.paths.config_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "keymap.json").write_text(json.dumps(data), encoding="utf-8")


def test_a_key_taken_from_another_binding_is_refused_naming_both() -> None:
    checked = check_keymap({"send": "ctrl+s", "jump": "f9"})
    assert checked.keymap == {"send": "ctrl+s"}
    assert len(checked.warnings) == 1
    assert "'jump'" in checked.warnings[0] and "f9" in checked.warnings[0] and "personas" in checked.warnings[0]


def test_moving_the_other_binding_too_resolves_the_collision() -> None:
    checked = check_keymap({"jump": "f9", "personas": "f10"})
    assert checked.warnings == [] and checked.keymap == {"jump": "f9", "personas": "f10"}


def test_keys_in_different_panes_do_not_collide_but_a_global_key_does() -> None:
    assert check_keymap({"conn.test": "r"}).warnings == []  # r is the chat log's, another pane
    refused = check_keymap({"conn.test": "ctrl+t"})  # the screen's ctrl+t works in every pane
    assert refused.keymap == {} and "test-connection" in refused.warnings[0]


def test_unknown_ids_and_ids_without_a_direct_key_are_reported() -> None:
    checked = check_keymap({"sendd": "ctrl+s", "cards-sort": "f6"}, other_ids=lambda: {"edit-save"})
    assert checked.keymap == {}
    assert any("unknown binding id 'sendd'" in w for w in checked.warnings)
    assert any("'cards-sort'" in w and "'leader.cards-sort'" in w for w in checked.warnings)


def test_a_dialogs_binding_id_is_known() -> None:
    assert check_keymap({"edit-save": "ctrl+w"}, other_ids=lambda: {"edit-save"}).keymap == {"edit-save": "ctrl+w"}


def test_leader_keys_are_remapped_by_id_and_checked_per_overlay() -> None:
    assert check_keymap({"leader.regenerate": "z"}).keymap == {"leader.regenerate": "z"}
    clash = check_keymap({"leader.regenerate": "d"})  # d deletes messages after the leader
    assert clash.keymap == {} and "leader.delete-messages" in clash.warnings[0]
    # The library's overlay does not offer the chat's actions: r is free there, and x is the chat's to take.
    assert check_keymap({"leader.cards-sort": "r"}).warnings == []
    assert "leader.cards-export" in check_keymap({"leader.cards-sort": "x"}).warnings[0]


def test_textual_and_widget_keys_are_not_taken() -> None:
    reserved = reserved_keys()
    assert Reserved("ctrl+p", "the command palette") in reserved
    palette = check_keymap({"new-chat": "ctrl+p"}, reserved=reserved)
    assert palette.keymap == {} and "command palette" in palette.warnings[0]
    select_line = check_keymap({"toggle-cards": "f6"}, reserved=reserved)  # the composer's f6 selects a line
    assert select_line.keymap == {} and "composer" in select_line.warnings[0].lower()
    assert check_keymap({"scroll-chat-up": "pageup"}, reserved=reserved).warnings == []  # replaced on purpose


async def test_keymap_problems_are_shown_at_start_up(ctx: AppContext, alice: Path) -> None:
    write_keymap(ctx, {"send": "ctrl+s", "jump": "f9", "nope": "f6"})
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        messages = [str(n.message) for n in app._notifications]
        assert any("'jump'" in m and "personas" in m for m in messages)
        assert any("'nope'" in m for m in messages)
        await pilot.press("f9")  # personas kept its key
        await wait_for(pilot, lambda: type(app.screen).__name__ == "PersonasScreen")


async def test_a_remapped_send_key_is_what_the_hints_say(ctx: AppContext, alice: Path) -> None:
    write_keymap(ctx, {"send": "ctrl+s", "leader.regenerate": "z"})
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        assert screen.composer.placeholder == "Write a message — ctrl+s sends, enter adds a line"
        # Help lists the keys in force.
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        rows = {row.binding_id: row for row in app.screen.rows}  # type: ignore[attr-defined]
        assert rows["send"].keys == "ctrl+s" and rows["leader.regenerate"].keys == "ctrl+g z"
        await pilot.press("escape")
        # The palette names the keys in force.
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"Send message")
        commands = app.screen.query_one(CommandList)
        await wait_for(pilot, lambda: commands.option_count > 0)
        await pilot.pause(0.3)
        assert "(ctrl+s)" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        # And the keys do it.
        await type_and_send(pilot, "x")  # ctrl+j no longer sends: the text stays
        assert screen.composer.text.startswith("x")
        await pilot.press("ctrl+s")
        await wait_idle(pilot)
        assert screen.session is not None and screen.session.messages[-2].mes.startswith("x")
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: isinstance(app.screen, LeaderScreen))
        assert "z Regenerate" in screen_text(app)
        await pilot.press("z")
        await wait_idle(pilot)
        assert screen.session.swipe_count() == 2


async def test_the_palette_lists_the_apps_actions_before_textuals_and_themes_only_when_asked(
        ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        commands = app.screen.query_one(CommandList)
        await wait_for(pilot, lambda: commands.option_count > 20)
        await pilot.pause(0.3)
        prompts = [str(commands.get_option_at_index(i).prompt).split("\n")[0] for i in range(commands.option_count)]
        assert prompts[0] == "Send message"
        assert not any(p.startswith("Theme: ") for p in prompts)
        assert prompts.index("Regenerate") < prompts.index("Quit")  # ours first, then Textual's own


async def test_error_advice_names_the_remapped_keys(ctx: AppContext, alice: Path, openai_server, fake_profile) -> None:  # type: ignore[no-untyped-def]
    """A 401's advice said "F3 opens connections" whatever the keymap; it names the keys in force now."""
    from tests.fakes.openai_server import LLAMA_401, error

    write_keymap(ctx, {"toggle-connections": "f11"})
    openai_server.script.append(error(401, LLAMA_401))
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await type_and_send(pilot, "Hello")
        await wait_idle(pilot)
        text = " ".join(screen_text(app).split())
        assert "Fix the key: F11 opens connections" in text
