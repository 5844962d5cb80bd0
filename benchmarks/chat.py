"""Long-chat speed: open a 10,000-message chat, scroll to the top, append a message; times and peak memory.

Run by hand: `.venv/bin/python benchmarks/chat.py [--messages 10000] [--words 120]`. Prints the figures.
The chat is generated in a temporary TAVO_HOME as a SillyTavern JSONL file (every other message a character
reply with two swipes and their swipe_info). "open" is `AppContext.open_chat` (what the TUI does when a
character is picked) plus reading the newest window of 50 messages; "scroll to top" reads the oldest window;
"append" is a send's user message saved with fsync; "first prompt" is assembling the next request.
Goal: open < 0.3 s and peak memory < 150 MB.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

from tavo_tui.session import AppContext

ROOT = Path(__file__).resolve().parents[1]
CARD = ROOT / "sample_cards" / "maren_holloway.png"
WINDOW = 50
WORDS = "amber quiet river lantern copper meadow harbour violet thunder orchard falcon ember willow".split()


def write_chat(path: Path, count: int, words: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    lines = [json.dumps({"user_name": "unused", "character_name": "unused",
                         "chat_metadata": {"integrity": "bench", "tainted": True}}, separators=(",", ":"))]
    for i in range(count):
        text = " ".join(rnd.choice(WORDS) for _ in range(words)) + f" #{i}"
        date = f"2026-05-03T15:{i // 600 % 60:02d}:{i // 10 % 60:02d}.000Z"
        record: dict[str, object] = {"name": "Ann" if i % 2 else "Maren Holloway", "is_user": bool(i % 2),
                                     "is_system": False, "send_date": date, "mes": text, "extra": {}}
        if not i % 2:
            alt = " ".join(rnd.choice(WORDS) for _ in range(words))
            extra = {"api": "openai", "model": "bench", "token_count": words}
            record.update(extra=extra, swipes=[text, alt], swipe_id=0,
                          swipe_info=[{"send_date": date, "extra": extra}, {"send_date": date, "extra": extra}])
        lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def run(args: argparse.Namespace, trace: bool) -> dict[str, float]:
    """One pass; timings are taken with tracing off (tracemalloc slows Python down several times)."""
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        ctx = AppContext.open(home, user_name="Ann")
        chat_file = ctx.paths.chats_dir / ctx.card_key(CARD) / "Long chat.jsonl"
        write_chat(chat_file, args.messages, args.words)
        size_mb = chat_file.stat().st_size / 1e6
        ctx.load_card(CARD)  # warm the card cache, as the library listing already has

        if trace:
            tracemalloc.start()
        t0 = time.perf_counter()
        session = ctx.open_chat(CARD)
        start, newest = session.window(WINDOW)
        t_open = time.perf_counter() - t0
        assert session.title == "Long chat" and len(session.messages) == args.messages and newest

        t0 = time.perf_counter()
        end = start
        while end > 0:  # scroll up window by window, as the log does
            end, older = session.window(WINDOW, end)
        t_scroll = time.perf_counter() - t0
        assert older[0].mes.endswith("#0")

        t0 = time.perf_counter()
        message = session.add_user_message("A new message at the end.")
        notice = session._save_new(message)
        t_append = time.perf_counter() - t0
        assert notice is None

        t0 = time.perf_counter()
        session.inspect()
        t_prompt = time.perf_counter() - t0

        t0 = time.perf_counter()
        session.edit(len(session.messages) - 1, "Edited, so the whole file is rewritten.")
        t_rewrite = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        if trace:
            tracemalloc.stop()
        session.close()
    return {"size_mb": size_mb, "open": t_open, "scroll": t_scroll, "append": t_append, "prompt": t_prompt,
            "rewrite": t_rewrite, "peak": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--words", type=int, default=120, help="words per message")
    args = parser.parse_args()
    r = run(args, trace=False)
    peak = run(args, trace=True)["peak"]
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"chat: {args.messages} messages, {r['size_mb']:.1f} MB on disk")
    print(f"open (+ newest {WINDOW}):   {r['open'] * 1000:8.1f} ms   (goal < 300 ms)")
    print(f"scroll to the top:      {r['scroll'] * 1000:8.1f} ms   (every window of {WINDOW}, oldest last)")
    print(f"append one message:     {r['append'] * 1000:8.1f} ms   (fsync included)")
    print(f"prompt after scrolling: {r['prompt'] * 1000:8.1f} ms")
    print(f"edit (atomic rewrite):  {r['rewrite'] * 1000:8.1f} ms   (every message decoded by then)")
    print(f"peak traced memory:     {peak / 1e6:8.1f} MB   (goal < 150 MB)")
    print(f"peak RSS (process):     {rss_mb:8.1f} MB   (both passes, tracing overhead included)")


if __name__ == "__main__":
    main()
