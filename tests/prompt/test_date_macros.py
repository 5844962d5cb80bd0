"""{{datetimeformat}}, {{timeDiff}} and {{banned}} (sillytavern.md §4.2)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tavo_tui.prompt.macros import MacroEnv, substitute
from tavo_tui.prompt.moment import format_moment, time_diff

T = datetime(2026, 5, 3, 15, 7, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    "fmt, out",
    [("YYYY-MM-DD HH:mm:ss", "2026-05-03 15:07:09"), ("dddd, MMMM Do", "Sunday, May 3rd"),
     ("h:mm A", "3:07 PM"), ("LT", "3:07 PM"), ("LL", "May 3, 2026"), ("[Today is] ddd", "Today is Sun"),
     ("YY/M/D hh a", "26/5/3 03 pm")],
)
def test_moment_format_tokens(fmt: str, out: str) -> None:
    assert format_moment(T, fmt) == out


def test_macros_expand() -> None:
    env = MacroEnv(user="U", char="C", now=T)
    assert substitute("{{datetimeformat::YYYY-MM-DD}}", env) == "2026-05-03"
    assert substitute("{{timeDiff::2026-05-03T18:00:00Z::2026-05-03T15:00:00Z}}", env) == "in 3 hours"
    assert substitute("{{timeDiff::2026-05-01T15:00:00Z::2026-05-03T15:00:00Z}}", env) == "2 days ago"
    assert substitute('Say no more.{{banned "sorry"}}', env) == "Say no more."


def test_bad_dates_give_nothing() -> None:
    assert time_diff("not a date", "2026-05-03T15:00:00Z") == ""


def test_banned_collects_each_word_once_without_quotes() -> None:
    env = MacroEnv()
    text = '{{banned "sorry"}}A{{banned::delve}}B{{banned "sorry"}}{{banned ""}}{{banned "two words"}}'
    assert substitute(text, env) == "AB"
    assert env.banned == ["sorry", "delve", "two words"]
