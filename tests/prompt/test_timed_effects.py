"""World-info sticky and cooldown effects across turns (sillytavern.md §5.8)."""

from __future__ import annotations

from typing import Any

from tavo_tui.model import Card, Lorebook, LorebookEntry, Message
from tavo_tui.prompt import assemble
from tavo_tui.prompt.tokens import estimate_counter

from .conftest import bot, chat_profile, user


def card_with(**ext: Any) -> Card:
    entry = LorebookEntry(id=7, keys=["dragon"], content="DRAGON LORE", extensions={"position": 0, **ext})
    return Card(name="Bot", description="DESC", character_book=Lorebook(name="Book", entries=[entry]))


def turn(card: Card, messages: list[Message], meta: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    result = assemble(
        card, messages, user_name="User", profile=chat_profile(), counter=estimate_counter(), chat_metadata=meta
    )
    fired = "DRAGON LORE" in [m["content"] for m in result.messages]
    new_meta = dict(meta)
    new_meta.update(result.chat_metadata_updates)
    return fired, new_meta


def chat(*texts: str) -> list[Message]:
    return [bot(t, "Bot") if i % 2 == 0 else user(t) for i, t in enumerate(texts)]


def test_sticky_keeps_an_entry_for_n_messages() -> None:
    card = card_with(sticky=2)
    fired, meta = turn(card, chat("Hi.", "a dragon!"), {})
    assert fired
    assert meta["timedWorldInfo"]["sticky"]["Book.7"]["start"] == 2
    assert meta["timedWorldInfo"]["sticky"]["Book.7"]["end"] == 4
    fired, meta = turn(card, chat("Hi.", "a dragon!", "ok", "nothing"), meta)
    assert not fired  # length 4 reached the end: the effect expired
    assert "Book.7" not in meta["timedWorldInfo"]["sticky"]
    fired, _ = turn(
        card,
        chat("Hi.", "a dragon!", "nothing"),
        {"timedWorldInfo": {"sticky": {"Book.7": {"start": 2, "end": 4, "protected": False}}}},
    )
    assert fired  # length 3: still sticky although the key is out of scan depth


def test_cooldown_blocks_reactivation() -> None:
    card = card_with(cooldown=3)
    fired, meta = turn(card, chat("Hi.", "a dragon!"), {})
    assert fired and meta["timedWorldInfo"]["cooldown"]["Book.7"]["end"] == 5
    fired, meta = turn(card, chat("Hi.", "a dragon!", "dragon again"), meta)
    assert not fired
    fired, meta = turn(card, chat("Hi.", "a dragon!", "dragon again", "x", "dragon?"), meta)
    assert fired


def test_sticky_expiry_starts_protected_cooldown() -> None:
    card = card_with(sticky=1, cooldown=2)
    fired, meta = turn(card, chat("Hi.", "a dragon!"), {})
    assert fired and "Book.7" not in meta["timedWorldInfo"]["cooldown"]
    fired, meta = turn(card, chat("Hi.", "a dragon!", "dragon"), meta)
    assert not fired
    assert meta["timedWorldInfo"]["cooldown"]["Book.7"]["protected"] is True


def test_swipe_undoes_fresh_effects_and_input_is_not_mutated() -> None:
    card = card_with(sticky=5)
    stored = {"timedWorldInfo": {"sticky": {"Book.7": {"start": 2, "end": 7, "protected": False}}}}
    # Same length as when the effect started (the reply was swiped): the effect is dropped, nothing fires.
    fired, meta = turn(card, chat("Hi.", "calm"), stored)
    assert not fired
    assert meta["timedWorldInfo"]["sticky"] == {}
    assert stored["timedWorldInfo"]["sticky"]["Book.7"]["end"] == 7


def test_no_updates_without_timed_entries() -> None:
    result = assemble(
        card_with(), chat("Hi.", "a dragon!"), user_name="User", profile=chat_profile(), counter=estimate_counter()
    )
    assert result.chat_metadata_updates == {}
