"""Make untrusted text (cards, model output, server errors) safe to put on screen.

Two separate dangers: terminal control characters that Textual would write verbatim (clipboard writes,
title changes, screen clears), and markup that widgets would interpret. The first is handled by showing
every control character as a visible stand-in (`session.visible`: the same rule as the CLI's), one for one,
so nothing can hide the text after it; the second by wrapping text in `Content` (never a markup string).
"""

from __future__ import annotations

from textual.content import Content

from tavo_tui.session.visible import visible


def sanitize(text: str) -> str:
    """`text` with each control character shown (␛, ␇, \\x9b, \\u202e ...), keeping `\\n` and `\\t`; carriage
    returns become newlines so that `\\r\\n` text keeps its line breaks."""
    return visible(text)


def one_line(text: str) -> str:
    """Sanitised text folded onto one line (for list entries, titles and labels)."""
    return " ".join(sanitize(text).split())


def plain(text: str, style: str = "") -> Content:
    """Untrusted text as `Content`: shown literally, never parsed as markup."""
    content = Content(sanitize(text))
    return content.stylize(style) if style else content


def plain_line(text: str, style: str = "") -> Content:
    """Like `plain`, folded onto one line."""
    content = Content(one_line(text))
    return content.stylize(style) if style else content
