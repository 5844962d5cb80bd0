"""The status bar's figures: context bar, elapsed time and tokens/s while streaming, Horde queue position."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult

from tavo_tui.backends.base import Progress
from tavo_tui.model import ConnectionProfile
from tavo_tui.session import Delta
from tavo_tui.ui.main.status_bar import StatusBar, StreamStats, context_bar, status_content, stream_content, track
from tavo_tui.ui.shared.theming import VARIABLE_DEFAULTS

PROFILE = ConnectionProfile(name="[b]local[/b]", kind="openai-compatible", model="m-7b", mode="text")


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
    assert stream_content(stats, 101.0).plain == "1.0s"
    stats.queue_position, stats.eta_seconds = 3, 42
    assert stream_content(stats, 105.0).plain == "queued #3, ~42s · 5s"
    stats.first_at, stats.chars = 106.0, 4000
    assert stream_content(stats, 108.0).plain == "8.0s · ≈500 tok/s"


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
