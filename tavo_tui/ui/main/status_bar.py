"""One line under the chat: connection (loudly when it is the demo), model, mode, context use, and what is
happening (generating with tokens/s and elapsed time, or the Horde queue position while waiting)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from textual.content import Content
from textual.timer import Timer
from textual.widgets import Static

from tavo_tui.model import ConnectionProfile
from tavo_tui.ui.shared.safe_text import plain_line

DEMO_LABEL = "DEMO — no model, replies are canned"
CONTEXT_BAR = 8
CHARS_PER_TOKEN = 4  # rough live estimate; the exact count is the inspector's job


@dataclass
class StreamStats:
    """Live figures of the reply being streamed."""

    started: float
    chars: int = 0
    first_at: float | None = None
    queue_position: int | None = None
    eta_seconds: float | None = None

    def tokens_per_second(self, now: float) -> float:
        if self.first_at is None or now - self.first_at < 0.2:
            return 0.0
        return self.chars / CHARS_PER_TOKEN / (now - self.first_at)


def context_bar(used: int, limit: int, width: int = CONTEXT_BAR) -> Content:
    if limit <= 0:
        return Content("")
    ratio = used / limit
    filled = min(width, round(ratio * width))
    style = "$text-error" if ratio > 1 else "$text-warning" if ratio > 0.85 else "$text-success"
    return Content.assemble(("▮" * filled, style), ("▯" * (width - filled), "dim"))


def connection_content(profile: ConnectionProfile | None) -> Content:
    if profile is None:
        return Content("no connection")
    if profile.kind == "demo":
        return Content(f" {DEMO_LABEL} ").stylize("bold reverse $demo-badge")
    return Content.assemble(
        ("● ", "$text-success"),
        plain_line(profile.name, "bold"),
        ("  ", ""),
        plain_line(profile.model or profile.kind, "dim"),
        ("  ", ""),
        (profile.mode, "dim italic"),
    )


def stream_content(stats: StreamStats, now: float) -> Content:
    elapsed = now - stats.started
    if stats.first_at is None and stats.queue_position is not None:
        eta = f", ~{stats.eta_seconds:.0f}s" if stats.eta_seconds is not None else ""
        return Content(f"queued #{stats.queue_position}{eta} · {elapsed:.0f}s")
    rate = stats.tokens_per_second(now)
    rate_text = f" · ≈{rate:.0f} tok/s" if rate else ""
    return Content(f"{elapsed:.1f}s{rate_text}")


def status_content(
    profile: ConnectionProfile | None,
    activity: str,
    context: tuple[int, int] | None = None,
    stats: StreamStats | None = None,
    now: float | None = None,
) -> Content:
    parts = [connection_content(profile)]
    if context is not None and context[1] > 0:
        used, limit = context
        parts += ["   ", Content(f"ctx {used}/{limit} ").stylize("dim"), context_bar(used, limit)]
    if activity:
        parts += ["   ", Content(activity).stylize("italic")]
    if stats is not None:
        parts += ["  ", stream_content(stats, time.monotonic() if now is None else now).stylize("dim")]
    return Content.assemble(*parts)


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 1; padding: 0 1; background: $panel; text-wrap: nowrap; text-overflow: ellipsis; }
    StatusBar.-demo { background: $demo-badge 15%; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._profile: ConnectionProfile | None = None
        self._activity = ""
        self._ctx_usage: tuple[int, int] | None = None
        self.stats: StreamStats | None = None
        self._ticker: Timer | None = None

    def show(self, profile: ConnectionProfile | None, activity: str = "") -> None:
        self._profile = profile
        self._activity = activity
        self.set_class(profile is not None and profile.kind == "demo", "-demo")
        self._draw()

    def set_context(self, used: int, limit: int) -> None:
        self._ctx_usage = (used, limit)
        self._draw()

    def stream_started(self) -> None:
        self.stats = StreamStats(started=time.monotonic())
        if self._ticker is None:
            self._ticker = self.set_interval(0.5, self._draw)
        self._draw()

    def stream_delta(self, chars: int) -> None:
        """Count streamed text; drawn by the half-second ticker, not per token."""
        if self.stats is not None:
            if self.stats.first_at is None:
                self.stats.first_at = time.monotonic()
            self.stats.chars += chars

    def queue(self, position: int | None, eta_seconds: float | None) -> None:
        if self.stats is not None:
            self.stats.queue_position = position
            self.stats.eta_seconds = eta_seconds
            self._draw()

    def stream_ended(self) -> None:
        self.stats = None
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        self._draw()

    def _draw(self) -> None:
        # One line, always: a redraw needs no layout (which would re-arrange the whole screen twice a second).
        self.update(status_content(self._profile, self._activity, self._ctx_usage, self.stats), layout=False)


def track(status: StatusBar, event: object) -> None:
    """Feed a generation event to the status bar's live figures (duck-typed: a forwarded backend Progress
    event carries `queue_position` / `eta_seconds`)."""
    text = getattr(event, "text", None)
    if type(event).__name__ == "Delta" and isinstance(text, str):
        status.stream_delta(len(text))
    elif hasattr(event, "queue_position"):
        status.queue(getattr(event, "queue_position", None), getattr(event, "eta_seconds", None))
