"""Example dialogue: `<START>`-separated blocks, and their split into speaker turns."""

from __future__ import annotations

import re
from dataclasses import dataclass

_START_SPLIT = re.compile(r"<START>", re.IGNORECASE)


def parse_blocks(text: str, heading: str = "<START>\n") -> list[str]:
    """Split example dialogue into blocks, each `heading + block.strip() + "\\n"`."""
    if not text or text == "<START>":
        return []
    if not text.startswith("<START>"):
        text = "<START>\n" + text.strip()
    parts = _START_SPLIT.split(text)[1:]
    return [heading + part.strip() + "\n" for part in parts if part.strip()]


@dataclass(frozen=True)
class ExampleTurn:
    is_user: bool
    name: str
    text: str


def split_turns(block: str, user: str, char: str, members: tuple[str, ...] = ()) -> list[ExampleTurn]:
    """Speaker turns of one block; its first line (the heading) is skipped."""
    turns: list[tuple[bool, str, list[str]]] = []
    lines = block.split("\n")[1:]
    speakers = [(f"{user}:", True, user), (f"{char}:", False, char)]
    speakers += [(f"{m}:", False, m) for m in members if m != char]
    pending: list[str] = []
    for line in lines:
        opener = next((s for s in speakers if line.startswith(s[0])), None)
        if opener is not None:
            turns.append((opener[1], opener[2], [*pending, line]))
            pending = []
        elif turns:
            turns[-1][2].append(line)
        else:
            # Lines before the first speaker line are glued onto the first turn, as SillyTavern does.
            pending.append(line)
    result: list[ExampleTurn] = []
    for is_user, name, body in turns:
        text = "\n".join(body)
        text = text.replace(f"{name}:", "", 1).strip()
        result.append(ExampleTurn(is_user, name, text))
    return result
