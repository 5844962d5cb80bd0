"""{{idle_duration}}: humanized time since the user message before the latest one (sillytavern.md §4.2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tavo_tui.model import Card, Message
from tavo_tui.prompt import assemble
from tavo_tui.prompt.idle import JUST_NOW, humanize, idle_duration
from tavo_tui.prompt.tokens import estimate_counter

from .conftest import chat_profile

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "seconds, words",
    [(10, "a few seconds"), (60, "a minute"), (5 * 60, "5 minutes"), (60 * 60, "an hour"),
     (3 * 3600, "3 hours"), (26 * 3600, "a day"), (4 * 86400, "4 days"), (30 * 86400, "a month"),
     (100 * 86400, "3 months"), (400 * 86400, "a year"), (3 * 365 * 86400, "3 years")],
)
def test_humanize_follows_moment_thresholds(seconds: int, words: str) -> None:
    assert humanize(seconds) == words


def at(hours_ago: float, *, is_user: bool, text: str = "x", base: datetime = NOW) -> Message:
    sent = (base - timedelta(hours=hours_ago)).isoformat().replace("+00:00", "Z")
    return Message(name="U" if is_user else "C", is_user=is_user, mes=text, send_date=sent)


def test_uses_the_user_message_before_the_latest() -> None:
    chat = [at(30, is_user=False), at(5, is_user=True), at(4.9, is_user=False), at(0, is_user=True)]
    assert idle_duration(chat, NOW) == "5 hours"
    assert idle_duration(chat[:1], NOW) == JUST_NOW  # no user message before the latest
    legacy = [Message(is_user=True, send_date=int((NOW - timedelta(minutes=10)).timestamp() * 1000)),
              at(0, is_user=False)]
    assert idle_duration(legacy, NOW) == "10 minutes"


def test_the_macro_reaches_the_prompt() -> None:
    card = Card(name="C", description="Idle for {{idle_duration}}.")
    now = datetime.now(UTC)  # assemble() reads the real clock
    chat = [at(50, is_user=False, base=now), at(3, is_user=True, base=now), at(2.9, is_user=False, base=now)]
    prompt = assemble(card, chat, user_name="U", profile=chat_profile(), counter=estimate_counter())
    text = "\n".join(m["content"] for m in prompt.messages)
    assert "Idle for 3 hours." in text
    assert "{{idle_duration}}" not in text
