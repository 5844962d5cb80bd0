"""The status bar's figures: context bar, elapsed time and tokens/s while streaming, Horde queue position."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult

from tavo_tui.backends.base import Progress
from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext, Delta
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.connections.actions import GENERATING
from tavo_tui.ui.main.status_bar import StatusBar, StreamStats, context_bar, status_content, stream_content, track
from tavo_tui.ui.shared.theming import VARIABLE_DEFAULTS
from tests.fakes.openai_server import FakeOpenAIServer, endless_stream
from tests.ui.helpers import main, screen_text, type_and_send, wait_for, wait_idle

PROFILE = ConnectionProfile(name="[b]local[/b]", kind="openai-compatible", model="m-7b", mode="text")
DEMO = ConnectionProfile(name="demo", kind="demo")
LONG = ConnectionProfile(name="openrouter-main", kind="openrouter", model="anthropic/claude-3.5-sonnet:beta")


def test_context_bar_fills_and_warns() -> None:
    assert context_bar(0, 100).plain == "▯" * 8
    assert context_bar(50, 100).plain == "▮" * 4 + "▯" * 4
    assert context_bar(200, 100).plain == "▮" * 8
    assert context_bar(5, 0).plain == ""


def test_status_names_connection_model_mode_and_context_literally() -> None:
    text = status_content(PROFILE, "", (1234, 8192)).plain
    assert "[b]local[/b]" in text and "m-7b" in text and "text" in text and "ctx 1234/8192" in text


def test_stream_figures_and_queue_position() -> None:
    stats = StreamStats(started=100.0)
    assert stream_content(stats, 101.0).plain == "waiting 1.0s"  # for the first token
    stats.retry_at = 130.0  # a 429 asked for 30 s at 100.0
    assert stream_content(stats, 102.0).plain == "retry in 28s · 2s"
    stats.retry_at = None
    stats.queue_position, stats.eta_seconds = 3, 42
    assert stream_content(stats, 105.0).plain == "queued #3, ~42s · 5s"
    stats.first_at, stats.chars = 106.0, 4000
    assert stream_content(stats, 108.0).plain == "8.0s 500 tok/s"


class Host(App[None]):
    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")


async def test_track_feeds_deltas_and_backend_progress_events() -> None:
    app = Host()
    async with app.run_test(size=(100, 3)) as pilot:
        bar: Any = app.query_one(StatusBar)
        bar.show(PROFILE, "generating…")
        bar.stream_started()
        track(bar, Progress(queue_position=2, eta_seconds=30))
        await pilot.pause()
        assert "queued #2" in bar.render().plain
        track(bar, Delta("hello "))
        assert bar.stats.chars == 6 and bar.stats.first_at is not None
        bar.stream_ended()
        await pilot.pause()
        assert bar.stats is None and "queued" not in bar.render().plain


def test_stream_figures_are_compact() -> None:
    stats = StreamStats(started=100.0, first_at=100.3, chars=4 * 41 * 12)
    assert stream_content(stats, 112.3).plain == "12.3s 41 tok/s"


@pytest.mark.parametrize("profile", [PROFILE, DEMO, LONG])
@pytest.mark.parametrize("width", [78, 60, 40])
def test_the_live_figures_fit_the_line_while_generating(profile: ConnectionProfile, width: int) -> None:
    """At 80 columns (78 inside the padding) the elapsed time and tok/s were cut off the end of the line."""
    stats = StreamStats(started=100.0, first_at=100.3, chars=4 * 41 * 12)
    line = status_content(profile, GENERATING, (2345, 8192), stats, now=112.3, width=width)
    assert line.cell_length <= width
    assert "12.3s 41 tok/s" in line.plain
    if width >= 60:
        assert "esc" in line.plain  # how to stop stays on the line


def test_a_wide_line_keeps_every_figure() -> None:
    stats = StreamStats(started=100.0, first_at=100.3, chars=4 * 41 * 12)
    line = status_content(PROFILE, GENERATING, (2345, 8192), stats, now=112.3, width=158).plain
    for part in ("[b]local[/b]", "m-7b", "text", "ctx 2345/8192", "▯", GENERATING, "12.3s 41 tok/s"):
        assert part in line


def test_an_idle_narrow_line_keeps_the_connection_and_context() -> None:
    line = status_content(LONG, "", (2345, 8192), width=60)
    assert line.cell_length <= 60
    assert "ctx 2345/8192" in line.plain and line.plain.startswith("● ")


async def test_elapsed_time_and_tokens_per_second_show_at_80x24_while_a_reply_streams(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    openai_server.script.append(endless_stream(10))
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = main(app)
        await type_and_send(pilot, "Tell me a long story")
        status_row = screen.query_one(StatusBar).region.y
        live = re.compile(r"\d+\.\ds \d+ tok/s")

        def status_line() -> str:
            return screen_text(app).splitlines()[status_row]

        await wait_for(pilot, lambda: live.search(status_line()) is not None)
        first = live.search(status_line())
        assert first is not None and "esc" in status_line()
        await wait_for(pilot, lambda: (m := live.search(status_line())) is not None and m.group() != first.group())
        await pilot.press("escape")
        await wait_idle(pilot)
        assert live.search(status_line()) is None


def test_a_name_too_long_for_the_line_is_shortened_and_the_figures_stay() -> None:
    stats = StreamStats(started=100.0, first_at=100.3, chars=4 * 41 * 12)
    profile = ConnectionProfile(name="x" * 90, kind="openrouter", model="m")
    line = status_content(profile, GENERATING, (2345, 8192), stats, now=112.3, width=60)
    assert line.cell_length <= 60
    assert line.plain.endswith("…  12.3s 41 tok/s")


async def test_regenerate_shows_the_same_live_figures_as_a_send(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    """Regenerate, swipe, continue and impersonate stream through the chat actions, which fed no figures."""
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = main(app)
        await type_and_send(pilot, "Hello")
        await wait_idle(pilot)
        openai_server.script.append(endless_stream(10))
        await pilot.press("ctrl+g", "r")  # the leader, then regenerate
        bar = screen.query_one(StatusBar)
        await wait_for(pilot, lambda: bar.stats is not None and bar.stats.chars > 0)
        await pilot.press("escape")
        await wait_idle(pilot)
        assert bar.stats is None


async def test_a_429_shows_the_countdown_and_ctrl_r_retries_at_once(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    from tests.fakes.openai_server import OPENAI_429, error

    openai_server.script.append(error(429, OPENAI_429, {"Retry-After": "60"}))
    openai_server.reply = "Worth the wait."
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = main(app)
        await type_and_send(pilot, "Hello")
        bar = screen.query_one(StatusBar)
        await wait_for(pilot, lambda: bar.stats is not None and bar.stats.retry_at is not None)
        assert "retry in" in bar.render().plain  # type: ignore[attr-defined]
        notices = " ".join(screen_text(app).split())
        assert "Server busy (429)" in notices and "ctrl+r tries now" in notices
        pressed = time.monotonic()
        await pilot.press("ctrl+r")
        await wait_idle(pilot)
        assert time.monotonic() - pressed < 30  # not the 60 s the server asked for
        assert screen.session is not None and screen.session.messages[-1].mes == "Worth the wait."
