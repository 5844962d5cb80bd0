"""`{{idle_duration}}`: how long ago the user last wrote, in words, as SillyTavern (moment.js) says it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from tavo_tui.model import Message

JUST_NOW = "just now"


def parse_send_date(value: object) -> datetime | None:
    """A message's `send_date`: ISO-8601 (modern files) or epoch milliseconds (old ones); None otherwise."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def humanize(seconds: float) -> str:
    """moment.js `humanize()` thresholds: "a few seconds", "5 minutes", "an hour", "3 days", ..."""
    s = abs(seconds)
    minutes, hours, days = s / 60, s / 3600, s / 86400
    if s < 45:
        return "a few seconds"
    if s < 90:
        return "a minute"
    if minutes < 45:
        return f"{round(minutes)} minutes"
    if minutes < 90:
        return "an hour"
    if hours < 22:
        return f"{round(hours)} hours"
    if hours < 36:
        return "a day"
    if days < 26:
        return f"{round(days)} days"
    if days < 45:
        return "a month"
    if days < 320:
        return f"{round(days / 30.4)} months"
    if days < 548:
        return "a year"
    return f"{round(days / 365.25)} years"


def idle_duration(messages: Sequence[Message], now: datetime | None = None) -> str:
    """Time since the user message before the latest message; "just now" when there is none."""
    for index in range(len(messages) - 2, -1, -1):  # newest first; stops at the first user message
        message = messages[index]
        if message.is_user:
            sent = parse_send_date(message.send_date)
            if sent is None:
                return JUST_NOW
            return humanize(((now or datetime.now(UTC)) - sent).total_seconds())
    return JUST_NOW
