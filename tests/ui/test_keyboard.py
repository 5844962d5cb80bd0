"""Keyboard-only use: the keymap file, key help, jump mode, the palette's cards/connections/themes, vim keys,
the reverse send key, and the layout and theme remembered in ui.json."""

from __future__ import annotations

import json
from pathlib import Path

from textual.command import CommandList, CommandPalette
from textual.widgets import OptionList

from tavo_tui.session import AppContext
from tavo_tui.session.ui_settings import load_ui_settings, parse_keymap
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.chat.log import ChatLog
from tavo_tui.ui.keys.help import HelpScreen
from tavo_tui.ui.keys.jump import JumpScreen
from tavo_tui.ui.library.card_list import CardList
from tests.ui.helpers import main, screen_text, wait_for, wait_idle


def write_config(ctx: AppContext, name: str, data: object) -> None:
    folder = Path(ctx.paths.config_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(data), encoding="utf-8")


def test_keymap_entries_are_checked_one_by_one() -> None:
    loaded = parse_keymap({"send": "ctrl+s", "jump": "f9, alt+j", "bad id!": "x", "help": "[b]"}, "keymap.json")
    assert loaded.value == {"send": "ctrl+s", "jump": "f9,alt+j"}
    assert len(loaded.errors) == 2 and "bad id!" in loaded.errors[0] and "'[b]'" in loaded.errors[1]


async def test_keymap_file_remaps_a_binding_by_id(ctx: AppContext, alice: Path) -> None:
    write_config(ctx, "keymap.json", {"toggle-cards": "f10"})
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        cards = main(app).query_one(CardList)
        assert cards.display
        await pilot.press("f2")  # the old key no longer toggles
        await pilot.pause()
        assert cards.display
        await pilot.press("f10")
        await pilot.pause()
        assert not cards.display


async def test_a_broken_keymap_file_is_reported_and_the_app_runs(ctx: AppContext) -> None:
    Path(ctx.paths.config_dir).mkdir(parents=True, exist_ok=True)
    (Path(ctx.paths.config_dir) / "keymap.json").write_text("{nope", encoding="utf-8")
    app = TavoApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.keymap == {}
        assert any("keymap.json" in e and "not valid JSON" in e for e in app.settings_errors)


async def test_help_lists_the_focused_panes_keys_first(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main(app).chat_log.focus()
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        scopes = [row.scope for row in help_screen.rows]
        assert scopes[0] == "Chat log"
        by_id = {row.binding_id: row for row in help_screen.rows}
        assert by_id["copy-message"].keys == "y" and by_id["copy-message"].description == "Copy message"
        assert by_id["leader.copy-message"].keys == "ctrl+g y"
        assert by_id["send"].scope == "Everywhere" and by_id["send"].keys == "ctrl+j / ctrl+enter"
        assert by_id["log-left_square_bracket"].keys == "["  # readable names, never the key's Textual name
        assert by_id["leader.swipe-left"].keys == "ctrl+g , / ctrl+g ["
        assert "Copy message" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))


async def test_f1_from_the_composer_opens_help_and_question_mark_types(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        screen.composer.focus()
        await pilot.press("question_mark")
        assert screen.composer.text == "?"
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert app.screen.rows[0].scope == "Composer"  # type: ignore[attr-defined]


async def test_jump_mode_moves_the_focus_with_one_letter(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        assert app.focused is screen.composer
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, JumpScreen))
        jump = app.screen
        assert isinstance(jump, JumpScreen)
        assert {"c", "l", "m", "n", "i"} <= set(jump.targets)
        assert "c Library" in screen_text(app)  # the letter is drawn over the pane, with its readable name
        await pilot.press("c")
        await wait_for(pilot, lambda: not isinstance(app.screen, JumpScreen))
        assert isinstance(app.focused, OptionList) and app.focused.id == "card-options"
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, JumpScreen))
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.focused, ChatLog))


async def test_jump_mode_escape_keeps_the_focus(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, JumpScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, JumpScreen))
        assert app.focused is main(app).composer


async def palette_prompts(pilot, app: TavoApp, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*query)
    commands = app.screen.query_one(CommandList)
    await wait_for(pilot, lambda: commands.option_count > 0)
    await pilot.pause(0.3)
    return [str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]


async def test_palette_applies_a_theme_and_it_persists(ctx: AppContext) -> None:
    app = TavoApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        prompts = await palette_prompts(pilot, app, "tavo-light")
        assert any("Theme: tavo-light" in p for p in prompts)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.theme == "tavo-light")
    assert load_ui_settings(ctx.paths).value.theme == "tavo-light"
    again = TavoApp(ctx)
    async with again.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert again.theme == "tavo-light"


async def test_palette_opens_a_card_and_switches_connection(ctx: AppContext, alice: Path, bob: Path) -> None:
    from tavo_tui.model import ConnectionProfile

    ctx.profiles.save(ConnectionProfile(name="spare", kind="openai-compatible", base_url="http://127.0.0.1:9/v1"))
    app = TavoApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        prompts = await palette_prompts(pilot, app, "Open character: [/INST]")
        assert any("Open character: [/INST] Bob" in p for p in prompts)  # the untrusted name stays literal
        await pilot.press("enter")
        screen = main(app)
        await wait_for(pilot, lambda: screen.session is not None and screen.session.card_path == bob)
        await wait_idle(pilot)
        await palette_prompts(pilot, app, "Use connection: spare")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.active_profile_name == "spare")


async def test_vim_keys_move_in_lists_and_select_messages(ctx: AppContext, alice: Path) -> None:
    from tavo_tui.model import ConnectionProfile

    # The connections list (the library's list filters on printable keys instead).
    for name in ("spare", "third"):
        ctx.profiles.save(ConnectionProfile(name=name, kind="openai-compatible", base_url="http://127.0.0.1:9/v1"))
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        options = screen.connection_pane.options
        options.focus()
        options.highlighted = 0
        await pilot.press("j")
        assert options.highlighted == 1
        await pilot.press("k")
        assert options.highlighted == 0
        await pilot.press("G")
        assert options.highlighted == options.option_count - 1
        screen.composer.load_text("hello")
        await pilot.press("ctrl+j")
        await wait_idle(pilot)
        log = screen.chat_log
        log.focus()
        await pilot.press("k")  # from no selection: the last message
        views = log.message_views()
        assert log.selected is views[-1]
        await pilot.press("k")
        assert log.selected is views[-2] and log.selected_index == len(screen.session.messages) - 2
        await pilot.press("g")
        assert log.selected is views[0]
        await pilot.press("y")
        assert app.clipboard == views[0].text


async def test_enter_sends_when_the_setting_says_so(ctx: AppContext, alice: Path) -> None:
    write_config(ctx, "ui.json", {"send_key": "enter"})
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        screen.composer.focus()
        await pilot.press("h", "i", "ctrl+j", "y", "o")
        assert screen.composer.text == "hi\nyo"
        before = len(screen.session.messages)
        await pilot.press("enter")
        await wait_idle(pilot)
        assert screen.session.messages[before].mes == "hi\nyo"
        assert screen.composer.text == ""


async def test_toggles_and_widths_are_remembered(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        await pilot.press("f4")  # hide the inspector
        screen.query_one(CardList).options.focus()
        await pilot.press("alt+right", "alt+right")
        await pilot.pause()
        assert screen.query_one(CardList).outer_size.width == 32
    saved = load_ui_settings(ctx.paths).value.layout
    assert saved.inspector_visible is False and saved.cards_width == 32
    again = TavoApp(ctx, card_path=alice)
    async with again.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        screen = main(again)
        assert not screen.inspector.display and screen.connection_pane.display
        assert screen.query_one(CardList).outer_size.width == 32


async def test_status_bar_shows_model_mode_and_context(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        await wait_for(pilot, lambda: "ctx " in screen_text(app))
        text = screen_text(app)
        session = main(app).session
        prompt = session.inspect(None).prompt
        assert f"ctx {prompt.token_total}/{prompt.max_context}" in text
