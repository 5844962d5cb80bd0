"""Cards hidden in EXIF UserComment: TavernAI WEBP cards and Backyard/Faraday legacy PNGs."""

from __future__ import annotations

import struct

USER_COMMENT = 0x9286
EXIF_IFD = 0x8769


class ExifError(ValueError):
    pass


def user_comment(tiff: bytes) -> bytes | None:
    """The raw UserComment value (8-byte charset prefix included) from IFD0 or the Exif IFD."""
    if tiff.startswith(b"Exif\0\0"):
        tiff = tiff[6:]
    if len(tiff) < 8 or tiff[:2] not in (b"II", b"MM"):
        raise ExifError("EXIF data without a TIFF header")
    e = "<" if tiff[:2] == b"II" else ">"
    (ifd0,) = struct.unpack(e + "I", tiff[4:8])
    seen: set[int] = set()
    queue = [ifd0]
    while queue:
        off = queue.pop(0)
        if off in seen or off + 2 > len(tiff) or len(seen) > 8:
            continue
        seen.add(off)
        (count,) = struct.unpack(e + "H", tiff[off : off + 2])
        for i in range(min(count, 512)):
            base = off + 2 + 12 * i
            if base + 12 > len(tiff):
                break
            tag, _typ, n, val = struct.unpack(e + "HHI4s", tiff[base : base + 12])
            if tag == EXIF_IFD:
                queue.append(struct.unpack(e + "I", val)[0])
            elif tag == USER_COMMENT:
                if n <= 4:
                    return val[:n]
                (voff,) = struct.unpack(e + "I", val)
                if voff + n > len(tiff):
                    raise ExifError("UserComment points past the end of the EXIF data")
                return tiff[voff : voff + n]
    return None


def comment_text(raw: bytes, big_endian: bool = False) -> str:
    """Decode a UserComment: charset prefix, then ASCII/UTF-8 or UTF-16 text."""
    prefix, body = raw[:8], raw[8:]
    if prefix.startswith(b"UNICODE"):
        enc = "utf-16-be" if big_endian else "utf-16-le"
        if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
            enc = "utf-16"
        return body.decode(enc, errors="replace").rstrip("\0")
    if prefix.startswith((b"ASCII", b"\0\0\0\0\0\0\0\0", b"JIS")):
        return body.decode("utf-8", errors="replace").rstrip("\0")
    return raw.decode("utf-8", errors="replace").rstrip("\0")


def decimal_bytes(text: str) -> bytes | None:
    """TavernAI stored the JSON as comma-separated decimal byte values: `123,34,...`."""
    t = text.strip()
    if not t or not t[0].isdigit() or not all(c.isdigit() or c in ", \n" for c in t):
        return None
    try:
        return bytes(int(x) for x in t.replace("\n", "").split(",") if x.strip())
    except ValueError:
        return None


def webp_exif(data: bytes) -> bytes | None:
    """The payload of the RIFF `EXIF` chunk of a WEBP file."""
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ExifError("not a WEBP file")
    pos = 12
    while pos + 8 <= len(data):
        ctype = data[pos : pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        if ctype == b"EXIF":
            return data[pos + 8 : pos + 8 + size]
        pos += 8 + size + (size & 1)
    return None


def jpeg_exif(data: bytes) -> bytes | None:
    """The APP1 Exif segment of a JPEG, if any."""
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker in (0xD9, 0xDA):
            break
        (size,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        seg = data[pos + 4 : pos + 2 + size]
        if marker == 0xE1 and seg.startswith(b"Exif\0\0"):
            return seg[6:]
        pos += 2 + size
    return None
