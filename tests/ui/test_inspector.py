"""The prompt inspector in the TUI: views, budget and dropped messages, diffs, copy and save."""

from __future__ import annotations

import json
import time
from pathlib import Path

from textual.command import CommandList, CommandPalette

from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext
from tavo_tui.session.core import make_message
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.inspector.dialogs import CompareConnectionPicker, SavePathPrompt, SectionViewer
from tavo_tui.ui.inspector.pane import PromptInspector
from tavo_tui.ui.inspector.render import HEAD_ROWS, TAIL_ROWS
from tests.ui.helpers import MARKUP_FIELD, main, screen_text, type_and_send, wait_for, wait_idle

SECRET = "sk-secret-do-not-leak-42"
WIDE = (200, 60)


def flash_text(inspector: PromptInspector) -> str:
    """The inspector's confirmation line (it must be showing)."""
    line = inspector.query_one(".insp-flash")
    assert line.display
    return line.render().plain  # type: ignore[attr-defined]


async def focus_inspector(pilot) -> PromptInspector:  # type: ignore[no-untyped-def]
    await pilot.press("alt+4")
    await pilot.pause()
    inspector = main(pilot.app).inspector
    assert inspector.display
    return inspector


async def test_sections_view_lists_each_section_with_its_tokens(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        inspector = await focus_inspector(pilot)
        await pilot.press("tab")
        assert inspector.view == "sections"
        rows = inspector.view_rows("sections")
        prompt = inspector.current.prompt  # type: ignore[union-attr]
        for section in prompt.sections:
            assert any(row.lstrip().startswith(f"{section.tokens} ") and section.name in row for row in rows), \
                section.name
        assert any("card: description" in row and "Alice keeps a lighthouse" in row for row in rows)
        assert any("history message 0 (greeting)" in row for row in rows)
        # The summary shows the budget: context minus the reply reserve.
        summary = inspector.query_one(".insp-summary").render().plain  # type: ignore[attr-defined]
        assert "/ 4096 − 300 reply = 3796" in summary
        assert "request" in screen_text(app) and "sections" in screen_text(app)
        await pilot.press("tab", "tab", "tab")
        assert inspector.view == "body"


async def test_untrusted_section_text_is_shown_literally(ctx: AppContext, bob: Path) -> None:
    app = TavoApp(ctx, card_path=bob)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        inspector = await focus_inspector(pilot)
        await pilot.press("tab")
        rows = inspector.view_rows("sections")
        assert any(MARKUP_FIELD[:30] in row for row in rows)
        assert app.is_running  # the markup did not run [@click=app.quit]


async def test_tiny_budget_lists_dropped_messages(ctx: AppContext, alice: Path) -> None:
    ctx.profiles.save(ConnectionProfile(name="tiny", kind="demo", model="demo", max_context=260, max_tokens=100))
    app = TavoApp(ctx, card_path=alice, connection="tiny")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        screen = main(app)
        for i in range(4):
            await type_and_send(pilot, f"message number {i} about the stormy lighthouse lamp and its keeper")
            await wait_idle(pilot)
        inspector = await focus_inspector(pilot)
        screen.refresh_inspector()
        prompt = inspector.current.prompt  # type: ignore[union-attr]
        assert prompt.dropped, "the tiny budget should drop old messages"
        summary = inspector.query_one(".insp-summary").render().plain  # type: ignore[attr-defined]
        assert "dropped by the budget" in summary
        await pilot.press("tab", "tab")
        assert inspector.view == "lore"
        rows = inspector.view_rows("lore")
        assert rows[0] == f"Dropped by the context budget ({len(prompt.dropped)})"
        assert any("older messages" in row and "history messages 0 to" in row for row in rows[1:]), rows


async def test_diff_against_the_last_prompt_sent_shows_the_new_message(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        screen = main(app)
        inspector = screen.inspector
        inspector.display = True
        await pilot.pause()
        await pilot.press("alt+4", "d")
        await pilot.pause()
        assert inspector.view == "diff"
        assert any("Nothing sent in this chat yet" in row for row in inspector.view_rows("diff"))
        await type_and_send(pilot, "Is the lamp lit?")
        await wait_idle(pilot)
        screen.composer.load_text("Then bring the oil can.")
        await pilot.press("alt+4", "d")
        await pilot.pause()
        rows = inspector.view_rows("diff")
        assert rows[0].endswith("last prompt sent")
        assert any(row.startswith(" + ") and "Then bring the oil can." in row for row in rows), rows
        assert any(row.startswith("+") and "Then bring the oil can." in row for row in rows)
        # The message already sent is not reported as a new user message (the demo's reply quotes it).
        assert not any(row.startswith((" + history[1]", " ~ history[1]")) for row in rows)
        assert any(row.startswith(" + history[2]") for row in rows)  # the reply


async def test_diff_against_another_connection_shows_the_mode_change(ctx: AppContext, alice: Path) -> None:
    ctx.profiles.save(ConnectionProfile(name="local-text", kind="openai-compatible", base_url="http://127.0.0.1:9/v1",
                                        model="m", mode="text"))
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        screen = main(app)
        inspector = await focus_inspector(pilot)
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareConnectionPicker))
        picker = app.screen
        assert isinstance(picker, CompareConnectionPicker)
        assert [p.name for p in picker.profiles] == ["local-text"]  # the current connection is not offered
        await pilot.press("enter")
        await wait_for(pilot, lambda: inspector.view == "diff")
        rows = inspector.view_rows("diff")
        assert any("modes differ: chat vs text" in row for row in rows)
        assert any("same turn on local-text" in row for row in rows)
        assert any("/v1/completions" in row for row in rows)
        assert screen.session.profile.name == "demo"  # compared, not switched


async def test_copy_json_and_curl_use_the_clipboard_and_mask_the_key(ctx: AppContext, alice: Path) -> None:
    ctx.profiles.save(ConnectionProfile(name="keyed", kind="openai-compatible", base_url="http://127.0.0.1:9/v1",
                                        model="gpt-4o-mini"), api_key=SECRET)
    ctx.profiles.save(ConnectionProfile(name="env", kind="openai-compatible", base_url="http://127.0.0.1:9/v1",
                                        model="gpt-4o-mini", api_key_env="MY_LLM_KEY"), api_key=SECRET)
    app = TavoApp(ctx, card_path=alice, connection="keyed")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        screen = main(app)
        inspector = await focus_inspector(pilot)
        screen.composer.load_text("Copy me, please.")
        await pilot.press("alt+4", "c")
        await pilot.pause()
        body = json.loads(app.clipboard)
        assert body == screen.session.inspect("Copy me, please.").request.body
        assert body["messages"][-1]["content"] == "Copy me, please."
        assert "Copied the request body as JSON" in flash_text(inspector)
        await pilot.press("u")
        await pilot.pause()
        curl = app.clipboard
        assert curl.startswith("curl -sS -X POST http://127.0.0.1:9/v1/chat/completions")
        assert "Authorization: Bearer ****" in curl and SECRET not in curl
        assert "Copy me, please." in curl
        assert "API key masked" in flash_text(inspector)
        assert SECRET not in screen_text(app) and SECRET not in inspector.body.text
        assert screen.switch_connection("env")
        await pilot.pause()
        await pilot.press("alt+4", "u")
        await pilot.pause()
        assert '"Authorization: Bearer $MY_LLM_KEY"' in app.clipboard and SECRET not in app.clipboard


async def test_save_writes_the_body_or_the_curl_command(ctx: AppContext, alice: Path, tmp_path: Path) -> None:
    ctx.profiles.save(ConnectionProfile(name="keyed", kind="openai-compatible", base_url="http://127.0.0.1:9/v1",
                                        model="m"), api_key=SECRET)
    app = TavoApp(ctx, card_path=alice, connection="keyed")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        screen = main(app)
        inspector = await focus_inspector(pilot)
        for name in ("saved.json", "saved.sh"):
            await pilot.press("s")
            await wait_for(pilot, lambda: isinstance(app.screen, SavePathPrompt))
            prompt = app.screen
            field = prompt.query_one("#save-path")
            assert "exports" in field.value  # type: ignore[attr-defined]  # a default in the data folder
            field.value = str(tmp_path / name)  # type: ignore[attr-defined]
            await pilot.press("enter")
            target = tmp_path / name
            await wait_for(pilot, target.exists)
        saved = json.loads((tmp_path / "saved.json").read_text(encoding="utf-8"))
        assert saved == screen.session.inspect().request.body
        script = (tmp_path / "saved.sh").read_text(encoding="utf-8")
        assert script.startswith("curl ") and SECRET not in script
        assert "Saved the request to" in flash_text(inspector)
        # A path that cannot be written is reported, and nothing breaks.
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, SavePathPrompt))
        app.screen.query_one("#save-path").value = str(tmp_path)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Not saved" in flash_text(inspector))
        assert inspector.display


async def test_a_ten_thousand_message_chat_draws_quickly_and_folds(ctx: AppContext, alice: Path) -> None:
    ctx.profiles.save(ConnectionProfile(name="huge", kind="demo", model="demo", max_context=200_000,
                                        max_tokens=300))
    app = TavoApp(ctx, card_path=alice, connection="huge")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        screen = main(app)
        session = screen.session
        for i in range(10_000):
            session.messages.append(make_message("User" if i % 2 else "Alice", f"line {i} of a long chat",
                                                 is_user=bool(i % 2)))
        inspection = session.inspect()
        assert len(inspection.prompt.sections) > 10_000
        inspector = await focus_inspector(pilot)
        started = time.perf_counter()
        inspector.show(inspection)
        inspector.set_view("sections")
        inspector.set_view("lore")
        inspector.set_view("body")
        elapsed = time.perf_counter() - started
        assert elapsed < 1.5, f"drawing took {elapsed:.2f}s"
        inspector.set_view("sections")
        rows = inspector.view_rows("sections")
        assert len(rows) < HEAD_ROWS + TAIL_ROWS + 50
        assert any("sections folded (press a to show all)" in row for row in rows)
        assert any("line 9999 of a long chat" in row for row in rows)  # the newest stay visible
        await pilot.press("a")
        await pilot.pause()
        assert len(inspector.view_rows("sections")) > 10_000


async def test_palette_commands_reach_the_inspector_even_when_it_is_hidden(ctx: AppContext, alice: Path) -> None:
    ctx.profiles.save(ConnectionProfile(name="keyed", kind="openai-compatible", base_url="http://127.0.0.1:9/v1",
                                        model="m"), api_key=SECRET)
    app = TavoApp(ctx, card_path=alice, connection="keyed")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        assert not screen.inspector.display  # 120 columns: hidden at first
        titles = [c.title for c in app.get_system_commands(screen)]
        assert "Inspector: copy request as curl" in titles and "Inspector: diff with another connection" in titles
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"copy request as curl")
        palette = app.screen
        await wait_for(pilot, lambda: palette.query_one(CommandList).option_count > 0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.clipboard.startswith("curl "))
        assert SECRET not in app.clipboard and "Bearer ****" in app.clipboard
        assert screen.inspector.display


async def test_focusing_the_inspector_lands_on_the_view_that_is_showing(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        inspector = await focus_inspector(pilot)
        assert app.focused is inspector.body
        await pilot.press("tab")
        assert app.focused is inspector.view_list("sections")
        await pilot.press("alt+2")
        assert app.focused is main(app).composer
        await pilot.press("alt+4")
        await pilot.pause()
        assert app.focused is inspector.view_list("sections")


async def test_text_mode_shows_the_prompt_and_its_stop_strings(ctx: AppContext, alice: Path) -> None:
    ctx.profiles.save(ConnectionProfile(name="text", kind="openai-compatible", base_url="http://127.0.0.1:9/v1",
                                        model="m", mode="text"))
    app = TavoApp(ctx, card_path=alice, connection="text")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        inspector = main(app).inspector
        body = inspector.body.text
        prompt_text, _, stops = body.partition("──── stop strings ────")
        assert prompt_text.startswith(inspector.current.prompt.text)  # type: ignore[union-attr]
        assert json.loads(stops) == inspector.current.request.body["stop"]  # type: ignore[union-attr]
        assert "<|im_end|>" in stops


async def test_enter_on_a_section_opens_its_full_text(ctx: AppContext, bob: Path) -> None:
    app = TavoApp(ctx, card_path=bob)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        inspector = await focus_inspector(pilot)
        await pilot.press("tab")
        rows = inspector.view_rows("sections")
        index = next(i for i, row in enumerate(rows) if "card: description" in row)
        inspector.view_list("sections").highlighted = index
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SectionViewer))
        text = app.screen.query_one("#section-text").text  # type: ignore[attr-defined]
        assert text.startswith("Bob bakes bread.") and MARKUP_FIELD in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, SectionViewer))
        assert app.is_running
