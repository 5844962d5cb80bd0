"""Card library speed: list 2,000 cards cold and warm, open one card's detail, peak memory.

Run by hand: `.venv/bin/python benchmarks/cards.py [--cards 2000] [--book-every 10]`. Prints the figures.
The library is generated in a temporary folder: a mix of V3 PNGs (both chunks, a 64x64 avatar) and V2/V3
JSON files, every `--book-every`-th card carrying a 100-entry lorebook. "Cold" is a fresh CardLibrary
with no cache file; "warm" is a fresh CardLibrary reading the cache the cold run wrote.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

from tavo_tui.cards import read_card, write_card
from tavo_tui.cards.avatar import avatar_png
from tavo_tui.cards.library import CardLibrary
from tavo_tui.model.card import Card, Lorebook, LorebookEntry

WORDS = ("amber quiet river lantern copper meadow harbour violet thunder orchard falcon ember willow "
         "granite saffron tidal cinder maple hollow silver").split()


def make_card(i: int, rnd: random.Random, book: bool) -> Card:
    def sentence(n: int) -> str:
        return " ".join(rnd.choice(WORDS) for _ in range(n)).capitalize() + "."

    entries = [
        LorebookEntry(keys=[rnd.choice(WORDS), f"key{j}"], content=sentence(40), insertion_order=j, id=j,
                      extensions={"position": 1, "depth": 4, "probability": 100})
        for j in range(100)
    ] if book else []
    return Card(
        name=f"{rnd.choice(WORDS).title()} {rnd.choice(WORDS).title()} {i}",
        description=" ".join(sentence(20) for _ in range(10)),
        personality=sentence(12),
        scenario=sentence(25),
        first_mes=" ".join(sentence(18) for _ in range(4)),
        mes_example="<START>\n" + sentence(30),
        alternate_greetings=[sentence(30), sentence(30)],
        tags=rnd.sample(WORDS, 4),
        creator=f"bench-{i % 17}",
        character_version="1.0",
        character_book=Lorebook(name="bench", entries=entries) if book else None,
    )


def build_library(folder: Path, count: int, book_every: int) -> None:
    rnd = random.Random(1234)
    avatars = [avatar_png(w, 64) for w in WORDS[:8]]
    for i in range(count):
        card = make_card(i, rnd, book=(i % book_every == 0))
        kind = i % 3
        if kind == 0 or kind == 1:
            write_card(card, folder / f"card{i:05d}.png", image=avatars[i % len(avatars)])
        else:
            write_card(card, folder / f"card{i:05d}.json", v2=(i % 2 == 0))


def timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def peak(fn) -> int:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cards", type=int, default=2000)
    ap.add_argument("--book-every", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "cards"
        folder.mkdir()
        gen_s, _ = timed(lambda: build_library(folder, args.cards, args.book_every))
        size_mb = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        cache = Path(tmp) / "cache" / "cards.json"

        with_book = folder / "card00000.png"  # card 0 always has the 100-entry book
        # Timings first, without tracemalloc (it slows allocation-heavy code several-fold).
        cold_s, entries = timed(lambda: CardLibrary([folder], cache).entries())
        warm_s, warm = timed(lambda: CardLibrary([folder], cache).entries())
        detail_s, loaded = timed(lambda: read_card(with_book))
        search_s, hits = timed(lambda: CardLibrary([folder], cache).search("#amber river"))
        # Then the same operations again under tracemalloc for their peak memory.
        cache.unlink()
        cold_peak = peak(lambda: CardLibrary([folder], cache).entries())
        warm_peak = peak(lambda: CardLibrary([folder], cache).entries())
        detail_peak = peak(lambda: read_card(with_book))

        assert len(entries) == len(warm) == args.cards
        assert loaded.card.character_book is not None and len(loaded.card.character_book.entries) == 100
        print(f"library: {args.cards} cards ({size_mb:.1f} MB on disk, generated in {gen_s:.1f} s), "
              f"every {args.book_every}th with a 100-entry book")
        print(f"list cold:   {cold_s * 1000:7.1f} ms   (peak traced memory {cold_peak / 1e6:.1f} MB)")
        print(f"list warm:   {warm_s * 1000:7.1f} ms   (peak traced memory {warm_peak / 1e6:.1f} MB)")
        print(f"open detail: {detail_s * 1000:7.1f} ms   (peak traced memory {detail_peak / 1e6:.1f} MB; "
              "a PNG with a 100-entry book)")
        print(f"search:      {search_s * 1000:7.1f} ms   ({len(hits)} hits; a new CardLibrary on the warm cache)")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"process max RSS: {rss:.0f} MB (includes generating the library)")


if __name__ == "__main__":
    main()
