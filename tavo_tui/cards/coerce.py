"""Type coercion for the drift seen in real cards: numbers as strings, strings as lists, and so on.

Each helper returns a clean value or raises `Invalid`; the caller decides the default and the warning.
"""

from __future__ import annotations

import json
import math
from typing import Any


class Invalid(ValueError):
    pass


_TRUE = {"true", "1", "yes", "y", "on", "t"}
_FALSE = {"false", "0", "no", "n", "off", "f", ""}


def to_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return str(v)
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return "\n".join(v)
    return json.dumps(v, ensure_ascii=False)


def to_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float) and not (isinstance(v, float) and math.isnan(v)):
        return v != 0
    if isinstance(v, str) and v.strip().lower() in _TRUE | _FALSE:
        return v.strip().lower() in _TRUE
    raise Invalid(f"{v!r} is not a boolean")


def to_int(v: Any) -> int:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, float) and math.isfinite(v):
        return int(v)
    if isinstance(v, str):
        s = v.strip()
        try:
            return int(s)
        except ValueError:
            pass
        try:
            f = float(s)
        except ValueError:
            raise Invalid(f"{v!r} is not a number") from None
        if math.isfinite(f):
            return int(f)
    raise Invalid(f"{v!r} is not a number")


def to_str_list(v: Any, *, split_commas: bool = False) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        if split_commas:
            return [p.strip() for p in v.split(",") if p.strip()]
        return [v] if v != "" else []
    if isinstance(v, list | tuple):
        return [x if isinstance(x, str) else to_text(x) for x in v if x is not None]
    raise Invalid(f"{type(v).__name__} is not a list of strings")


def lf(s: str) -> str:
    """CRLF and lone CR line endings to LF."""
    return s.replace("\r\n", "\n").replace("\r", "\n") if "\r" in s else s


def unix_seconds(v: Any) -> tuple[int, bool]:
    """(seconds, converted_from_ms). Values between 1e11 and 1e14 are taken as milliseconds.

    The upper bound keeps the conversion idempotent: a converted value never looks like ms again.
    """
    n = to_int(v)
    if 100_000_000_000 < abs(n) <= 100_000_000_000_000:
        return n // 1000, True
    return n, False
