"""The one exception the cards layer raises, and the safety limits it enforces."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class CardError(Exception):
    """A card file could not be read or written. The message names the file and the problem."""

    def __init__(self, path: Path | str | None, problem: str) -> None:
        self.path = Path(path) if path is not None else None
        self.problem = problem
        where = str(path) if path is not None else "card"
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class Limits:
    """Caps that keep a hostile file from exhausting memory. Sizes are in bytes."""

    max_file: int = 64 * 1024 * 1024
    max_text_chunk: int = 16 * 1024 * 1024  # one card chunk (chara/ccv3), compressed or not
    max_inflated: int = 16 * 1024 * 1024  # zTXt/iTXt text after inflating
    max_chunks: int = 100_000
    max_zip_entries: int = 2_000
    max_zip_entry: int = 32 * 1024 * 1024
    max_zip_total: int = 128 * 1024 * 1024
    max_zip_ratio: int = 200  # uncompressed/compressed, for ZIP entries over `ratio_floor`
    max_text_ratio: int = 100  # inflated/compressed for zTXt/iTXt text over `ratio_floor`
    ratio_floor: int = 64 * 1024  # below this, any ratio: small files cannot blow memory up
    max_json: int = 32 * 1024 * 1024
    # The memory cap: reading a file of N bytes may use at most memory_floor + memory_factor * N at its peak
    # (README, "Character cards"; tests/cards/test_fuzz_bounds.py measures it). Text is bounded by the
    # ratios above; a lorebook entry is the one thing that costs far more than its bytes (`{}` is three bytes,
    # its entry model and the copy kept to detect edits ~2.6 KB), so entries are counted against the cap.
    memory_floor: int = 64 * 1024 * 1024
    memory_factor: int = 100
    entry_cost: int = 3 * 1024

    def memory_cap(self, size: int) -> int:
        """The most memory reading a card file of `size` bytes may take at its peak."""
        return self.memory_floor + self.memory_factor * size

    def max_book_entries(self, size: int) -> int:
        """How many lorebook entries a card file of `size` bytes may hold within the memory cap (a real
        entry is hundreds of bytes: a 10 MB card may hold ~340,000)."""
        return self.memory_cap(size) // self.entry_cost

    def inflate_cap(self, compressed: int, ratio: int, ceiling: int) -> int:
        """How far `compressed` bytes may inflate: a ratio of the input, never past `ceiling`. So what a file
        can cost in memory is bounded by its own size (a 15 KB zTXt once inflated to 16 MB, ~125 MB RSS)."""
        return min(ceiling, max(self.ratio_floor, compressed * ratio))


DEFAULT_LIMITS = Limits()
