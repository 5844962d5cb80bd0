"""Light roleplay formatting for long text: the look of the chat's Markdown at a fraction of its cost.

Textual's Markdown makes one widget per block, and every re-layout of the chat visits each of them (a
100 KB reply has hundreds). Past a size, a message body is shown as a few plain text chunks styled here
instead: *actions* and _emphasis_ in italics, **bold**, `code`, fenced code, headings, "dialogue"
highlighted. The text stays literal: it only ever becomes `Content`, never markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from textual.content import Content

FENCE = re.compile(r"^ {0,3}(```|~~~)")
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
# Longest markers first, so "**bold**" is not read as two empty emphases.
INLINE = re.compile(r"`[^`\n]+`|\*\*(?=\S)[^*\n]+?\*\*|\*(?=\S)[^*\n]+?\*|(?<!\w)_(?=\S)[^_\n]+?_(?!\w)")

# Straight and curly double quotes, and CJK corner brackets; a quote never spans a line.
DIALOGUE = r"\"[^\"\n]+\"|“[^”\n]+”|「[^」\n]+」|『[^』\n]+』"
CODE_STYLE = "$text-warning on $warning 10%"
FENCE_STYLE = "$text-muted"
HEADING_STYLE = "bold"


def highlight_dialogue(content: Content) -> Content:
    return content.highlight_regex(DIALOGUE, style="$chat-dialogue")


@dataclass(frozen=True)
class Chunk:
    """A run of whole paragraphs, and whether it starts inside a fenced code block."""

    text: str
    in_fence: bool = False


def fence_state_after(text: str, in_fence: bool = False) -> bool:
    """Whether `text` (starting inside a fence or not) ends inside a fenced code block."""
    for line in text.split("\n"):
        if FENCE.match(line):
            in_fence = not in_fence
    return in_fence


def paragraph_breaks(text: str, in_fence: bool = False) -> list[int]:
    """Offsets just after each blank-line paragraph break that is outside fenced code."""
    breaks: list[int] = []
    offset = 0
    previous_blank = False
    for line in text.split("\n"):
        end = offset + len(line) + 1
        if FENCE.match(line):
            in_fence = not in_fence
        blank = not line.strip()
        if blank and not previous_blank and not in_fence and offset > 0 and end <= len(text):
            breaks.append(end)
        previous_blank = blank
        offset = end
    return breaks


def split_head(text: str, limit: int) -> tuple[str, str]:
    """Split at the first paragraph break at or after `limit` characters: (head, rest).

    The head is rendered as Markdown, the rest as light chunks. Short text, or text with no break
    past the limit, is all head.
    """
    if len(text) <= limit:
        return text, ""
    for cut in paragraph_breaks(text):
        if cut >= limit:
            return text[:cut], text[cut:]
    return text, ""


def split_chunks(text: str, size: int, in_fence: bool = False) -> list[Chunk]:
    """Cut `text` at paragraph breaks into chunks of roughly `size` characters (the last may be short).

    A run with no paragraph break for twice `size` (a long code block) is cut at line breaks instead: every
    chunk carries its fence state, and the light formatting never spans lines, so any line break will do.
    """
    chunks: list[Chunk] = []
    start = 0
    state = in_fence
    for cut in [*paragraph_breaks(text, in_fence), len(text)]:
        while cut - start > 2 * size and (line_cut := text.rfind("\n", start + 1, start + size + 1)) > start:
            piece = text[start : line_cut + 1]
            chunks.append(Chunk(piece, state))
            state = fence_state_after(piece, state)
            start = line_cut + 1
        if cut - start >= size and cut < len(text):
            piece = text[start:cut]
            chunks.append(Chunk(piece, state))
            state = fence_state_after(piece, state)
            start = cut
    if start < len(text) or not chunks:
        chunks.append(Chunk(text[start:], state))
    return chunks


def inline_content(line: str) -> Content:
    """One line of prose: emphasis markers dropped and styled, code spans kept literal."""
    parts: list[Content | tuple[str, str] | str] = []
    position = 0
    for match in INLINE.finditer(line):
        parts.append(line[position : match.start()])
        token = match.group()
        if token.startswith("`"):
            parts.append((token[1:-1], CODE_STYLE))
        elif token.startswith("**"):
            parts.append((token[2:-2], "bold"))
        else:
            parts.append((token[1:-1], "italic"))
        position = match.end()
    parts.append(line[position:])
    return Content.assemble(*parts)


def roleplay_content(text: str, in_fence: bool = False) -> Content:
    """Styled content for a chunk of (already sanitised) message text."""
    lines: list[Content] = []
    for line in text.split("\n"):
        if FENCE.match(line):
            in_fence = not in_fence
            lines.append(Content.styled(line, FENCE_STYLE))
        elif in_fence:
            lines.append(Content.styled(line, CODE_STYLE) if line else Content(""))
        elif heading := HEADING.match(line):
            lines.append(Content.styled(heading.group(2), HEADING_STYLE))
        else:
            lines.append(highlight_dialogue(inline_content(line)))
    return Content("\n").join(lines)
