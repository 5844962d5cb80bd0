"""Markdown with SillyTavern-style roleplay colouring: "dialogue" in quotes is highlighted.

`*actions*` are Markdown emphasis already (italic). Highlighting is applied by offset to the already-parsed,
literal Content, so quoted text never becomes markup.
"""

from __future__ import annotations

from typing import ClassVar

from textual.content import Content
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownBlock, MarkdownParagraph

from tavo_tui.ui.chat.roleplay_text import DIALOGUE, highlight_dialogue

__all__ = ["DIALOGUE", "RoleplayMarkdown", "RoleplayParagraph", "highlight_dialogue"]


class RoleplayParagraph(MarkdownParagraph):
    def set_content(self, content: Content) -> None:
        super().set_content(highlight_dialogue(content))


class RoleplayMarkdown(Markdown):
    # One table for the class; Textual annotates BLOCKS as an instance attribute, hence the ignore.
    BLOCKS: ClassVar[dict[str, type[MarkdownBlock]]] = {  # type: ignore[misc]
        **Markdown.BLOCKS, "paragraph_open": RoleplayParagraph,
    }
