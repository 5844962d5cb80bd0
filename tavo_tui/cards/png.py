"""PNG chunk reading and writing, limited to what cards need: text chunks in, text chunks out."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from tavo_tui.cards.errors import Limits

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TEXT_TYPES = (b"tEXt", b"zTXt", b"iTXt")
CARD_KEYWORDS = ("chara", "ccv3")


class PngFormatError(ValueError):
    """Structural problem in a PNG; the reader turns it into a CardError naming the file."""


@dataclass
class Chunk:
    type: bytes
    data: bytes | None  # None when the chunk was skipped unread
    crc_ok: bool = True


def iter_chunks(
    f: BinaryIO,
    limits: Limits,
    wanted: tuple[bytes, ...] | None = None,
    want_keyword: Callable[[str], bool] | None = None,
) -> Iterator[Chunk]:
    """Yield chunks after the signature; chunks not in `wanted` are skipped by seeking, unread.

    With `want_keyword`, text chunks whose lower-cased keyword it rejects are skipped too, after
    reading only their first bytes (so a multi-MB `risuai` chunk costs nothing and no limit).
    Stops at IEND; bytes after it are ignored. A truncated chunk ends the walk with an error.
    """
    if f.read(8) != PNG_MAGIC:
        raise PngFormatError("not a PNG file (bad signature)")
    count = 0
    while True:
        head = f.read(8)
        if len(head) == 0:
            raise PngFormatError("PNG ends without an IEND chunk")
        if len(head) < 8:
            raise PngFormatError("PNG is truncated inside a chunk header")
        length, ctype = struct.unpack(">I4s", head)
        label = ctype.decode("latin-1")
        if length > 0x7FFFFFFF:
            raise PngFormatError(f"{label!r} chunk declares an impossible length {length}")
        count += 1
        if count > limits.max_chunks:
            raise PngFormatError(f"more than {limits.max_chunks} chunks")
        if wanted is not None and ctype not in wanted and ctype != b"IEND":
            _skip(f, length + 4, label)
            yield Chunk(ctype, None)
            continue
        if want_keyword is not None and ctype in TEXT_TYPES:
            head = f.read(min(length, 80))
            kw = head.split(b"\0", 1)[0].decode("latin-1").lower()
            if not want_keyword(kw):
                _skip(f, length - len(head) + 4, label)
                yield Chunk(ctype, None)
                continue
            f.seek(-len(head), 1)
        if ctype in TEXT_TYPES and length > limits.max_text_chunk:
            raise PngFormatError(f"{label} chunk of {length} bytes exceeds the limit")
        data = f.read(length)
        crc = f.read(4)
        if len(data) < length or len(crc) < 4:
            raise PngFormatError(f"PNG is truncated inside a {label!r} chunk")
        ok = struct.unpack(">I", crc)[0] == zlib.crc32(ctype + data)
        yield Chunk(ctype, data, ok)
        if ctype == b"IEND":
            return


def _skip(f: BinaryIO, n: int, label: str) -> None:
    f.seek(n, 1)
    if _past_end(f):
        raise PngFormatError(f"PNG is truncated inside a {label!r} chunk")


def _past_end(f: BinaryIO) -> bool:
    pos = f.tell()
    end = f.seek(0, 2)
    f.seek(pos)
    return pos > end


def inflate_capped(data: bytes, cap: int) -> bytes:
    """zlib-inflate refusing to produce more than `cap` bytes (decompression-bomb guard)."""
    d = zlib.decompressobj()
    try:
        out = d.decompress(data, cap + 1)
    except zlib.error as e:
        raise PngFormatError(f"corrupt compressed text: {e}") from None
    if len(out) > cap or d.unconsumed_tail:
        raise PngFormatError(f"compressed text inflates beyond the {cap}-byte limit")
    return out


def parse_text_chunk(ctype: bytes, data: bytes, limits: Limits) -> tuple[str, bytes]:
    """(keyword, raw text bytes) of a tEXt/zTXt/iTXt chunk; compressed text is inflated with a cap."""
    kw, sep, rest = data.partition(b"\0")
    if not sep or not kw or len(kw) > 79:
        raise PngFormatError(f"malformed {ctype.decode('latin-1')} chunk (no keyword)")
    keyword = kw.decode("latin-1")
    if ctype == b"tEXt":
        return keyword, rest
    if ctype == b"zTXt":
        if not rest or rest[0] != 0:
            raise PngFormatError("zTXt chunk with an unknown compression method")
        packed = rest[1:]
        return keyword, inflate_capped(packed, limits.inflate_cap(len(packed), limits.max_text_ratio,
                                                                  limits.max_inflated))
    # iTXt: flag, method, language\0, translated keyword\0, text
    if len(rest) < 2:
        raise PngFormatError("malformed iTXt chunk")
    flag, method = rest[0], rest[1]
    parts = rest[2:].split(b"\0", 2)
    if len(parts) < 3:
        raise PngFormatError("malformed iTXt chunk (missing language or translated keyword)")
    text = parts[2]
    if flag:
        if method != 0:
            raise PngFormatError("iTXt chunk with an unknown compression method")
        text = inflate_capped(text, limits.inflate_cap(len(text), limits.max_text_ratio, limits.max_inflated))
    return keyword, text


def make_chunk(ctype: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data))


def text_chunk(keyword: str, text: str) -> tuple[bytes, bytes]:
    return b"tEXt", keyword.encode("latin-1") + b"\0" + text.encode("latin-1")


def is_card_keyword(kw: str) -> bool:
    return kw in CARD_KEYWORDS


def is_card_text_chunk(ctype: bytes, data: bytes | None) -> bool:
    if ctype not in TEXT_TYPES or data is None:
        return False
    kw = data.split(b"\0", 1)[0].decode("latin-1").lower()
    return kw in CARD_KEYWORDS


def split_png(png: bytes, limits: Limits) -> list[Chunk]:
    """All chunks of an in-memory PNG, fully read (used when rewriting).

    The text-chunk cap is lifted here: the bytes are already in memory (bounded by the file
    limit), and a rewrite must carry large foreign chunks such as `risuai` along unchanged.
    """
    import io
    from dataclasses import replace

    return list(iter_chunks(io.BytesIO(png), replace(limits, max_text_chunk=max(len(png), 1))))


def strip_card_chunks(png: bytes, limits: Limits) -> bytes:
    """The image alone: `png` without any chara/ccv3 text chunks."""
    return rebuild_png(png, [], limits)


def rebuild_png(png: bytes, card_chunks: list[tuple[bytes, bytes]], limits: Limits) -> bytes:
    """`png` with its card text chunks replaced by `card_chunks`.

    A card chunk already present byte for byte stays where it is (so an unchanged card leaves
    the file as it was); every other card chunk is dropped, and the new ones go just before IEND.
    """
    pending = list(card_chunks)
    out = [PNG_MAGIC]
    for ch in split_png(png, limits):
        assert ch.data is not None
        if is_card_text_chunk(ch.type, ch.data):
            if (ch.type, ch.data) in pending:
                pending.remove((ch.type, ch.data))
                out.append(make_chunk(ch.type, ch.data))
            continue
        if ch.type == b"IEND":
            out.extend(make_chunk(t, d) for t, d in pending)
        out.append(make_chunk(ch.type, ch.data))
    return b"".join(out)


def encode_rgb_png(width: int, height: int, rows: list[bytes]) -> bytes:
    """A minimal 8-bit RGB PNG from raw rows (each 3*width bytes)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"".join(b"\0" + r for r in rows)
    return b"".join(
        [PNG_MAGIC, make_chunk(b"IHDR", ihdr), make_chunk(b"IDAT", zlib.compress(raw, 9)), make_chunk(b"IEND", b"")]
    )
