"""SillyTavern JSONL: verbatim round trips, every vintage on import, exports, lazy reading, locks, personas."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tavo_tui.model import Message
from tavo_tui.store import ChatLock, ChatStore, MessageList, PersonaStore, StoreError
from tavo_tui.store.chats import ChatRef, split_chat_bytes
from tavo_tui.store.interchange import export_chat, import_chat, read_import_lines
from tavo_tui.store.jsonl import parse_send_date

MODERN = [
    {"chat_metadata": {"integrity": "5b0e", "note_prompt": "", "tainted": True, "timedWorldInfo": {"sticky": {}}},
     "user_name": "unused", "character_name": "unused"},
    {"name": "Seraphina", "is_user": False, "is_system": False, "send_date": "2026-05-03T15:45:46.123Z",
     "mes": "Hello.", "extra": {}, "swipes": ["Hello.", "Hi there."], "swipe_id": 0,
     "swipe_info": [{"send_date": "2026-05-03T15:45:46.123Z", "extra": {}}, {"send_date": "x", "extra": {}}]},
    {"name": "User", "is_user": True, "is_system": False, "send_date": "2026-05-03T15:46:00.000Z", "mes": "Hi! ☕",
     "extra": {"bias": " warmly"}, "force_avatar": "User Avatars/u.png"},
    {"name": "Seraphina", "is_user": False, "is_system": True, "send_date": 1714751160000, "mes": "hidden",
     "gen_started": "a", "gen_finished": "b", "extra": {"api": "openai", "model": "gpt", "token_count": 3},
     "unknown_future_key": [1, 2.5, None]},
]


def jsonl(records: list[dict], trailing: bool = False) -> bytes:
    text = "\n".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in records)
    return (text + ("\n" if trailing else "")).encode()


def imported(tmp_path: Path, data: bytes, name: str = "chat.jsonl") -> tuple[ChatStore, ChatRef]:
    src = tmp_path / name
    src.write_bytes(data)
    store = ChatStore(tmp_path / "chats")
    return store, import_chat(store, src, "seraphina")


def test_corpus_chat_round_trips_line_by_line(tmp_path: Path, corpus: Path) -> None:
    for source in sorted((corpus / "chats").glob("*.jsonl")):
        store, ref = imported(tmp_path, source.read_bytes(), source.name)
        out = export_chat(store, ref, "jsonl")
        original = [json.loads(x) for x in source.read_text(encoding="utf-8").splitlines() if x.strip()]
        assert [json.loads(x) for x in out.decode().split("\n")] == original
        assert out == source.read_bytes().rstrip(b"\n")  # compact, no final newline: SillyTavern's own bytes


def test_modern_chat_round_trips_after_opening_and_appending(tmp_path: Path) -> None:
    store, ref = imported(tmp_path, jsonl(MODERN))
    opened = store.open(ref)
    assert [m.mes for m in opened.messages] == ["Hello.", "Hi! ☕", "hidden"]  # all parsed now
    store.write(ref, opened.header, opened.messages)
    lines = export_chat(store, ref, "jsonl").decode().split("\n")
    assert [json.loads(x) for x in lines] == MODERN
    # A SillyTavern file has no final newline: an append must not glue two objects together.
    raw = tmp_path / "chats" / "seraphina" / "raw.jsonl"
    raw.write_bytes(jsonl(MODERN))
    raw_ref = ChatRef(raw, "seraphina")
    store.append(raw_ref, Message(name="User", is_user=True, mes="more"))
    assert [m.mes for m in store.load(raw_ref).messages][-2:] == ["hidden", "more"]


def test_edit_changes_only_the_edited_keys(tmp_path: Path, corpus: Path) -> None:
    source = corpus / "chats" / "st_Aqua_2023-01_minimal.jsonl"
    store, ref = imported(tmp_path, source.read_bytes())
    opened = store.open(ref)
    opened.messages[0].mes = "changed"
    store.write(ref, opened.header, opened.messages)
    before = json.loads(source.read_text(encoding="utf-8").splitlines()[1])
    after = json.loads(ref.path.read_text(encoding="utf-8").splitlines()[1])
    assert after == {**before, "mes": "changed"}  # no is_system/extra/swipes invented for a legacy line


def test_new_messages_get_every_core_key(tmp_path: Path) -> None:
    store, ref = imported(tmp_path, jsonl(MODERN))
    store.append(ref, Message(name="Seraphina", mes="new"))
    last = json.loads(ref.path.read_text(encoding="utf-8").splitlines()[-1])
    assert set(last) >= {"name", "is_user", "is_system", "send_date", "mes", "extra"}


def test_import_vintages(tmp_path: Path) -> None:
    # Headerless (every line a message), Chub's wrapped `mes`, and humanized dates.
    headerless = jsonl([{"name": "A", "is_user": False, "mes": "one", "send_date": "2023-4-21 @20h 02m 47s 124ms"},
                        {"name": "U", "is_user": True, "mes": {"message": "two"}, "send_date": "May 23, 2026 3:10pm"}])
    lines = read_import_lines(headerless, "x")
    header, first, second = (json.loads(x) for x in lines)
    assert "chat_metadata" in header and first["mes"] == "one" and second["mes"] == "two"
    ooba = json.dumps({"data_visible": [["<|BEGIN-VISIBLE-CHAT|>", "Welcome"], ["hi", "hello"]]}, indent=2)
    msgs = [json.loads(x) for x in read_import_lines(ooba.encode(), "ooba.json")[1:]]
    assert [(m["is_user"], m["mes"]) for m in msgs] == [(False, "Welcome"), (True, "hi"), (False, "hello")]
    agnai = json.dumps({"messages": [{"msg": "yo", "userId": "u1"}, {"msg": "hey", "characterId": "c1"}]})
    msgs = [json.loads(x) for x in read_import_lines(agnai.encode(), "agnai.json")[1:]]
    assert [(m["is_user"], m["mes"]) for m in msgs] == [(True, "yo"), (False, "hey")]
    with pytest.raises(StoreError, match="line 2"):
        read_import_lines(b'{"user_name":"a"}\nnot json\n{"mes":"x"}', "bad.jsonl")
    with pytest.raises(StoreError, match="empty"):
        read_import_lines(b"\n\n", "empty.jsonl")


def test_send_date_vintages() -> None:
    assert parse_send_date("2026-05-03T15:45:46.123Z") == datetime(2026, 5, 3, 15, 45, 46, 123000, tzinfo=UTC)
    assert parse_send_date(1674563371558) == datetime(2023, 1, 24, 12, 29, 31, 558000, tzinfo=UTC)
    assert parse_send_date("2024-7-12@01h31m37s") == datetime(2024, 7, 12, 1, 31, 37, tzinfo=UTC)
    assert parse_send_date("2023-4-21 @20h 02m 47s 124ms") == datetime(2023, 4, 21, 20, 2, 47, 124000, tzinfo=UTC)
    assert parse_send_date("June 19, 2023 2:20pm") == datetime(2023, 6, 19, 14, 20, tzinfo=UTC)
    assert parse_send_date("garbage") is None and parse_send_date(None) is None


def test_exports_markdown_and_text(tmp_path: Path) -> None:
    store, ref = imported(tmp_path, jsonl(MODERN))
    md = export_chat(store, ref, "md").decode()
    assert md.startswith("# chat\n") and "### Seraphina" in md and "swipe 1/2" in md
    assert "Hi! ☕" in md and "hidden from the prompt" in md
    txt = export_chat(store, ref, "txt").decode()
    assert "User: Hi! ☕" in txt and "Seraphina: (swipe 1/2) Hello." in txt
    with pytest.raises(StoreError, match="unknown export format"):
        export_chat(store, ref, "pdf")


def test_lazy_open_parses_only_what_is_read(tmp_path: Path) -> None:
    records = [MODERN[0]] + [{**MODERN[2], "mes": f"m{i}"} for i in range(500)]
    opened = split_chat_bytes(jsonl(records), "x")
    assert len(opened.messages) == 500 and opened.messages.parsed_count() == 0
    assert [m.mes for m in opened.messages[-3:]] == ["m497", "m498", "m499"]
    assert opened.messages.parsed_count() == 3
    assert opened.messages.maybe_hidden(5) is False and opened.messages.parsed_count() == 3
    out = b"".join(line + b"\n" for line in opened.messages.encoded_lines())
    assert out == jsonl(records[1:], trailing=True)  # untouched lines written back byte for byte


def test_torn_tail_and_damaged_middle_line(tmp_path: Path) -> None:
    data = jsonl(MODERN, trailing=True) + b'{"name":"Sera","mes":"cut in ha'
    opened = split_chat_bytes(data, "x")
    assert opened.torn_tail and len(opened.messages) == 3
    damaged = jsonl(MODERN[:2]) + b"\n{broken\n" + jsonl(MODERN[2:3])
    messages = split_chat_bytes(damaged, "x").messages
    assert messages[1].is_system and "could not be read" in messages[1].mes  # hidden, visible, nothing lost
    assert messages[2].mes == "Hi! ☕"


def test_message_list_is_a_mutable_sequence() -> None:
    items = MessageList([Message(mes="a"), Message(mes="b")])
    items.append(Message(mes="c"))
    items.insert(0, Message(mes="z"))
    del items[1]
    items[0] = Message(mes="y")
    assert [m.mes for m in items] == ["y", "b", "c"] and len(items) == 3
    items[1:] = [Message(mes="q")]
    assert [m.mes for m in items] == ["y", "q"]


def test_summaries_rename_delete_search(tmp_path: Path) -> None:
    store, ref = imported(tmp_path, jsonl(MODERN))
    (summary,) = store.summaries("seraphina")
    assert summary.message_count == 3 and summary.last_name == "Seraphina" and summary.last_preview == "hidden"
    renamed = store.rename(ref, "Moon night")
    assert renamed.id == "seraphina/Moon night" and not ref.path.exists()
    hits = store.search("HI THERE")
    assert [(h.ref.id, h.index) for h in hits] == [(renamed.id, 0)]  # found in a swipe
    assert store.search("☕")[0].snippet.endswith("☕")
    store.delete(renamed)
    assert store.list() == []
    with pytest.raises(StoreError, match="no chat"):
        store.find("seraphina/../../etc")


def test_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    path = tmp_path / "c" / "chat.jsonl"
    first, second = ChatLock(path), ChatLock(path)
    assert first.acquire() and not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_personas(tmp_path: Path) -> None:
    store = PersonaStore(tmp_path / "personas.json")
    ann = store.create("Ann", "A sailor.")
    bob = store.create("Ann", "Another Ann.", position=4, depth=1)
    assert ann.id != bob.id and store.default_id == ann.id
    store.set_default(bob.id)
    assert store.default() == bob and store.find("ann") == ann  # by id first, then by name
    with pytest.raises(StoreError, match="invalid persona"):
        store.create("X", position=7)
    store.delete(bob.id)
    assert store.default_id == ann.id
    imported_personas = store.import_sillytavern({"power_user": {
        "personas": {"user.png": "Sol"},
        "persona_descriptions": {"user.png": {"description": "Sun", "position": 2, "depth": 2, "role": 0}}}})
    assert [(p.name, p.description, p.position) for p in imported_personas] == [("Sol", "Sun", 2)]
    (tmp_path / "personas.json").write_text("{broken")
    with pytest.raises(StoreError, match="damaged"):
        store.list()


def test_fast_line_encoder_agrees_with_the_general_one() -> None:
    from tavo_tui.store.jsonl import decode_message, encode_message, message_to_json

    samples = [decode_message(r) for r in MODERN[1:]]
    samples += [Message(name="N", mes="é\u2028", extra={"f": 2.5, "n": None}), Message(mes="x", swipes=None)]
    legacy = decode_message({"name": "A", "mes": "m"})
    legacy.extra["changed_in_place"] = True  # a default container edited in place must still be written
    samples.append(legacy)
    for message in samples:
        assert json.loads(encode_message(message)) == message_to_json(message)
    assert json.loads(encode_message(legacy))["extra"] == {"changed_in_place": True}
    lone = decode_message({"name": "A", "mes": "x\ud800y"})  # not UTF-8 encodable: escaped, still valid JSON
    assert json.loads(encode_message(lone))["mes"] == "x\ud800y"
