"""The chat's world file is parsed once per version of the file, not on every prompt preview."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tavo_tui.session import AppContext
from tavo_tui.session import core as session_core
from tavo_tui.session.chat_session import ChatSession

CARD = Path(__file__).resolve().parents[2] / "sample_cards" / "maren_holloway.png"


def world(content: str) -> str:
    return json.dumps({"entries": {"0": {
        "uid": 0, "key": ["lamp"], "content": content, "constant": True, "disable": False,
        "order": 100, "position": 0}}})


@pytest.fixture
def session(home: Path) -> ChatSession:
    ctx = AppContext.open(home, user_name="Ann")
    chat = ctx.open_chat(CARD)
    ctx.worlds_dir.mkdir(parents=True, exist_ok=True)
    (ctx.worlds_dir / "moon.json").write_text(world("The moon hums."), encoding="utf-8")
    chat.set_lorebook("moon")
    return chat


def body_of(session: ChatSession) -> str:
    return json.dumps(session.inspect().request.body)


def test_second_preview_does_not_reparse(session: ChatSession, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[Path] = []
    real = session_core.read_world_file

    def counting(path: Path):  # type: ignore[no-untyped-def]
        reads.append(path)
        return real(path)

    monkeypatch.setattr(session_core, "read_world_file", counting)
    assert "The moon hums." in body_of(session)
    first = session.lorebooks()
    assert "The moon hums." in body_of(session)
    second = session.lorebooks()
    assert len(reads) == 1
    assert first[0] is second[0]  # the same parsed book, so the engine's identity caches keep working


def test_an_edit_on_disk_is_picked_up(session: ChatSession) -> None:
    path = session.ctx.worlds_dir / "moon.json"
    before = session.lorebooks()[0]
    path.write_text(world("The moon sings loudly."), encoding="utf-8")  # a different size
    assert "The moon sings loudly." in body_of(session)
    # Same size, new mtime: still reloaded.
    stat = path.stat()
    path.write_text(world("The moon rings loudly."), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert "The moon rings loudly." in body_of(session)
    assert session.lorebooks()[0] is not before


def test_a_removed_or_broken_file_gives_no_book(session: ChatSession) -> None:
    path = session.ctx.worlds_dir / "moon.json"
    assert session.lorebooks()
    path.write_text("{not json", encoding="utf-8")
    assert session.lorebooks() == []
    path.unlink()
    assert session.lorebooks() == [] and "The moon hums." not in body_of(session)
