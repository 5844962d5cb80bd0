"""What every adapter does to raw reply text: split `<think>` reasoning out, then cut at stop strings.

Adapters yield raw events from the wire; `shaped()` wraps that generator so the rules live in one place.
When a stop string completes, the raw generator is closed at once (which closes the HTTP stream, and
lets adapters whose servers keep generating tell them to stop) and the reply finishes with reason "stop".
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from dataclasses import replace

from tavo_tui.backends.base import Finish, ReasoningDelta, Reply, StreamEvent, TextDelta
from tavo_tui.backends.stops import StopTrimmer
from tavo_tui.backends.think import ThinkSplitter


class ReplyShaper:
    """Stateful filter over TextDelta events (reasoning and other events pass through)."""

    def __init__(self, stops: Sequence[str] = (), *, think: bool = True, inside: bool = False) -> None:
        self._stops = StopTrimmer(list(stops))
        self._think = ThinkSplitter(inside=inside) if think else None

    @property
    def stopped(self) -> bool:
        return self._stops.stopped

    def feed(self, event: StreamEvent) -> list[StreamEvent]:
        if not isinstance(event, TextDelta):
            return [event]
        if self._think is None:
            return _events(self._stops.feed(event.text), "")
        visible, reasoning = self._think.feed(event.text)
        return _events(self._stops.feed(visible) if visible else "", reasoning)

    def flush(self) -> list[StreamEvent]:
        visible, reasoning = self._think.flush() if self._think is not None else ("", "")
        text = self._stops.feed(visible) if visible else ""
        return _events(text + self._stops.flush(), reasoning)


def _events(text: str, reasoning: str) -> list[StreamEvent]:
    out: list[StreamEvent] = []
    if reasoning:
        out.append(ReasoningDelta(reasoning))
    if text:
        out.append(TextDelta(text))
    return out


async def shaped(
    raw: AsyncGenerator[StreamEvent, None],
    stops: Sequence[str] = (),
    *,
    think: bool = True,
    inside: bool = False,
) -> AsyncGenerator[StreamEvent, None]:
    """`raw` with reasoning split out and stop strings applied; always ends with exactly one Finish."""
    shaper = ReplyShaper(stops, think=think, inside=inside)
    finish: Finish | None = None
    try:
        async for event in raw:
            if isinstance(event, Finish):
                finish = event
                continue
            for out in shaper.feed(event):
                yield out
            if shaper.stopped:
                break
    finally:
        await raw.aclose()
    for out in shaper.flush():
        yield out
    if shaper.stopped:
        yield Finish("stop", finish.usage if finish is not None else {})
    else:
        yield finish if finish is not None else Finish(None)


def shape_reply(reply: Reply, stops: Sequence[str] = (), *, think: bool = True, inside: bool = False) -> Reply:
    """The same rules for a whole reply."""
    shaper = ReplyShaper(stops, think=think, inside=inside)
    events = [*shaper.feed(TextDelta(reply.text)), *shaper.flush()]
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    reasoning = reply.reasoning + "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    finish = "stop" if shaper.stopped else reply.finish_reason
    return replace(reply, text=text, reasoning=reasoning, finish_reason=finish)
