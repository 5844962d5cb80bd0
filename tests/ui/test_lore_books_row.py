"""The inspector's lore view names the books its entries come from and how each is active (pure builder)."""

from __future__ import annotations

from tavo_tui.model import AssembledPrompt
from tavo_tui.session.lore_report import LoreLine
from tavo_tui.ui.inspector.render import lore_rows


def line(book: str, scope: str, status: str = "fired") -> LoreLine:
    return LoreLine(label=f"{book}[0]", status=status, reason="", position="before the character", book=book,
                    scope=scope)


def test_books_row_lists_chat_character_then_global_books() -> None:
    lore = [line("Realm", "global"), line("Inn", "character", "not fired"), line("Realm", "global"),
            line("[red]Chat[/red]", "chat")]
    rows = [row.plain for row in lore_rows(AssembledPrompt(mode="chat"), lore, show_all=True).contents]
    assert "   books: [red]Chat[/red] (chat, 1), Inn (character, 1), Realm (global, 2)" in rows
    empty = [row.plain for row in lore_rows(AssembledPrompt(mode="chat"), [], show_all=True).contents]
    assert not any(row.startswith("   books:") for row in empty)
