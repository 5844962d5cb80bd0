"""Prompt assembly speed and memory on a large chat.

Run by hand: `.venv/bin/python benchmarks/prompt.py [--messages 10000] [--entries 1000] [--context 128000]
[--books N] [--huge] [--regex N] [--global-books N]`.
Builds a synthetic chat and lorebook, then measures a cold assembly (fresh token counter: books converted and
indexed again), a cold assembly of the same chat as just read from its file (lines not yet parsed), re-assembly
after one new message and after one more character typed into the pending message (the session layer's common
cases, same counter) and peak memory. `--books N` spreads the entries over N books: the card's and N-1 world
files, all active. Without `--books`/`--regex`/`--global-books` it runs twice: as described, then (issue 14) with
20 regex scripts (global, mixed placements, half of them prompt-only) and the entries spread over 5 active
global lorebooks (200 each with 1,000 entries) instead of the card's book. `--huge` is the 9.9 MB card of
issue 13: 300,000 entries, 200 messages. Goals: cold < 500 ms, incremental < 10 ms (1,000 entries);
incremental < 50 ms at 300,000. Uses the shared tiktoken cache when present (else the estimate), like the
product.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
import tracemalloc
from pathlib import Path
from typing import Any

SHARED_CACHE = Path(__file__).resolve().parent.parent.parent / "shared" / "tiktoken-cache"
if SHARED_CACHE.is_dir():
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(SHARED_CACHE))

from tavo_tui.model import AssembledPrompt, Card, ConnectionProfile, Lorebook, LorebookEntry, Message  # noqa: E402
from tavo_tui.model.regex_script import RegexScript  # noqa: E402
from tavo_tui.prompt import assemble, counter_for_model  # noqa: E402
from tavo_tui.prompt.common import GlobalBook  # noqa: E402
from tavo_tui.prompt.tokens import TokenCounter, tiktoken_cache_dir  # noqa: E402
from tavo_tui.prompt.tokens import _load_encode as load_encode  # noqa: E402
from tavo_tui.store import MessageList  # noqa: E402
from tavo_tui.store.jsonl import encode_message  # noqa: E402


def fresh_counter() -> TokenCounter:
    """A new counter with empty memos (counter_for_model shares one per process)."""
    shared = counter_for_model("gpt-4o")
    encode = load_encode("o200k_base", tiktoken_cache_dir())
    return TokenCounter(shared.method, shared.exact, encode) if encode else TokenCounter(shared.method, False)

WORDS = (
    "the forest river castle dragon sword lantern whisper storm harbor market tavern shadow ember crystal "
    "mountain valley bridge tower garden library archive compass map journey ancient silver golden quiet"
).split()


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def build(
    messages: int, entries: int, seed: int = 7, books: int = 1
) -> tuple[Card, list[Message], list[dict[str, Any]]]:
    """The card (with the first share of the entries as its book), the chat and the other books as world
    files (SillyTavern's dict layout, as the session reads them)."""
    rng = random.Random(seed)
    per_book = max(1, -(-entries // max(1, books)))
    card_entries = min(entries, per_book)
    book = Lorebook(
        name="Bench",
        entries=[
            LorebookEntry(
                id=i,
                keys=[f"keyword{i}", f"alias {i}"],
                secondary_keys=[rng.choice(WORDS)] if i % 5 == 0 else [],
                selective=i % 5 == 0,
                content=sentence(rng, 30),
                insertion_order=rng.randint(1, 200),
                extensions={"position": i % 2, "depth": 4},
            )
            for i in range(card_entries)
        ],
    )
    worlds: list[dict[str, Any]] = []
    for first in range(card_entries, entries, per_book):
        ids = range(first, min(entries, first + per_book))
        worlds.append({"name": f"World {len(worlds) + 1}", "entries": {
            str(i): {
                "uid": i,
                "key": [f"keyword{i}", f"alias {i}"],
                "keysecondary": [rng.choice(WORDS)] if i % 5 == 0 else [],
                "selective": i % 5 == 0,
                "content": sentence(rng, 30),
                "order": rng.randint(1, 200),
                "position": i % 2,
                "depth": 4,
            }
            for i in ids
        }})
    card = Card(
        name="Aria",
        description=" ".join(sentence(rng, 20) for _ in range(10)),
        personality=sentence(rng, 15),
        scenario=sentence(rng, 25),
        first_mes=sentence(rng, 40),
        mes_example="<START>\n{{user}}: Hi.\n{{char}}: " + sentence(rng, 20),
        character_book=book,
    )
    chat = [Message(name="Aria", is_user=False, mes=card.first_mes)]
    for i in range(1, messages):
        is_user = i % 2 == 1
        text = sentence(rng, rng.randint(10, 60))
        if i % 97 == 0:
            text += f" keyword{rng.randrange(entries)}"
        chat.append(Message(name="Sam" if is_user else "Aria", is_user=is_user, mes=text))
    return card, chat, worlds


# Placements: user input, AI output, world info, reasoning, and several at once.
PLACEMENTS = ([1], [2], [5], [6], [1, 2], [2, 5], [1, 2, 5])
FINDS = ("/\\bdragon\\b/gi", "/(\\w+) lantern/g", "/ +$/gm", "/storm(s)?/i", "/\\b(silver|golden)\\b/g",
         "/ancient (\\w+)/gi", "tavern", "/\\{\\{char\\}\\} says/g", "/(?<=the )forest/g", "/\\.\\.\\./g")


def regex_scripts(count: int) -> list[RegexScript]:
    """`count` global scripts of mixed placements; every other one prompt-only (the ones prompt assembly runs over
    history and world info), some with depth limits and trim strings."""
    return [
        RegexScript.from_raw({
            "id": f"bench-{i}", "scriptName": f"Bench {i}", "findRegex": FINDS[i % len(FINDS)],
            "replaceString": "[{{match}}]" if i % 3 == 0 else "$1", "trimStrings": ["the"] if i % 4 == 0 else [],
            "placement": PLACEMENTS[i % len(PLACEMENTS)], "disabled": False, "markdownOnly": False,
            "promptOnly": i % 2 == 0, "runOnEdit": True, "substituteRegex": 0,
            "minDepth": None, "maxDepth": 50 if i % 5 == 0 else None,
        })
        for i in range(count)
    ]


def global_books(entries: int, books: int, seed: int = 11) -> list[GlobalBook]:
    """The entries as `books` globally selected world files, as the session hands them to the engine."""
    rng = random.Random(seed)
    per_book = max(1, -(-entries // max(1, books)))
    out: list[GlobalBook] = []
    for first in range(0, entries, per_book):
        ids = range(first, min(entries, first + per_book))
        name = f"Global {len(out) + 1}"
        out.append(GlobalBook({"entries": {
            str(i): {"uid": i, "key": [f"keyword{i}", f"alias {i}"],
                     "keysecondary": [rng.choice(WORDS)] if i % 5 == 0 else [], "selective": i % 5 == 0,
                     "content": sentence(rng, 30), "order": rng.randint(1, 200), "position": i % 2, "depth": 4}
            for i in ids
        }}, name))
    return out


def timed(fn: object, repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per run (CPU time is steadier on a busy machine)."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()  # type: ignore[operator]
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=1_000)
    parser.add_argument("--context", type=int, default=128_000)
    parser.add_argument("--books", type=int, default=None, help="spread the entries over this many books")
    parser.add_argument("--huge", action="store_true", help="300,000 entries and 200 messages (issue 13)")
    parser.add_argument("--regex", type=int, default=None, help="this many global regex scripts")
    parser.add_argument("--global-books", type=int, default=None,
                        help="the entries in this many global lorebooks instead of the card's book")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.huge:
        args.messages, args.entries = 200, 300_000
    if args.books is None and args.regex is None and args.global_books is None:
        scenarios = [(1, 0, 0), (1, 20, 5)]
    else:
        scenarios = [(args.books or 1, args.regex or 0, args.global_books or 0)]
    for books, scripts, globals_ in scenarios:
        bench(args, books, scripts, globals_)


def bench(args: argparse.Namespace, books: int, scripts: int, globals_: int) -> None:
    card, chat, worlds = build(args.messages, args.entries, books=books)
    lore: list[Any] = list(worlds)
    if globals_:  # the same chat (its keywords name these entries), the entries in global books instead
        card = card.model_copy(update={"character_book": None})
        lore = global_books(args.entries, globals_)
    regex = regex_scripts(scripts)
    lines = [encode_message(m) for m in chat]
    print(f"== {scripts} regex scripts, {len(lore) + (1 if card.character_book else 0)} books"
          + (f" ({globals_} global)" if globals_ else ""))
    for mode in ("chat", "text"):
        profile = ConnectionProfile(name="bench", model="gpt-4o", mode=mode, max_context=args.context, max_tokens=1024)

        def run(history: list[Message], counter: TokenCounter, pending: str | None = None,
                profile: ConnectionProfile = profile) -> AssembledPrompt:
            return assemble(card, history, user_name="Sam", profile=profile, counter=counter, lorebooks=lore,
                            pending_user=pending, regex_scripts=regex)

        run(chat[:3], fresh_counter())  # import and tokenizer-load warm-up, not part of the figure
        cold_ms, cold_cpu = timed(lambda: run(chat, fresh_counter()), args.runs)

        counter = fresh_counter()
        result = run(chat, counter)
        history = list(chat)
        rng = random.Random(1)
        incremental: list[float] = []
        incremental_cpu: list[float] = []
        for i in range(args.runs * 4):
            history.append(Message(name="Sam" if i % 2 == 0 else "Aria", is_user=i % 2 == 0, mes=sentence(rng, 30)))
            start, start_cpu = time.perf_counter(), time.process_time()
            result = run(history, counter)
            incremental.append((time.perf_counter() - start) * 1000)
            incremental_cpu.append((time.process_time() - start_cpu) * 1000)
        # The inspector's case: the prompt rebuilt as the user types the next message, one character more each.
        typed = sentence(rng, 30)
        typing: list[float] = []
        for n in range(1, args.runs * 4 + 1):
            start = time.perf_counter()
            run(history, counter, typed[:n])
            typing.append((time.perf_counter() - start) * 1000)

        tracemalloc.start()
        run(chat, fresh_counter())
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        # The session's real case: the chat was just opened from its file, so its lines are not parsed yet.
        stored_ms, stored_cpu, parsed = [], [], 0
        for _ in range(args.runs):
            opened = MessageList.from_lines(lines)
            start, start_cpu = time.perf_counter(), time.process_time()
            run(opened, fresh_counter())  # type: ignore[arg-type]
            stored_ms.append((time.perf_counter() - start) * 1000)
            stored_cpu.append((time.process_time() - start_cpu) * 1000)
            parsed = opened.parsed_count()

        kept = sum(1 for s in result.sections if s.source.startswith(("history", "greeting")))
        book_count = len(lore) + (1 if card.character_book else 0)
        print(
            f"{mode:4}: {args.messages} messages, {args.entries} lore entries in {book_count} books, "
            f"{args.context} context, {result.token_method}: {kept} messages kept, {result.token_total} tokens\n"
            f"      cold median {statistics.median(cold_ms):.1f} ms (min {min(cold_ms):.1f}, "
            f"CPU {statistics.median(cold_cpu):.1f}), "
            f"incremental median {statistics.median(incremental):.2f} ms (max {max(incremental):.2f}, "
            f"CPU {statistics.median(incremental_cpu):.2f}), one more character typed median "
            f"{statistics.median(typing):.2f} ms (max {max(typing):.2f}), peak memory {peak / 1e6:.1f} MB\n"
            f"      cold from a just-opened file median {statistics.median(stored_ms):.1f} ms "
            f"(min {min(stored_ms):.1f}, CPU {statistics.median(stored_cpu):.1f}), "
            f"{parsed} of {len(lines)} messages parsed"
        )


if __name__ == "__main__":
    main()
