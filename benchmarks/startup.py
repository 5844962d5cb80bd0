"""Start-up time of the real `tavo-tui` command to its first frame, measured in tmux.

Run by hand: `.venv/bin/python benchmarks/startup.py [--runs 5] [--cards 2000] [--cold] [--bytecode-cache]`.
Prints the figures.
By default the card-listing cache is warm (one unmeasured start first), as for every start after the first.
The first frame is the moment tmux's screen shows both the status bar and the library's cards (one of the
sample cards' names); the timer starts just before tmux launches the command, so the figure includes
Python's own start-up. Beside that wall-clock figure it prints the CPU time (user + system) the app's process
had used at that moment, which other load on the machine disturbs much less.

Python compiles every module it imports unless a bytecode cache is allowed: with PYTHONDONTWRITEBYTECODE set
(as in some sandboxes) each start recompiles the package. `--bytecode-cache` measures what an installed app
does instead (a .pyc cache, kept in a temporary folder so the checkout stays clean, filled by the warm-up run).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TAVO = Path(os.environ.get("TAVO_BENCH_BIN", str(Path(sys.executable).parent / "tavo-tui")))  # another build to compare
MARKER = "DEMO"  # the status bar of the first frame
SAMPLES = ROOT / "sample_cards"


def tmux(socket: str, *args: str, env: dict[str, str] | None = None) -> str:
    # A new socket per run starts a new tmux server, which passes `env` on to the command it runs.
    return subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True, check=False,
                          env=env).stdout


def card_names() -> list[str]:
    """The sample cards' names: every library used here is made of copies of them."""
    from tavo_tui.cards import read_card

    return [read_card(path).card.name for path in sample_files()]


def sample_files() -> list[Path]:
    return sorted(p for p in SAMPLES.iterdir() if p.suffix in {".png", ".json", ".charx"})


def first_frame(screen: str, names: list[str]) -> bool:
    return MARKER in screen and any(name in screen for name in names)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far (Linux /proc; 0 where unavailable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_run(home: Path, library: Path, names: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Seconds from launch to the first frame, and the CPU seconds the app had used by then."""
    socket = f"tavo-bench-{uuid.uuid4().hex[:8]}"
    command = f"'{TAVO}' --home '{home}' --library '{library}'"
    start = time.perf_counter()
    tmux(socket, "new-session", "-d", "-s", "b", "-x", "120", "-y", "40", command, env=env)
    try:
        pid = 0
        while time.perf_counter() - start < 30:
            screen = tmux(socket, "capture-pane", "-p", "-t", "b")
            if first_frame(screen, names):
                wall = time.perf_counter() - start
                return wall, cpu_seconds(pid)
            if not pid:  # the pane runs the command itself (tmux execs a plain command line)
                pid = int(tmux(socket, "display", "-p", "-t", "b", "#{pane_pid}").strip() or 0)
            time.sleep(0.005)
        raise RuntimeError("no first frame within 30 s")
    finally:
        tmux(socket, "kill-server")


def package_compiled() -> bool:
    """Whether tavo_tui's modules have up-to-date compiled files (`make` compiles them at install)."""
    import importlib.util

    sources = list((ROOT / "tavo_tui").rglob("*.py"))
    for source in sources:
        compiled = Path(importlib.util.cache_from_source(str(source)))
        if not compiled.exists() or compiled.stat().st_mtime < source.stat().st_mtime:
            return False
    return bool(sources)


def make_library(folder: Path, count: int) -> Path:
    """`count` copies of the sample cards under distinct names (a larger library for the start-up figure)."""
    samples = sample_files()
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
    parser.add_argument("--bytecode-cache", action="store_true",
                        help="let Python cache compiled modules (as an installed app does), even if "
                             "PYTHONDONTWRITEBYTECODE is set")
    args = parser.parse_args()
    names = card_names()
    with tempfile.TemporaryDirectory() as tmp:
        env = None
        if args.bytecode_cache:
            env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
            env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pyc")
        library = make_library(Path(tmp) / "lib", args.cards) if args.cards else SAMPLES
        if args.cold:
            if env is not None:
                one_run(Path(tmp) / "warm-up", library, names, env)  # fills the bytecode cache only
            runs = [one_run(Path(tmp) / f"home{i}", library, names, env) for i in range(args.runs)]
        else:
            home = Path(tmp) / "home"
            one_run(home, library, names, env)  # fills the card-listing cache, as any earlier start has
            runs = [one_run(home, library, names, env) for _ in range(args.runs)]
    cache = "cold card cache" if args.cold else "warm card cache"
    compiled = "bytecode cached" if args.bytecode_cache or not os.environ.get("PYTHONDONTWRITEBYTECODE") else (
        "bytecode compiled at install" if package_compiled() else
        "no bytecode cache: PYTHONDONTWRITEBYTECODE is set and the package is not compiled")
    print(f"start-up to first frame over {args.runs} runs ({args.cards or 'sample'} cards, {cache}, {compiled}):")
    for label, values in (("", [wall for wall, _ in runs]), ("CPU of the app by then: ", [cpu for _, cpu in runs])):
        print(f"  {label}median {statistics.median(values) * 1000:.0f} ms, min {min(values) * 1000:.0f} ms, "
              f"max {max(values) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
