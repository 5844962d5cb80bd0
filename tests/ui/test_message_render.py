"""How a message is drawn: single line breaks kept (as SillyTavern shows them), narrator/system messages apart.

Each test reads the rendered screen rows of the message, in both render paths: the Markdown head and the
light-text tail past HEAD_LIMIT characters, while streaming and once saved.
"""

from __future__ import annotations

from pathlib import Path

from textual.content import Content
from textual.widget import Widget
from textual.widgets import TextArea

from tavo_tui.model import ConnectionProfile, Message
from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.chat.message_view import HEAD_LIMIT
from tavo_tui.ui.chat.roleplay_markdown import RoleplayParagraph
from tavo_tui.ui.shared.dialogs import TextEditDialog
from tests.fakes.openai_server import FakeOpenAIServer
from tests.ui.helpers import main, type_and_send, wait_for, wait_idle

ROLEPLAY = '*She looks up.*\n"You came back," she says.\nThe wind howls.'
# Filler past the Markdown head: paragraphs with a blank line between them, so the head ends at a break.
# Past the Markdown head; few spaces, because the fake server streams a delta per word (1,000 deltas of UI
# work would make this test slow without testing more).
FILLER = "\n\n".join(f"Paragraph {i} " + "filler-words-here-" * 20 for i in range(HEAD_LIMIT // 350 + 2)) + "\n\n"


def shown_lines(app: TavoApp, widget: Widget) -> list[str]:
    """The rows of `widget`'s content that are on screen, as plain text (right-trimmed)."""
    rows = list(app.screen._compositor.render_strips())
    region = widget.content_region
    return [rows[y].crop(region.x, region.right).text.rstrip()
            for y in range(max(region.y, 0), min(region.bottom, len(rows)))]


def shown_italic(app: TavoApp, widget: Widget) -> bool:
    """Whether every visible character of `widget`'s content on screen is drawn in italics."""
    rows = list(app.screen._compositor.render_strips())
    region = widget.content_region
    segments = [segment for y in range(max(region.y, 0), min(region.bottom, len(rows)))
                for segment in rows[y].crop(region.x, region.right) if segment.text.strip()]
    return bool(segments) and all(segment.style is not None and segment.style.italic for segment in segments)


def follows(lines: list[str], *expected: str) -> bool:
    """Whether `expected` appear as consecutive rows of `lines`."""
    n = len(expected)
    return any(tuple(lines[i : i + n]) == expected for i in range(len(lines) - n + 1))


def styled(content: Content, style: str) -> list[str]:
    return [content.plain[span.start : span.end] for span in content.spans if span.style == style]


async def open_chat(ctx: AppContext, card: Path, *messages: Message) -> TavoApp:
    chat = ctx.new_chat(ctx.load_card(card))
    chat.messages.extend(messages)
    ctx.chats.create(ctx.card_key(card), chat)
    return TavoApp(ctx, card_path=card)


# ---- single line breaks -----------------------------------------------------------------------------------
async def test_a_saved_message_keeps_single_line_breaks(ctx: AppContext, alice: Path) -> None:
    app = await open_chat(ctx, alice, Message(name="Alice", mes="line one\nline two\n\nnew paragraph"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        view = main(app).chat_log.message_views()[-1]
        lines = shown_lines(app, view.body)
        assert follows(lines, "line one", "line two"), lines
        assert "new paragraph" in lines
        assert "line one line two" not in "\n".join(lines)


async def test_line_breaks_keep_actions_italic_and_dialogue_highlighted(ctx: AppContext, alice: Path) -> None:
    app = await open_chat(ctx, alice, Message(name="Alice", mes=ROLEPLAY))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        view = main(app).chat_log.message_views()[-1]
        assert follows(shown_lines(app, view.body), "She looks up.", '"You came back," she says.', "The wind howls.")
        content = view.body.query_one(RoleplayParagraph)._content
        assert styled(content, ".em") == ["She looks up."]
        assert styled(content, "$chat-dialogue") == ['"You came back,"']


async def test_lists_quotes_and_code_blocks_still_render_as_blocks(ctx: AppContext, alice: Path) -> None:
    text = "- first item\n- second item\n\n> quoted one\n> quoted two\n\n```\ncode a\ncode b\n```"
    app = await open_chat(ctx, alice, Message(name="Alice", mes=text))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        view = main(app).chat_log.message_views()[-1]
        lines = [line.strip() for line in shown_lines(app, view.body)]
        assert any(line.endswith("first item") and line != "- first item" for line in lines), lines  # a bullet
        assert any(line.endswith("second item") for line in lines)
        assert follows([line.lstrip("▌ ").strip() for line in lines], "quoted one", "quoted two"), lines
        assert follows(lines, "code a", "code b"), lines
        assert "```" not in "\n".join(lines)


async def test_a_streamed_reply_keeps_single_line_breaks_while_streaming_and_after(
    ctx: AppContext, alice: Path
) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        view = await main(app).chat_log.add_reply("Alice")
        for piece in ("*She looks", " up.*\n\"You came", " back,\" she says.\nThe wind", " howls."):
            await view.add_delta(piece)
        await pilot.pause(0.2)  # the trailing flush, and its frame
        assert view.streaming
        assert follows(shown_lines(app, view.body), "She looks up.", '"You came back," she says.', "The wind howls.")
        await view.finish(None)
        await pilot.pause()
        assert follows(shown_lines(app, view.body), "She looks up.", '"You came back," she says.', "The wind howls.")


async def test_a_long_saved_message_keeps_line_breaks_in_its_light_tail(ctx: AppContext, alice: Path) -> None:
    app = await open_chat(ctx, alice, Message(name="Alice", mes=FILLER + "tail one\ntail two\n*tail act*"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        view = main(app).chat_log.message_views()[-1]
        assert view.tail.display and len(view.body.source) >= HEAD_LIMIT
        assert follows(shown_lines(app, view.tail), "tail one", "tail two", "tail act")


async def test_a_long_streamed_reply_keeps_line_breaks_in_both_parts(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    openai_server.reply = "head one\nhead two\n\n" + FILLER + "tail one\ntail two\n\"tail words\""
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await type_and_send(pilot, "a long story please")
        await wait_idle(pilot)
        view = main(app).chat_log.message_views()[-1]
        assert view.text == openai_server.reply and view.tail.display
        assert follows(shown_lines(app, view.tail), "tail one", "tail two", '"tail words"')
        main(app).chat_log.scroll_to_widget(view, top=True, animate=False)
        await pilot.pause()
        assert follows(shown_lines(app, view.body), "head one", "head two")


# ---- narrator and system messages ------------------------------------------------------------------------
async def test_a_narrator_message_has_its_own_label_and_look(ctx: AppContext, alice: Path) -> None:
    app = await open_chat(
        ctx, alice,
        Message(name="Alice", mes="Hello there."),
        Message(name="System", mes="The storm passes.", extra={"type": "narrator"}),
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        character, narrator = main(app).chat_log.message_views()[-2:]
        assert character.kind == "character" and narrator.kind == "narrator"
        assert narrator.has_class("-narrator") and not narrator.has_class("-character")
        character_name = character.query_one(".msg-name").render().plain
        narrator_name = narrator.query_one(".msg-name").render().plain
        assert " A " in character_name  # the character's badge ...
        assert " A " not in narrator_name and " S " not in narrator_name  # ... is not the narrator's
        assert "Narrator" in narrator_name
        assert shown_italic(app, narrator.body)  # narration reads as SillyTavern's system text
        assert not shown_italic(app, character.body)
        assert narrator.body.styles.color != character.body.styles.color
        assert follows(shown_lines(app, narrator.body), "The storm passes.")


async def test_a_narrator_named_otherwise_keeps_its_name_next_to_the_label(ctx: AppContext, alice: Path) -> None:
    app = await open_chat(ctx, alice, Message(name="The Moon", mes="Night falls.", extra={"type": "narrator"}))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        name = main(app).chat_log.message_views()[-1].query_one(".msg-name").render().plain
        assert "Narrator" in name and "The Moon" in name and " TM " not in name


async def test_other_system_messages_show_as_system_not_as_the_character(ctx: AppContext, alice: Path) -> None:
    app = await open_chat(
        ctx, alice,
        Message(name="SillyTavern System", mes="A comment.", is_system=True, extra={"type": "comment"}),
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        view = main(app).chat_log.message_views()[-1]
        assert view.kind == "system" and view.has_class("-system")
        name = view.query_one(".msg-name").render().plain
        assert "System" in name and " SS " not in name
        assert shown_italic(app, view.body)


async def test_the_insert_narrator_action_shows_a_narrator_message(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = main(app)
        screen.action_insert_narrator()  # the action, not its key: keys are remappable
        await wait_for(pilot, lambda: isinstance(app.screen, TextEditDialog))
        app.screen.query_one(TextArea).load_text("Rain begins.\nThunder answers.")
        await pilot.press("ctrl+s")
        await wait_idle(pilot)
        view = screen.chat_log.message_views()[-1]
        assert view.kind == "narrator"
        assert follows(shown_lines(app, view.body), "Rain begins.", "Thunder answers.")
