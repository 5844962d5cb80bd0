"""Checkpoints, branches, the chat tree, rename keeping links, and deleting one swipe: no backend needed."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from tavo_tui.model import Message
from tavo_tui.session import AppContext
from tavo_tui.session.chat_session import ActionError, ChatSession
from tavo_tui.session.chat_tree import chat_tree, checkpoint_title
from tavo_tui.session.chats import ChatSummary, greeting_range_error
from tavo_tui.store.chats import ChatRef

CARD = Path(__file__).resolve().parents[2] / "sample_cards" / "maren_holloway.png"


def summary(title: str, parent: str = "", card: str = "c") -> ChatSummary:
    return ChatSummary(ChatRef(Path(f"/x/{card}/{title}.jsonl"), card), 0.0, 0, 1, "", "", parent)


def saved_chat(home: Path, replies: int = 2) -> ChatSession:
    """A stored chat: the greeting, then user/character turns (written directly, no model)."""
    session = AppContext.open(home, user_name="Ann").open_chat(CARD, new=True)
    for i in range(replies):
        session.messages.append(Message(name="Ann", is_user=True, mes=f"Hi {i}"))
        session.messages.append(Message(name="Maren", mes=f"Reply {i}"))
    assert session.rewrite_file() is None
    return session


def header(ref: ChatRef) -> dict:  # type: ignore[type-arg]
    return json.loads(ref.path.read_text(encoding="utf-8").splitlines()[0])  # type: ignore[no-any-return]


def test_tree_puts_children_under_parents_and_survives_orphans_and_cycles() -> None:
    rows = chat_tree([
        summary("grandchild", "child"), summary("main"), summary("child", "main"), summary("lost", "gone"),
        summary("a", "b"), summary("b", "a"), summary("other", "main", card="d"),
    ])
    assert [(r.summary.title, r.depth, r.orphan) for r in rows] == [
        ("main", 0, False), ("child", 1, False), ("grandchild", 2, False), ("lost", 0, True),
        ("other", 0, True),  # another character's "main" is not its parent
        ("a", 0, False), ("b", 1, False),
    ]


def test_checkpoint_names_follow_sillytavern() -> None:
    when = datetime(2026, 5, 3, 7, 8, 9, 12000)
    assert checkpoint_title({"x", "y", "Checkpoint #2"}, "", when) == "Checkpoint #3 - 2026-05-03@07h08m09s012ms"
    assert checkpoint_title(set(), "  Before the duel ", when) == "Before the duel - 2026-05-03@07h08m09s012ms"


def test_greeting_range_error_names_the_valid_range() -> None:
    assert greeting_range_error(2, 3) is None
    assert greeting_range_error(3, 3) == "greeting 3 does not exist; this card has greetings 0\u20132"
    assert greeting_range_error(-1, 1) == "greeting -1 does not exist; this card has greeting 0 only"
    assert greeting_range_error(1, 0) == "greeting 1 does not exist; this card has no greetings"


def test_checkpoint_links_both_ways_and_jumps_to_parent(home: Path) -> None:
    session = saved_chat(home)
    assert session.ref is not None
    chat_id = session.checkpoint(2)
    title = chat_id.partition("/")[2]
    assert title.startswith("Checkpoint #1 - ")  # one chat existed: SillyTavern counts from there
    assert session.messages[2].extra["bookmark_link"] == title
    child = session.ctx.open_chat_id(chat_id, CARD)
    assert [m.mes for m in child.messages] == [m.mes for m in session.messages[:3]]
    assert child.parent_title == session.title and child.parent_id() == session.ref.id
    with pytest.raises(ActionError, match="not a checkpoint"):
        session.parent_id()
    branch = session.branch(1)
    assert branch.ref is not None and branch.ref.title.startswith("Branch #1 - ")
    assert session.messages[1].extra["branches"] == [branch.ref.title]
    child.close()
    branch.close()
    session.close()


def test_rename_keeps_the_links_of_children_and_parents(home: Path) -> None:
    session = saved_chat(home)
    ctx = session.ctx
    chat_id = session.checkpoint(4)
    child = ctx.open_chat_id(chat_id, CARD)
    grandchild_id = child.checkpoint(1)
    child.close()
    # Renaming the open main chat relinks its checkpoint's main_chat on disk.
    session.rename("Main story")
    child_ref = ctx.find_chat(chat_id)
    assert header(child_ref)["chat_metadata"]["main_chat"] == "Main story"
    # Renaming the (closed) checkpoint: its own child follows on disk, the open parent follows in memory.
    renamed = ctx.rename_chat(chat_id, "Duel")
    assert header(ctx.find_chat(grandchild_id))["chat_metadata"]["main_chat"] == "Duel"
    assert session.messages[4].extra["bookmark_link"] == chat_id.partition("/")[2]  # locked: not rewritten
    assert session.follow_rename(chat_id.partition("/")[2], renamed.title) is None
    assert session.messages[4].extra["bookmark_link"] == "Duel"
    assert session.ref is not None
    stored = [json.loads(x) for x in session.ref.path.read_text(encoding="utf-8").splitlines()]
    assert stored[5]["extra"]["bookmark_link"] == "Duel"
    session.close()


def test_remove_swipe_keeps_the_rule_and_the_last_version_deletes_the_message(home: Path) -> None:
    session = saved_chat(home, replies=1)
    reply = session.messages[2]
    reply.swipes, reply.swipe_id, reply.mes = ["A", "B", "C"], 1, "B"
    reply.swipe_info = [{"extra": {"n": i}} for i in range(3)]
    reply.extra = {"n": 1}
    assert session.remove_swipe(2) == (False, None)
    assert (reply.swipes, reply.swipe_id, reply.mes, reply.extra) == (["A", "C"], 1, "C", {"n": 2})
    assert session.remove_swipe(2) == (False, None)
    assert (reply.swipes, reply.swipe_id, reply.mes) == (["A"], 0, "A")
    assert session.remove_swipe(2) == (True, None)  # its only version: the message goes
    assert [m.mes for m in session.messages][1:] == ["Hi 0"]
    session.close()
