"""Builders for small synthetic card files, so quirk tests state exactly what they feed in."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from typing import Any

from tavo_tui.cards.avatar import avatar_png
from tavo_tui.cards.errors import DEFAULT_LIMITS
from tavo_tui.cards.png import PNG_MAGIC, make_chunk, split_png


def b64json(obj: Any, *, pad: bool = True) -> bytes:
    raw = base64.b64encode(json.dumps(obj, ensure_ascii=False).encode("utf-8"))
    return raw if pad else raw.rstrip(b"=")


def text(keyword: str, payload: bytes) -> tuple[bytes, bytes]:
    return b"tEXt", keyword.encode("latin-1") + b"\0" + payload


def ztxt(keyword: str, payload: bytes) -> tuple[bytes, bytes]:
    return b"zTXt", keyword.encode("latin-1") + b"\0\0" + zlib.compress(payload)


def itxt(keyword: str, payload: bytes, *, compressed: bool = False) -> tuple[bytes, bytes]:
    body = zlib.compress(payload) if compressed else payload
    return b"iTXt", keyword.encode("latin-1") + b"\0" + bytes([int(compressed), 0]) + b"en\0\0" + body


def png_with(*chunks: tuple[bytes, bytes], base: bytes | None = None, after_iend: bytes = b"") -> bytes:
    """A valid small PNG with `chunks` inserted before IEND."""
    base = base or avatar_png("Test", 16)
    out = [PNG_MAGIC]
    for ch in split_png(base, DEFAULT_LIMITS):
        assert ch.data is not None
        if ch.type == b"IEND":
            out.extend(make_chunk(t, d) for t, d in chunks)
        out.append(make_chunk(ch.type, ch.data))
    return b"".join(out) + after_iend


def card_chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of every chara/ccv3 text chunk, in file order."""
    out = []
    for ch in split_png(png, DEFAULT_LIMITS):
        if ch.type in (b"tEXt", b"zTXt", b"iTXt") and ch.data is not None:
            if ch.data.split(b"\0", 1)[0].lower() in (b"chara", b"ccv3"):
                out.append((ch.type, ch.data))
    return out


def v2(**data: Any) -> dict[str, Any]:
    return {"spec": "chara_card_v2", "spec_version": "2.0", "data": {"name": "Test", **data}}


def v3(**data: Any) -> dict[str, Any]:
    return {"spec": "chara_card_v3", "spec_version": "3.0", "data": {"name": "Test", **data}}


def tiff_user_comment(comment: bytes, *, exif_ifd: bool = False, big: bool = False) -> bytes:
    """A minimal TIFF/EXIF block whose UserComment (0x9286) holds `comment`."""
    e = ">" if big else "<"
    head = (b"MM" if big else b"II") + struct.pack(e + "HI", 42, 8)
    if not exif_ifd:
        ifd = struct.pack(e + "H", 1) + struct.pack(e + "HHII", 0x9286, 7, len(comment), 8 + 2 + 12 + 4)
        return head + ifd + struct.pack(e + "I", 0) + comment
    # IFD0 holds only a pointer to the Exif IFD, which holds the UserComment.
    ifd0 = struct.pack(e + "H", 1) + struct.pack(e + "HHII", 0x8769, 4, 1, 8 + 18) + struct.pack(e + "I", 0)
    exif = struct.pack(e + "H", 1) + struct.pack(e + "HHII", 0x9286, 7, len(comment), 8 + 18 + 18)
    return head + ifd0 + exif + struct.pack(e + "I", 0) + comment


def webp_with_exif(tiff: bytes) -> bytes:
    vp8l = b"\x2f\x00\x00\x00\x00"  # a tiny lossless frame header; image data is never decoded
    chunks = b"VP8L" + struct.pack("<I", len(vp8l)) + vp8l + (b"\0" if len(vp8l) & 1 else b"")
    chunks += b"EXIF" + struct.pack("<I", len(tiff)) + tiff + (b"\0" if len(tiff) & 1 else b"")
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + chunks
