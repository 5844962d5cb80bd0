"""Importing a large SillyTavern folder, and start-up with the library it leaves.

Run by hand: `.venv/bin/python benchmarks/st_import.py [--cards 2000] [--chats 20000] [--messages 20] [--runs 3]`.
Prints the figures.

It writes a SillyTavern user folder in a temp dir (copies of the sample cards under distinct names, the chats
spread evenly over them, personas and tags in settings.json), then runs the real command
`tavo-tui import sillytavern` in a child process: wall time and the child's peak memory (max RSS). A second
run shows what re-importing costs (everything "already present"). Last, start-up to the first frame with that
library, measured as benchmarks/startup.py does (tmux, warm card cache).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import startup  # (the sibling benchmark: its tmux first-frame measurement is reused)

TAVO = startup.TAVO


def chat_text(name: str, messages: int, seed: int) -> str:
    lines = [json.dumps({"chat_metadata": {"integrity": f"bench-{seed}"}, "user_name": "unused",
                         "character_name": "unused"})]
    for i in range(messages):
        lines.append(json.dumps({
            "name": name if i % 2 == 0 else "User", "is_user": i % 2 == 1, "is_system": False,
            "send_date": "2024-01-01T10:00:00.000Z", "extra": {},
            "mes": f"Message {i} of chat {seed}. " + "Some roleplay text that reads like a reply. " * 6,
        }))
    return "\n".join(lines)


def make_st_folder(root: Path, cards: int, chats: int, messages: int) -> tuple[int, int]:
    """The folder; returns (card bytes, chat bytes) written."""
    samples = startup.sample_files()
    (root / "characters").mkdir(parents=True)
    card_bytes = chat_bytes = 0
    stems: list[str] = []
    for i in range(cards):
        src = samples[i % len(samples)]
        stem = f"{src.stem}-{i:05d}"
        shutil.copyfile(src, root / "characters" / f"{stem}{src.suffix}")
        card_bytes += src.stat().st_size
        stems.append(stem)
    for n in range(chats):
        stem = stems[n % len(stems)]
        folder = root / "chats" / stem
        folder.mkdir(parents=True, exist_ok=True)
        text = chat_text(stem, messages, n)
        (folder / f"{stem} - 2024-01-01@10h00m00s{n:03d}ms.jsonl").write_text(text, encoding="utf-8")
        chat_bytes += len(text)
    settings = {
        "username": "Bench",
        "power_user": {"personas": {f"p{i}.png": f"Persona {i}" for i in range(20)},
                       "persona_descriptions": {f"p{i}.png": {"description": f"Persona {i}."} for i in range(20)},
                       "default_persona": "p0.png"},
        "tags": [{"id": str(i), "name": f"tag {i}"} for i in range(50)],
        "tag_map": {f"{stem}.png": [str(i % 50)] for i, stem in enumerate(stems)},
    }
    (root / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    return card_bytes, chat_bytes


def timed_import(home: Path, source: Path, env: dict[str, str]) -> tuple[float, float, float, dict[str, Any]]:
    """Seconds, CPU seconds (user + system), peak RSS (MiB) of the child process, and the summary's counts."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    start = time.perf_counter()
    done = subprocess.run([str(TAVO), "--home", str(home), "import", "sillytavern", str(source), "--json"],
                          capture_output=True, text=True, check=True, env=env)
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = usage.ru_maxrss  # KiB on Linux; the largest child so far
    counts = json.loads(done.stdout)["counts"]
    return seconds, usage.ru_utime + usage.ru_stime - cpu, max(peak, before) / 1024, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cards", type=int, default=2000)
    parser.add_argument("--chats", type=int, default=20000)
    parser.add_argument("--messages", type=int, default=20, help="messages per chat")
    parser.add_argument("--runs", type=int, default=3, help="start-up runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "SillyTavern" / "data" / "default-user"
        start = time.perf_counter()
        card_bytes, chat_bytes = make_st_folder(source, args.cards, args.chats, args.messages)
        print(f"generated {args.cards} cards ({card_bytes / 2**20:.0f} MiB) and {args.chats} chats of "
              f"{args.messages} messages ({chat_bytes / 2**20:.0f} MiB) in {time.perf_counter() - start:.1f} s")
        home = Path(tmp) / "home"
        # As an installed app runs: compiled modules cached (in the temp dir, so the checkout stays clean).
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pyc")
        subprocess.run([str(TAVO), "--version"], capture_output=True, check=True, env=env)
        seconds, cpu, peak, counts = timed_import(home, source, env)
        print(f"import: {seconds:.1f} s (CPU {cpu:.1f} s), peak memory (max RSS of the process) {peak:.0f} MiB")
        for kind in ("character", "chat", "persona", "tags"):
            print(f"  {kind}: {counts.get(kind)}")
        seconds, cpu, _peak, counts = timed_import(home, source, env)
        print(f"second import (nothing new): {seconds:.1f} s (CPU {cpu:.1f} s); chats {counts.get('chat')}")
        names = startup.card_names()
        library = home / "data" / "cards"
        startup.one_run(home, library, names, env)  # as any start after the import: the listing cache is warm
        runs = [startup.one_run(home, library, names, env) for _ in range(args.runs)]
        report(f"start-up to first frame with that library over {args.runs} runs (bytecode cached):", runs)
        # The same number of cards without the chats, personas and tags: what the import adds to a start.
        plain_home, plain = Path(tmp) / "plain-home", startup.make_library(Path(tmp) / "plain", args.cards)
        startup.one_run(plain_home, plain, names, env)
        runs = [startup.one_run(plain_home, plain, names, env) for _ in range(args.runs)]
        report(f"for comparison, {args.cards} cards and nothing else:", runs)


def report(title: str, runs: list[tuple[float, float]]) -> None:
    print(title)
    for label, values in (("", [wall for wall, _ in runs]), ("CPU of the app by then: ", [c for _, c in runs])):
        print(f"  {label}median {statistics.median(values) * 1000:.0f} ms, min {min(values) * 1000:.0f} ms, "
              f"max {max(values) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
