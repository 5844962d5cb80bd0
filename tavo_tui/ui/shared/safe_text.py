"""Make untrusted text (cards, model output, server errors) safe to put on screen.

Two separate dangers: terminal control sequences that Textual would write verbatim (clipboard writes,
title changes, screen clears), and markup that widgets would interpret. Sanitising handles the first;
the second is avoided by wrapping text in `Content` (never a markup string).
"""

from __future__ import annotations

import re

from textual.content import Content

# CSI, OSC, DCS/SOS/PM/APC (7-bit and 8-bit forms), any other ESC sequence, then leftover C0/DEL/C1.
# Tab and newline are the only control characters we keep.
_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
    r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
)
# Bidirectional overrides can make text display in a different order than it is stored.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def sanitize(text: str) -> str:
    """Strip terminal control sequences and control characters, keeping `\\n` and `\\t`.

    Carriage returns become newlines so that `\\r\\n` text keeps its line breaks.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _BIDI.sub("", _CONTROL.sub("", text))


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
