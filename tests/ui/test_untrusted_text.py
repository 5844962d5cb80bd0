"""Untrusted text (card fields, model output, server errors) is shown literally and never reaches the terminal raw."""

from __future__ import annotations

import json
from pathlib import Path

from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tests.fakes.openai_server import FakeOpenAIServer, error
from tests.ui.helpers import EVIL_NAME, MARKUP_FIELD, main, screen_text, type_and_send, wait_idle

OSC52 = "\x1b]52;c;aGVsbG8=\x07"
HOSTILE_REPLY = (
    f"Sure {OSC52}thing\x1b[2J [bold red]x[/] [@click=app.quit]quit[/] [/INST] "
    "\x9b31m C1\x85 done\x00.\n\n```a|b\ncode [b]x[/b]\n```"
)


def assert_no_terminal_controls(app: TavoApp) -> None:
    svg = app.export_screenshot()
    text = screen_text(app)
    for bad in ("\x1b", "\x9b", "\x9d", "\x07", "\x00", "\x85"):
        assert bad not in svg and bad not in text


async def test_card_names_and_fields_with_markup_show_literally(ctx: AppContext, bob: Path) -> None:
    app = TavoApp(ctx, card_path=bob)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert f"Chat with {EVIL_NAME}" in text
        assert "[b]evil[/b]" in text  # the creator, in the card list
        assert "Morning! [INST] fresh rolls [/INST] today." in text  # greeting (Markdown body)
        # The inspector shows the description as it is, markup and all.
        assert MARKUP_FIELD in main(app).inspector.body.text
        assert app.is_running


async def test_hostile_model_output_is_literal_and_inert(
    ctx: AppContext, bob: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    openai_server.reply = HOSTILE_REPLY
    app = TavoApp(ctx, card_path=bob, connection="fake")
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        screen = main(app)
        await type_and_send(pilot, "say something odd")
        await wait_idle(pilot)
        assert app.is_running  # neither [@click=app.quit] nor anything else acted
        reply = screen.chat_log.message_views()[-1]
        # Controls are shown (␛, ␇, \x9b), never obeyed, and the text after them is all there.
        shown = "Sure ␛]52;c;aGVsbG8=␇thing␛[2J [bold red]x[/] [@click=app.quit]quit[/] [/INST]"
        assert shown in reply.text
        text = screen_text(app)
        assert shown in text and "\\x9b31m C1\\x85 done␀." in text
        assert "code [b]x[/b]" in text
        assert_no_terminal_controls(app)
        # The chat file keeps the model's exact text; only the display is cleaned.
        assert screen.session.messages[-1].mes == HOSTILE_REPLY


async def test_html_like_tags_in_replies_stay_visible(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    openai_server.reply = "Before <START> and <b>bold?</b>\n\n<div>a block</div>\n\nafter"
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await type_and_send(pilot, "tags")
        await wait_idle(pilot)
        text = screen_text(app)
        assert "Before <START> and <b>bold?</b>" in text
        assert "<div>a block</div>" in text


async def test_control_characters_typed_by_the_user_are_not_echoed_raw(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await type_and_send(pilot, f"paste {OSC52} here")
        await wait_idle(pilot)
        assert main(app).chat_log.message_views()[1].text == "paste ␛]52;c;aGVsbG8=␇ here"
        assert "paste ␛]52;c;aGVsbG8=␇ here" in screen_text(app)
        assert_no_terminal_controls(app)


async def test_server_error_text_with_markup_and_escapes_is_shown_literally(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    body = {"error": {"code": 400, "message": f"bad [/INST] thing [b]x[/b] {OSC52}", "type": "invalid_request"}}
    openai_server.script.append(error(400, json.dumps(body)))
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        await type_and_send(pilot, "hi")
        await wait_idle(pilot)
        notice = main(app).chat_log.notices()[0]
        rendered = notice.render().plain  # type: ignore[attr-defined]
        assert "bad [/INST] thing [b]x[/b]" in rendered
        assert app.is_running
        assert_no_terminal_controls(app)


async def test_profile_names_with_markup_are_literal(ctx: AppContext, alice: Path) -> None:
    ctx.profiles.save(ConnectionProfile(name="[/INST] [b]srv", base_url="http://127.0.0.1:9/v1"))
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        assert "[/INST] [b]srv" in screen_text(app)
        assert main(app).switch_connection("[/INST] [b]srv")
        await pilot.pause()
        assert "[/INST] [b]srv" in screen_text(app)  # the status bar too
        await pilot.press("f5")
        await pilot.pause()
        assert "[/INST] [b]srv" in screen_text(app)


async def test_notices_show_controls_in_names_as_stand_ins(ctx: AppContext, alice: Path) -> None:
    """Notices carry names, paths and server errors ("Saved {name}", "Deleted {file}"): one rule for all of
    them, in the app's notify, so no caller can forget it."""
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        main(app).notify(f"Saved Eve{OSC52}\x1b[2J", title="\x9b1m", markup=False)
        await pilot.pause()
        shown = [(n.message, n.title) for n in app._notifications]
        assert ("Saved Eve␛]52;c;aGVsbG8=␇␛[2J", "\\x9b1m") in shown
        assert_no_terminal_controls(app)
