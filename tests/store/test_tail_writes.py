"""Writes at the end of a chat file: an append after a line a crash tore, and replacing only the last line
(how a reply being streamed is kept on disk without rewriting a long chat)."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from tavo_tui.model import Chat, ChatHeader, Message
from tavo_tui.store import ChatStore, StoreError
from tavo_tui.store.chats import ChatRef


def make_chat(count: int = 2) -> Chat:
    return Chat(header=ChatHeader(user_name="Ann", character_name="Bob"),
                messages=[Message(name="Bob", mes=f"message {i}", is_user=i % 2 == 1) for i in range(count)])


def file_lines(ref: ChatRef) -> list[dict[str, object]]:
    """Every line of the file as JSON: fails on any line that is not (a torn line left in the middle)."""
    data = ref.path.read_bytes()
    assert data.endswith(b"\n")
    return [json.loads(line) for line in data.split(b"\n")[:-1]]


def test_append_after_a_torn_line_cuts_the_torn_line(tmp_path: Path) -> None:
    store = ChatStore(tmp_path)
    ref = store.create("bob", make_chat())
    with open(ref.path, "ab") as fh:
        fh.write(b'{"name":"Bob","is_user":false,"mes":"cut in ha')  # what a kill -9 mid-append leaves
    store.append(ref, Message(name="Ann", is_user=True, mes="after the crash"))
    lines = file_lines(ref)
    assert [line.get("mes") for line in lines[1:]] == ["message 0", "message 1", "after the crash"]
    opened = store.open(ref)
    assert not opened.torn_tail
    assert all((m.extra or {}).get("type") != "damaged" for m in opened.messages)


def test_append_after_a_complete_line_without_newline_keeps_it(tmp_path: Path) -> None:
    """SillyTavern writes no newline after the last line: that line is whole and must stay."""
    store = ChatStore(tmp_path)
    ref = store.create("bob", make_chat())
    ref.path.write_bytes(ref.path.read_bytes().rstrip(b"\n"))
    store.append(ref, Message(name="Ann", is_user=True, mes="third"))
    assert [line.get("mes") for line in file_lines(ref)[1:]] == ["message 0", "message 1", "third"]


def test_append_refuses_a_file_that_is_one_torn_line(tmp_path: Path) -> None:
    store = ChatStore(tmp_path)
    ref = store.create("bob", make_chat(0))
    ref.path.write_bytes(b'{"user_name":"Ann","chat_meta')
    with pytest.raises(StoreError, match="line 1"):
        store.append(ref, Message(mes="x"))
    assert ref.path.read_bytes() == b'{"user_name":"Ann","chat_meta'


def test_append_returns_where_the_line_begins(tmp_path: Path) -> None:
    store = ChatStore(tmp_path)
    ref = store.create("bob", make_chat())
    size = ref.path.stat().st_size
    assert store.append(ref, Message(mes="x")) == size


def test_replace_last_rewrites_only_the_last_line(tmp_path: Path) -> None:
    store = ChatStore(tmp_path)
    ref = store.create("bob", make_chat(2000))
    before = ref.path.read_bytes()
    head = before[: before.rstrip(b"\n").rfind(b"\n") + 1]
    inode = ref.path.stat().st_ino
    for text in ("partial", "partial reply, longer", "short"):
        store.replace_last(ref, Message(name="Bob", mes=text, extra={"incomplete": True}))
        data = ref.path.read_bytes()
        assert data.startswith(head) and data.endswith(b"\n")
        assert json.loads(data[len(head):])["mes"] == text
    assert ref.path.stat().st_ino == inode  # the same file, changed in place: no whole-file rewrite


def test_replace_last_after_append_of_a_file_without_final_newline(tmp_path: Path) -> None:
    store = ChatStore(tmp_path)
    ref = store.create("bob", make_chat())
    ref.path.write_bytes(ref.path.read_bytes().rstrip(b"\n"))
    store.replace_last(ref, Message(name="Bob", mes="replaced"))
    assert [line.get("mes") for line in file_lines(ref)[1:]] == ["message 0", "replaced"]


def test_replace_last_never_replaces_the_header(tmp_path: Path) -> None:
    store = ChatStore(tmp_path)
    ref = store.create("bob", make_chat(0))
    before = ref.path.read_bytes()
    with pytest.raises(StoreError, match="no message"):
        store.replace_last(ref, Message(mes="x"))
    assert ref.path.read_bytes() == before


def test_replace_last_puts_the_old_line_back_when_the_write_fails(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    store = ChatStore(tmp_path)
    ref = store.create("bob", make_chat())
    before = ref.path.read_bytes()
    real = os.pwrite
    calls: list[int] = []

    def full_disk(fd: int, data: bytes, offset: int) -> int:
        calls.append(len(data))
        if len(calls) == 1:
            real(fd, bytes(data)[:5], offset)  # part of the new line got out, then the disk was full
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, data, offset)

    monkeypatch.setattr(os, "pwrite", full_disk)
    with pytest.raises(StoreError, match="No space left"):
        store.replace_last(ref, Message(name="Bob", mes="a new, longer last line"))
    monkeypatch.undo()
    assert ref.path.read_bytes() == before
