"""Start-up time of the real `tavo-tui` command to its first frame, measured in tmux.

Run by hand: `.venv/bin/python benchmarks/startup.py [--runs 5] [--cards 2000] [--cold]`. Prints the figures.
By default the card-listing cache is warm (one unmeasured start first), as for every start after the first.
The first frame is the moment tmux's screen shows the app's header; the timer starts just before tmux
launches the command, so the figure includes Python's own start-up.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TAVO = Path(sys.executable).parent / "tavo-tui"
MARKER = "DEMO"  # the status bar of the first frame


def tmux(socket: str, *args: str) -> str:
    return subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True, check=False).stdout


def one_run(home: Path, library: Path) -> float:
    socket = f"tavo-bench-{uuid.uuid4().hex[:8]}"
    command = f"'{TAVO}' --home '{home}' --library '{library}'"
    start = time.perf_counter()
    tmux(socket, "new-session", "-d", "-s", "b", "-x", "120", "-y", "40", command)
    try:
        while time.perf_counter() - start < 30:
            screen = tmux(socket, "capture-pane", "-p", "-t", "b")
            if MARKER in screen:
                return time.perf_counter() - start
            time.sleep(0.005)
        raise RuntimeError("no first frame within 30 s")
    finally:
        tmux(socket, "kill-server")


def make_library(folder: Path, count: int) -> Path:
    """`count` copies of the sample cards under distinct names (a larger library for the start-up figure)."""
    samples = sorted(p for p in (ROOT / "sample_cards").iterdir() if p.suffix in {".png", ".json", ".charx"})
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        src = samples[i % len(samples)]
        shutil.copy(src, folder / f"{src.stem}-{i:05d}{src.suffix}")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cards", type=int, default=0, help="extra library size (0 = the sample cards only)")
    parser.add_argument("--cold", action="store_true", help="a fresh home per run (the card cache starts empty)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        library = make_library(Path(tmp) / "lib", args.cards) if args.cards else ROOT / "sample_cards"
        if args.cold:
            times = [one_run(Path(tmp) / f"home{i}", library) for i in range(args.runs)]
        else:
            home = Path(tmp) / "home"
            one_run(home, library)  # fills the card-listing cache, as any earlier start has
            times = [one_run(home, library) for _ in range(args.runs)]
    cache = "cold card cache" if args.cold else "warm card cache"
    print(f"start-up to first frame over {args.runs} runs ({args.cards or 'sample'} cards, {cache}):")
    print(f"  median {statistics.median(times) * 1000:.0f} ms, min {min(times) * 1000:.0f} ms, "
          f"max {max(times) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
