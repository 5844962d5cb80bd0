"""Decoding card payloads: base64 in its real-world variants, then JSON with BOM and Latin-1 tolerance."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

_WS = bytes.maketrans(b"", b"")
_NOT_B64 = re.compile(rb"[^A-Za-z0-9+/]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class PayloadError(ValueError):
    pass


def b64decode_lenient(text: bytes, warnings: list[str] | None = None) -> bytes:
    """Base64 as Node's decoder (and so SillyTavern) accepts it: padding optional, whitespace and the
    URL-safe alphabet allowed, stray characters skipped (with a warning)."""
    s = text.translate(_WS, b" \t\r\n\v\f").replace(b"-", b"+").replace(b"_", b"/").rstrip(b"=")
    stray = _NOT_B64.sub(b"", s)
    if stray != s:
        if len(stray) < len(s) // 2:
            raise PayloadError("invalid base64 (mostly non-base64 characters)")
        if warnings is not None:
            warnings.append(f"{len(s) - len(stray)} stray non-base64 character(s) skipped")
        s = stray
    if not s:
        raise PayloadError("invalid base64 (empty)")
    if len(s) % 4 == 1:
        raise PayloadError("invalid base64 (impossible length)")
    s += b"=" * (-len(s) % 4)
    try:
        return base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError) as e:
        raise PayloadError(f"invalid base64 ({e})") from None


def decode_text(raw: bytes, warnings: list[str]) -> str:
    """UTF-8 (BOM tolerated). A text with valid multi-byte UTF-8 in it is UTF-8 with a few bad bytes: those
    become U+FFFD and the rest keeps its emoji and accents. Only a text with no UTF-8 at all is read as
    Latin-1 (old editors' raw JSON), since reading a UTF-8 text that way turns every accent into C1 controls."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    text = raw.decode("utf-8-sig", errors="replace")
    replaced = text.count("\ufffd") - raw.count("\ufffd".encode())
    if any(ord(ch) > 0x7F and ch != "\ufffd" for ch in text):
        warnings.append(f"text is not valid UTF-8: {replaced} bad byte sequence(s) replaced with \ufffd")
        return text
    warnings.append("text is not valid UTF-8; read as Latin-1")
    return raw.decode("latin-1")


def parse_json(raw: bytes, warnings: list[str], max_bytes: int) -> Any:
    if len(raw) > max_bytes:
        raise PayloadError(f"JSON payload of {len(raw)} bytes exceeds the {max_bytes}-byte limit")
    text = decode_text(raw, warnings)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise PayloadError(f"invalid JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
    except RecursionError:
        raise PayloadError("invalid JSON (nested too deeply)") from None
    if _SURROGATE_ESCAPE.search(text):
        fixed = _fix_surrogates(obj)
        if fixed != obj:
            warnings.append("unpaired UTF-16 surrogates in the JSON were replaced with U+FFFD")
        obj = fixed
    return obj


def _fix_surrogates(v: Any) -> Any:
    """Lone surrogates (from `\\ud800`-style escapes) cannot be encoded as UTF-8 later; replace them."""
    if isinstance(v, str):
        return _LONE_SURROGATE.sub("\ufffd", v)
    if isinstance(v, list):
        return [_fix_surrogates(x) for x in v]
    if isinstance(v, dict):
        return {_fix_surrogates(k): _fix_surrogates(x) for k, x in v.items()}
    return v


def chunk_json(text: bytes, warnings: list[str], max_bytes: int) -> Any:
    """A `chara`/`ccv3` chunk text: usually base64 JSON, occasionally raw JSON."""
    stripped = text.strip()
    if stripped.startswith(b"rcc||"):
        raise PayloadError("encrypted RisuAI card (rcc); not supported")
    if stripped.startswith((b"{", b"\xef\xbb\xbf{")):
        warnings.append("card chunk holds raw JSON instead of base64")
        return parse_json(stripped, warnings, max_bytes)
    return parse_json(b64decode_lenient(stripped, warnings), warnings, max_bytes)
