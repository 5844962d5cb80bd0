"""The chat pane's title line: the character, the chat's name, and the chat it branched from."""

from __future__ import annotations

from textual.content import Content

from tavo_tui.ui.shared.safe_text import plain_line

READ_ONLY_TITLE = "read-only: open in another tavo-tui"
NAME_WIDTH = 28  # at 80 columns the chat pane leaves room for the character, the chat name and its parent


def _clip(text: str, width: int = NAME_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def chat_title(card_name: str, chat_name: str | None, parent: str, read_only: bool) -> Content:
    """ "Chat with Maren · Checkpoint #2 - … ⤴ Maren - 2026-…" : the name of a saved chat, and its parent
    (the `main_chat` of a checkpoint or a branch) after an arrow."""
    parts: list[Content | str | tuple[str, str]] = [("Chat with ", "dim"), plain_line(card_name or "(unnamed)", "bold")]
    if chat_name:
        parts += [(" · ", "dim"), plain_line(_clip(chat_name))]
    if parent:
        parts += [(" ⤴ ", "dim"), plain_line(_clip(parent), "italic")]
    if read_only:
        parts += [" · ", (READ_ONLY_TITLE, "bold $text-warning")]
    return Content.assemble(*parts)
