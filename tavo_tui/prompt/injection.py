"""Extension prompts (Author's Note, character's note, world info @depth, persona) and depth injection."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

IN_PROMPT, IN_CHAT, BEFORE_PROMPT = 0, 1, 2
ROLE_NAMES = ("system", "user", "assistant")

T = TypeVar("T")


@dataclass(frozen=True)
class ExtensionPrompt:
    """A keyed prompt placed by position: in the story string (before/after) or in the chat at a depth."""

    key: str
    value: str
    position: int
    depth: int = 4
    role: int = 0
    scan: bool = False
    order: int = 100


def role_index(role: str | int) -> int:
    if isinstance(role, int):
        return role if 0 <= role <= 2 else 0
    return ROLE_NAMES.index(role) if role in ROLE_NAMES else 0


def _js_key(key: str) -> list[int]:
    # JavaScript's default sort compares UTF-16 code units.
    return list(key.encode("utf-16-be"))


def combined(
    prompts: Sequence[ExtensionPrompt], position: int, depth: int | None = None, role: int | None = None
) -> str:
    """Values of the matching prompts, sorted by key, trimmed and joined with newlines."""
    chosen = [
        p
        for p in prompts
        if p.position == position and (depth is None or p.depth == depth) and (role is None or p.role == role)
    ]
    chosen.sort(key=lambda p: _js_key(p.key))
    values = [p.value.strip() for p in chosen]
    return "\n".join(v for v in values if v)


def anchor(prompts: Sequence[ExtensionPrompt], position: int) -> str:
    """A story-string anchor (before/after), trimmed."""
    return combined(prompts, position).strip()


def injection_blocks(
    prompts: Sequence[ExtensionPrompt],
    make: Callable[[int, str, ExtensionPrompt], T],
) -> dict[int, list[T]]:
    """In-chat prompts grouped by depth, each block in newest-first order.

    Same depth and role are merged into one item; order groups come out lowest order earliest (chronologically),
    and within a group the roles chronologically as assistant, user, system.
    """
    in_chat = [p for p in prompts if p.position == IN_CHAT and p.value.strip()]
    blocks: dict[int, list[T]] = {}
    if not in_chat:
        return blocks
    orders = sorted({p.order for p in in_chat}, reverse=True)
    for depth in sorted({max(0, p.depth) for p in in_chat}):
        block: list[T] = []
        for order in orders:
            group = [p for p in in_chat if max(0, p.depth) == depth and p.order == order]
            for role in (0, 1, 2):
                text = combined(group, IN_CHAT, role=role)
                if text:
                    first = next(p for p in group if p.role == role)
                    block.append(make(role, text, first))
        if block:
            blocks[depth] = block
    return blocks


def stream_newest_first(originals: Iterable[T], blocks: Mapping[int, Sequence[T]]) -> Iterator[tuple[bool, T]]:
    """History newest-first with injected blocks: depth d lands after the d newest original messages.

    Yields (injected, item). Blocks deeper than the history follow the oldest message.
    """
    if not blocks:
        for item in originals:
            yield False, item
        return
    count = 0
    for item in originals:
        block = blocks.get(count)
        if block:
            for injected in block:
                yield True, injected
        yield False, item
        count += 1
    for depth in sorted(blocks):
        if depth >= count:
            for injected in blocks[depth]:
                yield True, injected


def inject(
    history: Sequence[T],
    prompts: Sequence[ExtensionPrompt],
    make: Callable[[int, str, ExtensionPrompt], T],
) -> tuple[list[T], set[int]]:
    """Insert in-chat prompts into the chronological `history`; returns the new list and injected indices."""
    blocks = injection_blocks(prompts, make)
    if not blocks:
        return list(history), set()
    chronological = list(stream_newest_first(reversed(history), blocks))
    chronological.reverse()
    injected = {i for i, (flag, _) in enumerate(chronological) if flag}
    return [item for _, item in chronological], injected
