"""Re-assembly with one TokenCounter (the session's case): memoised data never goes stale."""

from __future__ import annotations

from tavo_tui.model import Card, Lorebook, LorebookEntry
from tavo_tui.prompt import assemble
from tavo_tui.prompt.tokens import TokenCounter, estimate_counter

from .conftest import bot, chat_profile, text_profile, user


def counting_counter() -> tuple[TokenCounter, list[str]]:
    seen: list[str] = []

    def encode(text: str) -> int:
        seen.append(text)
        return len(text) // 4 + 1

    return TokenCounter("test", True, encode), seen


def test_only_new_text_is_counted_again() -> None:
    card = Card(name="Bot", description="DESC")
    messages = [bot("Hi.", "Bot")] + [user(f"message {i}") for i in range(50)]
    for profile in (chat_profile(), text_profile()):
        counter, seen = counting_counter()
        assemble(card, messages, user_name="User", profile=profile, counter=counter)
        seen.clear()
        longer = [*messages, user(f"a brand new {profile.mode} message")]
        assemble(card, longer, user_name="User", profile=profile, counter=counter)
        assert any(f"a brand new {profile.mode} message" in text for text in seen)
        assert not any("message 3" in text for text in seen)


def test_edited_message_is_seen() -> None:
    card = Card(name="Bot", description="DESC")
    counter = estimate_counter()
    messages = [bot("Hi.", "Bot"), user("first version")]
    for profile in (chat_profile(), text_profile()):
        assemble(card, messages, user_name="User", profile=profile, counter=counter)
        messages[1].mes = "second version"
        result = assemble(card, messages, user_name="User", profile=profile, counter=counter)
        text = result.text or " ".join(m["content"] for m in result.messages)
        assert "second version" in text and "first version" not in text
        messages[1].mes = "first version"


def test_user_rename_and_hiding_are_seen() -> None:
    card = Card(name="Bot", description="DESC", first_mes="Hello {{user}}")
    counter = estimate_counter()
    messages = [bot("Hello {{user}}", "Bot"), user("one"), user("two")]
    first = assemble(card, messages, user_name="Ann", profile=chat_profile(), counter=counter)
    assert first.messages[-3]["content"] == "Hello Ann"
    messages[1].is_system = True
    second = assemble(card, messages, user_name="Bea", profile=chat_profile(), counter=counter)
    assert second.messages[-2]["content"] == "Hello Bea"
    assert "one" not in [m["content"] for m in second.messages]


def _lore(card: Card, counter: TokenCounter, text: str = "ping") -> list[str]:
    messages = [bot("Hi.", "Bot"), user(text)]
    result = assemble(card, messages, user_name="U", profile=chat_profile(), counter=counter)
    return [m["content"] for m in result.messages if "LORE" in m["content"]]


def test_lorebook_edits_are_seen() -> None:
    # Books are values (cache.py): each way the app changes one is a new object or a new entries list.
    entry = LorebookEntry(keys=["ping"], content="OLD LORE", extensions={"position": 0})
    card = Card(name="Bot", description="DESC", character_book=Lorebook(name="B", entries=[entry]))
    counter = estimate_counter()
    assert _lore(card, counter) == ["OLD LORE"]
    # The card editor's way: a deep copy of the card with the entry edited.
    edited = card.model_copy(deep=True)
    assert edited.character_book is not None
    edited.character_book.entries[0].content = "NEW LORE"
    assert _lore(edited, counter) == ["NEW LORE"]
    assert _lore(card, counter) == ["OLD LORE"]  # the original card still has its own book
    # The same card given a new book, a new entries list, or one more entry.
    card.character_book = Lorebook(name="B", entries=[entry.model_copy(update={"content": "SECOND LORE"})])
    assert _lore(card, counter) == ["SECOND LORE"]
    card.character_book.entries = [entry.model_copy(update={"keys": ["pong"]})]
    assert _lore(card, counter) == [] and _lore(card, counter, "pong") == ["OLD LORE"]
    card.character_book.entries.append(LorebookEntry(keys=["pong"], content="MORE LORE", extensions={"position": 0}))
    assert _lore(card, counter, "pong") == ["MORE LORE\nOLD LORE"]  # equal orders: the later entry first


def test_world_file_edits_are_seen() -> None:
    # A world file as the session reads it: a dict per version of the file, entries under "entries".
    card = Card(name="Bot", description="DESC")
    counter = estimate_counter()
    world = {"name": "W", "entries": {"0": {"uid": 0, "key": ["ping"], "content": "OLD LORE"}}}

    def lore(book: dict[str, object], text: str = "ping") -> list[str]:
        messages = [bot("Hi.", "Bot"), user(text)]
        result = assemble(card, messages, user_name="U", profile=chat_profile(), counter=counter, lorebooks=[book])
        return [m["content"] for m in result.messages if "LORE" in m["content"]]

    assert lore(world) == ["OLD LORE"]
    reread = {"name": "W", "entries": {"0": {"uid": 0, "key": ["ping"], "content": "NEW LORE"}}}
    assert lore(reread) == ["NEW LORE"]
    world["entries"] = {"0": {"uid": 0, "key": ["pong"], "content": "OTHER LORE"}}
    assert lore(world) == [] and lore(world, "pong") == ["OTHER LORE"]


def test_results_identical_with_fresh_and_reused_counter() -> None:
    card = Card(name="Bot", description="DESC", mes_example="<START>\n{{user}}: a\n{{char}}: b")
    messages = [bot("Hi.", "Bot")] + [user(f"m{i} " * 30) if i % 2 else bot(f"r{i} " * 30, "Bot") for i in range(60)]
    reused = estimate_counter()
    for profile in (chat_profile(max_context=900, max_tokens=100), text_profile(max_context=900, max_tokens=100)):
        for _ in range(2):
            again = assemble(card, messages, user_name="U", profile=profile, counter=reused)
        fresh = assemble(card, messages, user_name="U", profile=profile, counter=estimate_counter())
        assert again.model_dump() == fresh.model_dump()


def test_messages_with_macros_follow_the_profile() -> None:
    card = Card(name="Bot", description="DESC")
    counter = estimate_counter()
    messages = [bot("Hi.", "Bot"), user("budget {{maxContext}}")]
    small = assemble(card, messages, user_name="U", profile=chat_profile(max_context=1000), counter=counter)
    large = assemble(card, messages, user_name="U", profile=chat_profile(max_context=2000), counter=counter)
    assert small.messages[-1]["content"] == "budget 1000"
    assert large.messages[-1]["content"] == "budget 2000"


def test_prompt_cache_is_bounded() -> None:
    from tavo_tui.prompt.cache import PromptCache

    cache = PromptCache(max_entries=3)
    sources = [object() for _ in range(5)]
    for i, source in enumerate(sources):
        assert cache.get("k", source, i, lambda i=i: i * 10) == i * 10
    assert len(cache) == 3
    # A changed fingerprint rebuilds; an unchanged one is served from the memo.
    assert cache.get("k", sources[4], 4, lambda: -1) == 40
    assert cache.get("k", sources[4], 5, lambda: -1) == -1
    assert cache.lookup("k", sources[0], 0) is None
