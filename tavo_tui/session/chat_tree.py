"""Checkpoints and branches as SillyTavern links them: a child chat names its parent in
`chat_metadata.main_chat` (the parent's file name without .jsonl). Here: the names SillyTavern gives them, and
the chat list ordered as a tree (children under their parent, indented). Pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from tavo_tui.store.chats import ChatSummary

CHECKPOINT_TOKEN = "Checkpoint #"


def humanized(when: datetime | None = None) -> str:
    """SillyTavern's timestamp in chat names: YYYY-MM-DD@HHhMMmSSsMMMms (local time)."""
    when = when or datetime.now()
    return f"{when:%Y-%m-%d@%Hh%Mm%Ss}{when.microsecond // 1000:03d}ms"


def checkpoint_title(existing: Collection[str], name: str = "", when: datetime | None = None) -> str:
    """A checkpoint's chat name as SillyTavern makes it: "<name> - <timestamp>"; without a name the first free
    "Checkpoint #N", N counting from the number of chats the character has."""
    if not name.strip():
        n = len(existing)
        while f"{CHECKPOINT_TOKEN}{n}" in existing:
            n += 1
        name = f"{CHECKPOINT_TOKEN}{n}"
    return f"{name.strip()} - {humanized(when)}"


def branch_title(index: int, when: datetime | None = None) -> str:
    """A branch's chat name as SillyTavern makes it: "Branch #<message index> - <timestamp>"."""
    return f"Branch #{index} - {humanized(when)}"


@dataclass(frozen=True)
class ChatNode:
    """One row of the chat tree: the chat, how deep it sits, and whether its parent is missing."""

    summary: ChatSummary
    depth: int
    orphan: bool = False  # names a parent that is not among the chats (renamed away or deleted)


def chat_tree(summaries: Sequence[ChatSummary]) -> list[ChatNode]:
    """The chats in tree order: each root (most recent first, as given) followed by its descendants, a child
    one level deeper than its parent. A chat whose parent is missing is a root marked `orphan`; a cycle of
    `main_chat` links (hand-edited files) is broken where it is met, so every chat is listed exactly once."""
    def key(summary: ChatSummary, title: str | None = None) -> tuple[str, str]:
        return summary.ref.card_key, summary.title if title is None else title  # titles repeat across characters

    known = {key(s) for s in summaries}
    children: dict[tuple[str, str], list[ChatSummary]] = {}
    roots: list[ChatSummary] = []
    for summary in summaries:
        parent = key(summary, summary.main_chat)
        if summary.main_chat and parent != key(summary) and parent in known:
            children.setdefault(parent, []).append(summary)
        else:
            roots.append(summary)
    out: list[ChatNode] = []
    seen: set[tuple[str, str]] = set()

    def visit(summary: ChatSummary, depth: int) -> None:
        if key(summary) in seen:
            return
        seen.add(key(summary))
        orphan = depth == 0 and bool(summary.main_chat) and key(summary, summary.main_chat) not in known
        out.append(ChatNode(summary, depth, orphan))
        for child in children.get(key(summary), []):
            visit(child, depth + 1)

    for root in roots:
        visit(root, 0)
    for summary in summaries:  # only chats caught in a cycle are left
        if key(summary) not in seen:
            visit(summary, 0)
    return out
