from __future__ import annotations

import json
from pathlib import Path

import pytest

from tavo_tui.model import Chat, ChatHeader, Message
from tavo_tui.store import ChatStore, StoreError
from tavo_tui.store.chats import parse_chat, serialize_chat
from tavo_tui.store.interchange import read_import_lines


def sample_chat() -> Chat:
    return Chat(
        header=ChatHeader(user_name="Ann", character_name="Bob"),
        messages=[Message(name="Bob", mes="Hi {{user}}"), Message(name="Ann", is_user=True, mes="héllo")],
    )


def test_create_append_load_round_trip(tmp_path: Path) -> None:
    store = ChatStore(tmp_path)
    ref = store.create("bob", sample_chat())
    store.append(ref, Message(name="Bob", mes="third"))
    loaded = store.load(ref)
    assert [m.mes for m in loaded.messages] == ["Hi {{user}}", "héllo", "third"]
    assert loaded.header.user_name == "Ann"
    assert store.latest("bob") == ref
    assert store.find(ref.id) == ref


def test_file_is_sillytavern_jsonl(tmp_path: Path) -> None:
    ref = ChatStore(tmp_path).create("bob", sample_chat())
    lines = ref.path.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    assert set(header) >= {"user_name", "character_name", "create_date", "chat_metadata"}
    first = json.loads(lines[1])
    assert set(first) >= {"name", "is_user", "is_system", "send_date", "mes", "extra"}
    assert "swipes" not in first  # never set, so not written


def test_torn_last_line_is_dropped_not_fatal(tmp_path: Path) -> None:
    store = ChatStore(tmp_path)
    ref = store.create("bob", sample_chat())
    with open(ref.path, "ab") as fh:
        fh.write(b'{"name": "Bob", "mes": "cut in ha')
    assert [m.mes for m in store.load(ref).messages] == ["Hi {{user}}", "héllo"]


def test_damage_in_the_middle_is_an_error() -> None:
    text = '{"user_name":"a","character_name":"b","chat_metadata":{}}\nnot json\n{"mes":"x"}\n'
    with pytest.raises(StoreError, match="line 2"):
        parse_chat(text, "f.jsonl")


@pytest.mark.parametrize("separator", ["\u0085", "\u2028", "\u2029"])
def test_line_separators_inside_a_message_do_not_split_the_line(separator: str, tmp_path: Path) -> None:
    header = '{"user_name":"a","character_name":"b","create_date":"d","chat_metadata":{}}'
    line = json.dumps({"name": "b", "is_user": False, "mes": f"one{separator}two"}, ensure_ascii=False)
    assert separator in line  # written raw, as SillyTavern writes it
    text = header + "\n" + line + "\n"
    assert [m.mes for m in parse_chat(text, "f.jsonl").messages] == [f"one{separator}two"]
    # The path `prompt --chat FILE` takes: the import reader, then the eager parser.
    lines = read_import_lines(text.encode(), "f.jsonl")
    assert [m.mes for m in parse_chat(b"\n".join(lines).decode(), "f").messages] == [f"one{separator}two"]
    store = ChatStore(tmp_path)
    ref = store.create("bob", parse_chat(text, "f"))
    assert [m.mes for m in store.load(ref).messages] == [f"one{separator}two"]


def test_explicit_nulls_round_trip() -> None:
    text = '{"user_name":"a","character_name":"b","create_date":"d","chat_metadata":{}}\n'
    text += '{"name":"b","is_user":false,"is_system":false,"send_date":"d","mes":"x","swipes":null,"extra":{},"z":1}\n'
    assert serialize_chat(parse_chat(text, "f")).decode() == text


def test_unwritable_chat_gives_store_error(tmp_path: Path) -> None:
    store = ChatStore(tmp_path)
    ref = store.create("bob", sample_chat())
    ref.path.unlink()
    ref.path.mkdir()  # writing now fails even as root
    with pytest.raises(StoreError, match="kept in memory"):
        store.append(ref, Message(mes="x"))
    with pytest.raises(StoreError, match="kept in memory"):
        store.rewrite(ref, sample_chat())
