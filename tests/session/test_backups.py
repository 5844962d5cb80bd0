"""Automatic chat backups: when they are made (throttled, after committed changes), the bound per chat, the
names, restore (CLI and session), and that a restore keeps the state it replaces."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from tavo_tui.cli import main
from tavo_tui.session import AppContext, ChatSession
from tavo_tui.session.backups import Backups, backup_delay
from tavo_tui.store.backups import BackupStore
from tavo_tui.store.errors import StoreError

CARD = Path(__file__).resolve().parents[2] / "sample_cards" / "maren_holloway.png"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def saved_chat(home: Path, *, limit: int) -> tuple[AppContext, Clock, ChatSession]:
    """A new chat saved once, with its first backup made, under a 10 s interval on a test clock."""
    ctx = AppContext.open(home, user_name="Ann")
    clock = Clock()
    ctx.backups = Backups(BackupStore(home / "data" / "backups"), limit=limit, interval=10.0, clock=clock)
    session = ctx.open_chat(CARD, new=True)
    assert session.rewrite_file() is None and session.ref is not None
    ctx.backups.flush()
    return ctx, clock, session


def test_backup_delay() -> None:
    assert backup_delay(None, 5.0, 10.0) == 0.0
    assert backup_delay(1.0, 5.0, 10.0) == 6.0
    assert backup_delay(1.0, 12.0, 10.0) == 0.0
    assert backup_delay(1.0, 2.0, 0.0) == 0.0


def test_changes_are_backed_up_throttled_and_bounded(home: Path) -> None:
    ctx, clock, session = saved_chat(home, limit=2)
    assert session.ref is not None
    (first,) = ctx.chat_backups(session.ref.id)
    assert first.name.startswith("chat_maren_holloway_Maren Holloway - ") and first.name.endswith(".jsonl")
    session.insert_narrator("One.")
    session.insert_narrator("Two.")  # inside the interval: one backup, due when it ends
    assert len(ctx.chat_backups(session.ref.id)) == 1
    ctx.backups.flush()  # (what closing the chat does) makes the one that was due
    backups = ctx.chat_backups(session.ref.id)
    assert len(backups) == 2 and b"Two." in backups[0].path.read_bytes()
    clock.now += 11
    session.insert_narrator("Three.")
    ctx.backups.flush()
    backups = ctx.chat_backups(session.ref.id)
    assert len(backups) == 2 and b"Three." in backups[0].path.read_bytes()  # the oldest went
    session.close()


def test_a_chat_whose_name_extends_another_keeps_its_own_backups(tmp_path: Path) -> None:
    from tavo_tui.store.chats import ChatRef

    store = BackupStore(tmp_path)
    short, long = ChatRef(tmp_path / "c" / "A.jsonl", "c"), ChatRef(tmp_path / "c" / "A_1.jsonl", "c")
    when = datetime(2026, 1, 2, 3, 4, 5)
    store.write(short, b"{}", 5, when)
    store.write(short, b"{}", 5, when)  # the same second: kept apart by a counter
    store.write(long, b"{}", 5, when)
    assert [b.stamp for b in store.list(short)] == ["20260102-030405-1", "20260102-030405"]
    assert len(store.list(long)) == 1


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_lists_and_restores_keeping_the_replaced_state(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "chat", "new", "--card", str(CARD))
    chat_id = out.strip()
    ctx = AppContext.open(home)
    ctx.backups.interval = 0
    session = ctx.open_chat_id(chat_id, CARD)
    session.insert_narrator("Later text.")
    session.close()
    code, out, _ = run(capsys, "chat", "backups", chat_id, "--json")
    listed = json.loads(out)
    assert code == 0 and len(listed) == 2 and b"Later text." in Path(listed[0]["path"]).read_bytes()
    oldest = listed[-1]["stamp"]
    code, out, err = run(capsys, "chat", "restore", chat_id, oldest)
    assert code == 0, err
    assert "Later text." not in ctx.export_chat(chat_id, "txt").decode()
    assert out.startswith("restored; the previous state is kept as backup chat_")
    code, out, _ = run(capsys, "chat", "backups", chat_id)
    newest = out.splitlines()[0].split("\t")[0]
    assert b"Later text." in (home / "data" / "backups" / newest).read_bytes()
    code, _, err = run(capsys, "chat", "restore", chat_id, "nope")
    assert code == 1 and "no backup 'nope'" in err


def test_a_damaged_backup_is_refused_and_nothing_changes(home: Path) -> None:
    ctx = AppContext.open(home)
    session = ctx.open_chat(CARD, new=True)
    session.rewrite_file()
    session.close()
    assert session.ref is not None
    (backup,) = ctx.chat_backups(session.ref.id)
    backup.path.write_text("not json\n{}\n", encoding="utf-8")
    before = session.ref.path.read_bytes()
    with pytest.raises(StoreError, match="line 1 is not valid JSON"):
        ctx.restore_backup(session.ref.id, backup.name)
    assert session.ref.path.read_bytes() == before


def test_a_backup_due_after_the_pool_shut_down_is_still_made(home: Path) -> None:
    """As at interpreter exit, when a timer fires after the app quit without flushing: no RuntimeError in the
    timer's thread, and the backup is copied in place."""
    ctx, clock, session = saved_chat(home, limit=5)
    assert session.ref is not None
    assert ctx.backups._pool is not None
    ctx.backups._pool.shutdown()  # what concurrent.futures does to every pool as the interpreter exits
    clock.now += 11
    session.insert_narrator("After the pool.")
    backups = ctx.chat_backups(session.ref.id)
    assert len(backups) == 2 and b"After the pool." in backups[0].path.read_bytes()
    session.close()
