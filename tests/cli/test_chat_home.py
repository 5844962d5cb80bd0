"""`chat new --greeting` out of range, `chat list --json` parent and `--tree`: what a script sees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tavo_tui.cli import main
from tavo_tui.session import AppContext

CARD = Path(__file__).resolve().parents[2] / "sample_cards" / "maren_holloway.png"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_greeting_out_of_range_fails_with_the_range(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    count = len(AppContext.open(home).load_card(CARD).greetings())
    code, out, err = run(capsys, "chat", "new", "--card", str(CARD), "--greeting", str(count))
    assert code == 2 and out == ""
    assert err.strip() == (f"tavo-tui: greeting {count} does not exist; this card has greetings 0\u2013{count - 1}")
    assert not (home / "data" / "chats").exists() or not list((home / "data" / "chats").rglob("*.jsonl"))


def test_list_shows_the_parent_and_the_tree(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "chat", "new", "--card", str(CARD))
    main_id = out.strip()
    session = AppContext.open(home).open_chat_id(main_id, CARD)
    child_id = session.checkpoint(0, "Fork")
    session.close()
    code, out, _ = run(capsys, "chat", "list", "--card", str(CARD), "--json")
    by_id = {e["id"]: e for e in json.loads(out)}
    assert by_id[child_id]["parent"] == main_id.partition("/")[2] and by_id[main_id]["parent"] is None
    code, out, _ = run(capsys, "chat", "list", "--card", str(CARD), "--tree")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith(main_id + "\t") and lines[1].startswith("  " + child_id + "\t")
