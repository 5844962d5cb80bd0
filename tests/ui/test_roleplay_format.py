"""Roleplay formatting in the chat log: *actions* italic, "dialogue" highlighted, text kept literal."""

from __future__ import annotations

from pathlib import Path

from textual.content import Content

from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.chat.message_view import initials
from tavo_tui.ui.chat.roleplay_markdown import RoleplayParagraph, highlight_dialogue
from tests.ui.helpers import main, write_card


def styled(content: Content, style: str) -> list[str]:
    return [content.plain[span.start:span.end] for span in content.spans if span.style == style]


def test_quoted_dialogue_is_highlighted_in_all_quote_styles() -> None:
    text = 'He said "stay" and “go”, then 「待って」 — but not "across\nlines".'
    assert styled(highlight_dialogue(Content(text)), "$chat-dialogue") == ['"stay"', "“go”", "「待って」"]


def test_initials_badge() -> None:
    assert initials("Maren Holloway") == "MH"
    assert initials("李白 🌙") == "李"
    assert initials("[/INST] Bob") == "B"
    assert initials("") == "?"


async def test_a_greeting_shows_actions_in_italics_and_dialogue_highlighted(home: Path, tmp_path: Path) -> None:
    card = write_card(tmp_path, "c.json", name="Maren Holloway",
                      first_mes='*trims the wick* "The [/INST] storm is close," she says.')
    app = TavoApp(AppContext.open(home=home, library=[tmp_path]), card_path=card)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        view = main(app).chat_log.message_views()[-1]
        paragraph = view.body.query_one(RoleplayParagraph)
        content = paragraph._content
        assert content.plain == 'trims the wick "The [/INST] storm is close," she says.'
        assert styled(content, ".em") == ["trims the wick"]
        assert styled(content, "$chat-dialogue") == ['"The [/INST] storm is close,"']
        assert "MH" in view.query_one(".msg-name").render().plain
