"""One line under the chat: connection (loudly when it is the demo), model, mode, context use, and what is
happening (generating with tokens/s and elapsed time, or the Horde queue position while waiting)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from textual.content import Content
from textual.timer import Timer
from textual.widgets import Static

from tavo_tui.model import ConnectionProfile
from tavo_tui.session import Delta, Retrying
from tavo_tui.ui.shared.safe_text import one_line, plain_line

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
    retry_at: float | None = None  # when the request goes again after a 429/503 (monotonic)

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


def connection_content(profile: ConnectionProfile | None, detail: int = 2) -> Content:
    """The connection, `detail` 2: name, model and mode; 1: name and model; 0: the name alone."""
    if profile is None:
        return Content("no connection")
    if profile.kind == "demo":
        label = (" DEMO ", " DEMO · canned replies ", f" {DEMO_LABEL} ")[detail]
        return Content(label).stylize("bold reverse $demo-badge")
    parts: list[Content | tuple[str, str]] = [("● ", "$text-success"), plain_line(profile.name, "bold")]
    if detail >= 1:
        parts += [("  ", ""), plain_line(profile.model or profile.kind, "dim")]
    if detail >= 2:
        parts += [("  ", ""), (profile.mode, "dim italic")]
    return Content.assemble(*parts)


def stream_content(stats: StreamStats, now: float) -> Content:
    """`12.3s 41 tok/s` (compact: it has to fit 80 columns next to the connection), or the queue position."""
    elapsed = now - stats.started
    if stats.first_at is None and stats.queue_position is not None:
        eta = f", ~{stats.eta_seconds:.0f}s" if stats.eta_seconds is not None else ""
        return Content(f"queued #{stats.queue_position}{eta} · {elapsed:.0f}s")
    if stats.first_at is None and stats.retry_at is not None and stats.retry_at > now:
        return Content(f"retry in {stats.retry_at - now:.0f}s · {elapsed:.0f}s")
    if stats.first_at is None:
        return Content(f"waiting {elapsed:.1f}s")  # for the first token: a slow prompt, not a stall
    rate = stats.tokens_per_second(now)
    rate_text = f" {rate:.0f} tok/s" if rate else ""
    return Content(f"{elapsed:.1f}s{rate_text}")


def short_activity(activity: str) -> str:
    """The part of an activity worth keeping on a narrow line: its bracketed hint ("generating… (esc stops)"
    keeps "esc stops"; the live figures already say that a reply is coming)."""
    head, bracket, rest = activity.partition("(")
    return rest.removesuffix(")").strip() if bracket and rest.strip(") ") else head.strip()


# (connection detail, context: 2 bar / 1 figures / 0 none, activity: 2 full / 1 short / 0 none), most detailed
# first: the first that fits the bar's width is drawn, so the live figures are never the part cut off.
LEVELS = ((2, 2, 2), (2, 1, 2), (2, 1, 1), (1, 1, 1), (0, 1, 1), (0, 0, 1), (0, 0, 0))


def status_content(
    profile: ConnectionProfile | None,
    activity: str,
    context: tuple[int, int] | None = None,
    stats: StreamStats | None = None,
    now: float | None = None,
    width: int | None = None,
) -> Content:
    """The status line, fitted to `width` cells when given (None: everything)."""
    live = None
    if stats is not None:
        live = stream_content(stats, time.monotonic() if now is None else now).stylize("dim")
    line = Content("")
    for detail, ctx_detail, activity_detail in LEVELS:
        line = _line(profile, activity, context, live, detail, ctx_detail, activity_detail)
        if width is None or line.cell_length <= width:
            return line
    # Not even the name fits beside the figures: shorten the name, keep the figures.
    tail: list[Content | str] = ["  ", live] if live is not None else []
    room = (width or 0) - sum(Content(t).cell_length if isinstance(t, str) else t.cell_length for t in tail)
    return Content.assemble(connection_content(profile, 0).truncate(max(1, room), ellipsis=True), *tail)


def _line(
    profile: ConnectionProfile | None,
    activity: str,
    context: tuple[int, int] | None,
    live: Content | None,
    detail: int,
    ctx_detail: int,
    activity_detail: int,
) -> Content:
    parts: list[Content | str] = [connection_content(profile, detail)]
    if ctx_detail and context is not None and context[1] > 0:
        used, limit = context
        parts += ["   ", Content(f"ctx {used}/{limit}").stylize("dim")]
        if ctx_detail == 2:
            parts += [" ", context_bar(used, limit)]
    # Activity lines carry server errors and names: controls shown, never sent (a probe found a raw NUL here).
    activity = one_line(activity)
    shown = activity if activity_detail == 2 else short_activity(activity) if activity_detail else ""
    if shown:
        parts += ["   " if activity_detail == 2 else "  ", Content(shown).stylize("italic")]
    if live is not None:
        parts += ["  ", live]
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

    def retry_wait(self, seconds: float) -> None:
        if self.stats is not None:
            self.stats.retry_at = time.monotonic() + seconds
            self._draw()

    def stream_ended(self) -> None:
        self.stats = None
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        # One line, always: a redraw needs no layout (which would re-arrange the whole screen twice a second).
        # Fitted to the width (none before the first layout), so a narrow terminal drops detail, not figures.
        width = self.content_size.width or None
        self.update(status_content(self._profile, self._activity, self._ctx_usage, self.stats, width=width),
                    layout=False)


def track(status: StatusBar, event: object) -> None:
    """Feed a generation event to the status bar's live figures (a forwarded backend Progress event is matched
    by its `queue_position` / `eta_seconds`: the UI does not import the backends)."""
    if isinstance(event, Delta):
        status.stream_delta(len(event.text))
    elif isinstance(event, Retrying):
        status.retry_wait(event.seconds)
    elif hasattr(event, "queue_position"):
        status.queue(getattr(event, "queue_position", None), getattr(event, "eta_seconds", None))
