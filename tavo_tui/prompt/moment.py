"""The subset of moment.js formatting SillyTavern's date macros use (`{{datetimeformat}}`, `{{timeDiff}}`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tavo_tui.prompt.idle import humanize, parse_send_date

# Longest tokens first, so "MMMM" wins over "MM"; [text] is a literal, as in moment.
_TOKEN = re.compile(r"\[[^\]]*\]|LLLL|LLL|LTS|LL|LT|YYYY|YY|MMMM|MMM|MM|M|Do|DD|D|dddd|ddd|HH|H|hh|h|mm|m|ss|s|A|a|L")


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _hour12(t: datetime) -> int:
    return t.hour % 12 or 12


def _token(t: datetime, token: str) -> str:
    table = {
        "YYYY": f"{t.year:04d}", "YY": f"{t.year % 100:02d}",
        "MMMM": t.strftime("%B"), "MMM": t.strftime("%b"), "MM": f"{t.month:02d}", "M": str(t.month),
        "Do": _ordinal(t.day), "DD": f"{t.day:02d}", "D": str(t.day),
        "dddd": t.strftime("%A"), "ddd": t.strftime("%a"),
        "HH": f"{t.hour:02d}", "H": str(t.hour), "hh": f"{_hour12(t):02d}", "h": str(_hour12(t)),
        "mm": f"{t.minute:02d}", "m": str(t.minute), "ss": f"{t.second:02d}", "s": str(t.second),
        "A": "AM" if t.hour < 12 else "PM", "a": "am" if t.hour < 12 else "pm",
    }  # fmt: skip
    if token in table:
        return table[token]
    locale = {"LT": "h:mm A", "LTS": "h:mm:ss A", "L": "MM/DD/YYYY", "LL": "MMMM D, YYYY",
              "LLL": "MMMM D, YYYY h:mm A", "LLLL": "dddd, MMMM D, YYYY h:mm A"}  # en locale, as moment's default
    return format_moment(t, locale[token])


def format_moment(t: datetime, fmt: str) -> str:
    """`t` formatted with a moment.js format string (English locale)."""
    return _TOKEN.sub(lambda m: m.group(0)[1:-1] if m.group(0).startswith("[") else _token(t, m.group(0)), fmt)


def _parse(text: str) -> datetime | None:
    parsed = parse_send_date(text.strip())
    if parsed is not None:
        return parsed
    try:
        return datetime.fromtimestamp(float(text) / 1000, UTC)
    except ValueError:
        return None


def time_diff(a: str, b: str) -> str:
    """moment(a).from(b) with suffix: "in 3 hours" when a is later than b, "3 hours ago" when earlier."""
    first, second = _parse(a), _parse(b)
    if first is None or second is None:
        return ""
    seconds = (first - second).total_seconds()
    words = humanize(seconds)
    return f"in {words}" if seconds > 0 else f"{words} ago"
