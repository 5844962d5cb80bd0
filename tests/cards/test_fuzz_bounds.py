"""Card reading under bounds (issue 13): every fuzz case and every hostile file is read within a time bound
and within the documented memory cap, `Limits.memory_cap(size)` = 64 MiB + 100 x the file's size (README,
"Character cards"). Peak memory is what tracemalloc sees Python allocate while reading (the reader's own
cost, not the interpreter's RSS); time is wall time with tracemalloc on (which slows Python ~2x)."""

from __future__ import annotations

import io
import json
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tavo_tui.cards import DEFAULT_LIMITS, CardError, read_card_bytes
from tests.cards.helpers import b64json, png_with, v2, v3
from tests.cards.test_fuzz import mutated, random_chunk

TIME_BOUND = 0.5  # seconds per fuzz case (small inputs)
BOUNDED = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def bounded_read(blob: bytes, seconds: float = TIME_BOUND) -> tuple[bool, int, float]:
    """Read `blob` as a card; assert the time bound and the memory cap. (read as a card?, peak bytes, seconds)"""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        read_card_bytes(blob, "bounded.bin")
        ok = True
    except CardError as e:
        assert "bounded.bin" in str(e)
        ok = False
    finally:
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    cap = DEFAULT_LIMITS.memory_cap(len(blob))
    assert peak <= cap, f"{len(blob)}-byte input peaked at {peak} bytes (cap {cap})"
    assert elapsed <= seconds, f"{len(blob)}-byte input took {elapsed:.2f} s (bound {seconds} s)"
    return ok, peak, elapsed


@BOUNDED
@given(mutated())
def test_mutated_real_cards_are_read_within_the_bounds(blob: bytes) -> None:
    bounded_read(blob)


@BOUNDED
@given(random_chunk())
def test_random_chunks_are_read_within_the_bounds(chunk: tuple[bytes, bytes]) -> None:
    bounded_read(png_with(chunk))


def test_a_15_kb_ztxt_png_that_inflates_is_refused_cheaply() -> None:
    # 16 MB of base64 card JSON squeezed into ~20 KB: once ~125 MB of RSS.
    payload = zlib.compress(b64json(v2(name="z", description="a" * 12_000_000)), 9)
    blob = png_with((b"zTXt", b"chara\0\0" + payload))
    ok, peak, _ = bounded_read(blob)
    assert not ok and peak < 16 * 1024 * 1024


def test_a_charx_of_127_zero_entries_of_1_mib_is_refused_cheaply() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("card.json", json.dumps(v3(name="c")))
        for i in range(127):
            zf.writestr(f"assets/{i}.bin", bytes(1 << 20))
    ok, peak, _ = bounded_read(buf.getvalue())
    assert not ok and peak < 16 * 1024 * 1024


def test_a_lorebook_of_empty_entries_is_refused_past_the_cap() -> None:
    """`{}` is three bytes and an entry ~2.6 KB in memory: 30,000 of them in 90 KB once took 70 MB and seconds;
    past Limits.max_book_entries the card is refused before any entry is built."""
    blob = json.dumps(v2(name="j", character_book={"entries": [{}] * 30_000})).encode()
    assert 30_000 > DEFAULT_LIMITS.max_book_entries(len(blob))
    ok, _, elapsed = bounded_read(blob)
    assert not ok and elapsed < TIME_BOUND
    with pytest.raises(CardError, match="lorebook has 30000 entries"):
        read_card_bytes(blob, "book.json")


def test_a_real_sized_lorebook_is_still_read() -> None:
    entry = {"keys": ["harbour", "docks"], "content": "The harbour smells of tar and rain. " * 4, "enabled": True}
    blob = json.dumps(v2(name="j", character_book={"entries": [entry] * 2_000})).encode()
    ok, _, _ = bounded_read(blob, seconds=5.0)
    assert ok


def test_dense_empty_arrays_stay_under_the_cap() -> None:
    # ~50x their bytes in memory (a list is 56 bytes and "[]," three), inside the 100x cap. Time grows with
    # the count too (the copy kept to detect edits is a deep copy): 200,000 take seconds, not refused.
    blob = json.dumps(v2(name="j", extensions={"x": [[] for _ in range(30_000)]})).encode()
    ok, _, _ = bounded_read(blob, seconds=3.0)
    assert ok


@pytest.mark.slow
def test_a_31_mb_json_card_is_read_within_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "big.json"  # generated, under tmp
    path.write_text(json.dumps(v2(name="big", description="x" * 31_000_000)), "utf-8")
    ok, peak, _ = bounded_read(path.read_bytes(), seconds=20.0)
    assert ok and peak <= 4 * path.stat().st_size  # the text and its one decoded copy, no more
