"""A full disk (a real EFBIG from RLIMIT_FSIZE in a child process): clear notice, chat kept, file intact, retried."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import asyncio, json, resource, signal, sys
from pathlib import Path
from tavo_tui.session import AppContext, Notice

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing us
home, card = Path(sys.argv[1]), Path(sys.argv[2])
out = {}

async def main():
    ctx = AppContext.open(home, user_name="Ann")
    session = ctx.open_chat(card)
    session.backend.delay = 0
    async for _ in session.send("first"):
        pass
    path = session.ref.path
    before = path.read_bytes()
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (len(before) + 40, hard))  # the disk is now "full"
    notices = [e.text async for e in session.send("second " * 20) if isinstance(e, Notice)]
    out["append_notices"] = notices
    out["unchanged_after_append"] = path.read_bytes() == before
    out["edit_notice"] = (session.edit(1, "edited " * 30) or Notice("")).text
    out["unchanged_after_edit"] = path.read_bytes() == before
    out["in_memory"] = [m.mes for m in session.messages]
    out["unsaved"] = session.unsaved
    out["stray_files"] = sorted(p.name for p in path.parent.iterdir())
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))  # space freed
    out["retry"] = session.retry_save()
    out["on_disk"] = [json.loads(line).get("mes") for line in path.read_text(encoding="utf-8").splitlines()[1:]]
    out["unsaved_after"] = session.unsaved
    await session.aclose()

asyncio.run(main())
print(json.dumps(out, default=str))
"""


def test_full_disk_keeps_chat_and_file(tmp_path: Path) -> None:
    card = ROOT / "sample_cards" / "maren_holloway.png"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "home"), str(card)], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["append_notices"] and all("kept in memory" in n and "File too large" in n
                                         for n in out["append_notices"])
    assert out["unchanged_after_append"] and out["unchanged_after_edit"]
    assert "kept in memory" in out["edit_notice"]
    assert out["unsaved"] is True
    assert [n for n in out["stray_files"] if n.endswith(".tmp")] == []  # a failed rewrite leaves no temp file
    assert out["in_memory"][1] == "edited " * 30 and out["in_memory"][3] == "second " * 20
    assert out["retry"] is None and out["unsaved_after"] is False
    assert out["on_disk"] == out["in_memory"]
