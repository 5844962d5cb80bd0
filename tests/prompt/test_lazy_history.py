"""A chat read lazily from its file (the store's MessageList) gives the very same prompt as the parsed list,
while only the messages the budget keeps are parsed."""

from __future__ import annotations

import json

from tavo_tui.model import Card, Lorebook, LorebookEntry, Message
from tavo_tui.prompt import assemble
from tavo_tui.prompt.settings import AuthorsNote
from tavo_tui.prompt.tokens import estimate_counter
from tavo_tui.store import MessageList
from tavo_tui.store.jsonl import encode_message

from .conftest import chat_profile, text_profile

CARD = Card(
    name="Bot", description="A lighthouse keeper.", first_mes="Hello.",
    character_book=Lorebook(entries=[LorebookEntry(id=1, keys=["lamp"], content="The lamp is old.")]),
)


def chat_lines(count: int) -> list[bytes]:
    lines = []
    for i in range(count):
        is_user = i % 2 == 1
        text = f"message {i} about the lamp" if i % 7 == 0 else f"message {i}"
        message = Message(name="Ann" if is_user else "Bot", is_user=is_user, mes=text, is_system=i % 37 == 5)
        lines.append(encode_message(message))
    # Hidden in forms only parsing can tell, and a visible message with a nested "is_system" key.
    lines[-4] = json.dumps({"name": "Ann", "is_user": True, "is_system": 1, "mes": "odd hidden"}).encode()
    lines[-6] = json.dumps({"name": "Bot", "mes": "nested", "extra": {"is_system": True}}).encode()
    lines[30] = json.dumps({"name": "Bot", "is_system": "true", "mes": "old hidden"}).encode()
    return lines


def profiles():  # type: ignore[no-untyped-def]
    return [chat_profile(max_context=600, max_tokens=100), text_profile(max_context=600, max_tokens=100)]


def run(messages, profile, **kw):  # type: ignore[no-untyped-def]
    return assemble(CARD, messages, user_name="Ann", profile=profile, counter=estimate_counter(), **kw).model_dump()


def test_lazy_chat_gives_the_same_prompt_and_parses_only_what_fits() -> None:
    lines = chat_lines(400)
    for profile in profiles():
        parsed = list(MessageList.from_lines(lines))
        lazy = MessageList.from_lines(lines)
        result = run(lazy, profile, pending_user="And the lamp?")
        assert result == run(parsed, profile, pending_user="And the lamp?")
        assert result["dropped"], "the budget must leave older messages out for this test to mean anything"
        # Kept messages, the hidden-looking ones checked by parsing, and the greeting are parsed; not the rest.
        assert lazy.parsed_count() < 80, lazy


def test_authors_note_interval_one_does_not_count_every_message() -> None:
    lines = chat_lines(400)
    for profile in profiles():
        lazy = MessageList.from_lines(lines)
        note = AuthorsNote(prompt="Keep it short.", interval=1, depth=2)
        result = run(lazy, profile, authors_note=note)
        assert "Keep it short." in json.dumps(result) and lazy.parsed_count() < 80
        # An interval above 1 needs the count of user messages: still the same answer as the parsed list.
        for interval in (2, 3, 181, 182):
            note = AuthorsNote(prompt="Every few turns.", interval=interval, depth=2)
            lazy = MessageList.from_lines(lines)
            assert run(lazy, profile, authors_note=note) == run(list(lazy), profile, authors_note=note)


def test_a_damaged_line_that_looks_like_an_object_stays_out_of_the_prompt() -> None:
    lines = chat_lines(60)
    lines[-3] = b'{"name":"Bot","mes":"cut off here}'  # not JSON: read as a hidden note
    for profile in profiles():
        parsed = list(MessageList.from_lines(lines))
        assert parsed[-3].is_system
        lazy = MessageList.from_lines(lines)
        result = run(lazy, profile)
        assert result == run(parsed, profile)
        assert "cut off here" not in json.dumps(result["messages"]) + result["text"]


def test_a_head_of_the_chat_parses_nothing_and_gives_the_prompt_of_the_slice() -> None:
    lines = chat_lines(400)
    chat = MessageList.from_lines(lines)
    head = chat.head(300)  # a swipe of message 300 builds its prompt from the messages before it
    assert len(head) == 300 and head.parsed_count() == 0 and chat.parsed_count() == 0
    for profile in profiles():
        result = run(head, profile, generation_type="swipe")
        assert result == run(list(MessageList.from_lines(lines))[:300], profile, generation_type="swipe")
    assert head.parsed_count() < 80
    assert chat.parsed_count() == 0  # the chat itself was not touched
