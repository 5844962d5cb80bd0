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


def line_breaks(text: str, in_fence: bool = False) -> list[int]:
    """Offsets just after each line break that is outside fenced code (fence lines themselves excluded)."""
    breaks: list[int] = []
    offset = 0
    for line in text.split("\n"):
        end = offset + len(line) + 1
        fence = FENCE.match(line)
        if fence:
            in_fence = not in_fence
        if not in_fence and not fence and end <= len(text):
            breaks.append(end)
        offset = end
    return breaks


# What the light formatting pairs within a line, and the spaces a long line may be cut after.
PAIRED = re.compile(r"[*`\"“”「」『』 ]")
OPENS = {"“": "”", "「": "」", "『": "』"}


def word_cut(text: str, start: int, low: int, high: int) -> int:
    """The last cut after a space in text[low:high] that leaves no emphasis, code span or quote open since
    `start` (a line start or an earlier such cut), or -1.

    For a line too long to re-wrap whole on every update (a reply with no line break at all): both sides of
    the cut are styled as the whole line would be, and the cut starts a new row early, the one visible
    difference, once every few screenfuls of such a line."""
    open_marks: dict[str, int] = dict.fromkeys('*`"', 0)
    depth = dict.fromkeys(OPENS, 0)
    best = -1
    for match in PAIRED.finditer(text, start, high):
        mark = match.group()
        if mark == " ":
            if match.start() >= low and not any(open_marks.values()) and not any(depth.values()):
                best = match.end()
        elif mark in open_marks:
            open_marks[mark] ^= 1
        elif mark in depth:
            depth[mark] += 1
        else:
            opener = next(key for key, closer in OPENS.items() if closer == mark)
            depth[opener] = max(0, depth[opener] - 1)
    return best


def split_head(text: str, limit: int) -> tuple[str, str]:
    """Split text longer than `limit` characters into (head, rest).

    The head is rendered as Markdown, the rest as light chunks. The cut is the first paragraph break at or
    after `limit`; failing one before twice the limit, a line break outside fenced code, and failing that
    (one endless line) a space. So the Markdown part, re-parsed as a reply streams, stays bounded. Short
    text is all head.
    """
    if len(text) <= limit:
        return text, ""
    paragraph = next((cut for cut in paragraph_breaks(text) if cut >= limit), -1)
    if limit <= paragraph <= 2 * limit or len(text) <= 2 * limit:
        return (text[:paragraph], text[paragraph:]) if paragraph > 0 else (text, "")
    cut = next((cut for cut in line_breaks(text[: 2 * limit]) if cut >= limit), -1)
    if cut < 0 and not fence_state_after(text[:limit]):  # in an endless line of code a cut would show
        cut = word_cut(text, text.rfind("\n", 0, limit) + 1, limit, 2 * limit)
    cut = cut if cut > 0 else paragraph
    return (text[:cut], text[cut:]) if cut > 0 else (text, "")


def split_chunks(text: str, size: int, in_fence: bool = False) -> list[Chunk]:
    """Cut `text` at paragraph breaks into chunks of roughly `size` characters (the last may be short).

    A run with no paragraph break for twice `size` (a long code block) is cut at line breaks instead: every
    chunk carries its fence state, and the light formatting never spans lines, so any line break will do.
    A line longer than that is cut after a word (see `word_cut`).
    """
    chunks: list[Chunk] = []
    start = 0
    state = in_fence
    for cut in [*paragraph_breaks(text, in_fence), len(text)]:
        while cut - start > 2 * size and (line_cut := soft_cut(text, start, size)) > start:
            piece = text[start:line_cut]
            chunks.append(Chunk(piece, state))
            state = fence_state_after(piece, state)
            start = line_cut
        if cut - start >= size and cut < len(text):
            piece = text[start:cut]
            chunks.append(Chunk(piece, state))
            state = fence_state_after(piece, state)
            start = cut
    if start < len(text) or not chunks:
        chunks.append(Chunk(text[start:], state))
    return chunks


def soft_cut(text: str, start: int, size: int) -> int:
    """Where to cut a run with no paragraph break: after the last line break within `size` characters of
    `start`, else after a word within twice that; -1 if neither."""
    line_cut = text.rfind("\n", start + 1, start + size + 1)
    if line_cut > start:
        return line_cut + 1
    return word_cut(text, start, start + size, start + 2 * size)


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
