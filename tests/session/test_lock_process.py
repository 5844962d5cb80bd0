"""Two tavo-tui processes on one chat: the second opens it read-only and says so; the first keeps writing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tavo_tui.session import AppContext, Notice

ROOT = Path(__file__).resolve().parents[2]
CARD = ROOT / "sample_cards" / "maren_holloway.png"

HOLDER = r"""
import sys
from pathlib import Path
from tavo_tui.session import AppContext
session = AppContext.open(Path(sys.argv[1])).open_chat(Path(sys.argv[2]))
session.rewrite_file()
print(session.ref.id, flush=True)
sys.stdin.readline()  # hold the chat open until the parent is done
session.insert_narrator("written by the first process")
session.close()
print("closed", flush=True)
"""


def test_second_process_is_read_only(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(home), str(CARD)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        assert holder.stdout is not None and holder.stdin is not None
        chat_id = holder.stdout.readline().strip()
        assert chat_id
        session = AppContext.open(home).open_chat(CARD, chat_id=chat_id)
        assert session.read_only and "another tavo-tui process" in (session.read_only_reason or "")
        _, notice = session.insert_narrator("from the second process")
        assert isinstance(notice, Notice) and "read-only" in notice.text
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "closed"
    finally:
        holder.kill()
        holder.wait(10)
    path = home / "data" / "chats" / f"{chat_id}.jsonl"
    texts = [json.loads(line)["mes"] for line in path.read_text(encoding="utf-8").splitlines()[1:]]
    assert texts[-1] == "written by the first process" and "from the second process" not in texts
    # Once the first process is gone, the chat opens for writing again.
    again = AppContext.open(home).open_chat(CARD, chat_id=chat_id)
    assert not again.read_only
    again.close()
