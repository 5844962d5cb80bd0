"""Client-side stop strings for streamed text, including a stop string split across chunks.

Servers apply stop strings too, but not all do (OpenAI caps the list at four, KoboldCpp leaves the stop
string in its output unless asked, Horde workers vary), so every adapter passes its text through this.
"""

from __future__ import annotations


class StopTrimmer:
    """Feed text pieces; get back what is safe to show. Text that could be the start of a stop string is
    held back until the next piece decides it; once a stop string is complete, everything from it on is
    dropped and `stopped` becomes True."""

    def __init__(self, stops: list[str] | tuple[str, ...]) -> None:
        self.stops = tuple(s for s in dict.fromkeys(stops) if s)
        self.stopped = False
        self.matched: str | None = None
        self._held = ""

    def feed(self, text: str) -> str:
        """The part of `text` (plus anything held before) that can be shown now."""
        if self.stopped:
            return ""
        if not self.stops:
            return text
        buf = self._held + text
        cut = self._earliest_stop(buf)
        if cut is not None:
            self.stopped = True
            self._held = ""
            return buf[:cut]
        keep = self._partial_suffix(buf)
        self._held = buf[len(buf) - keep :] if keep else ""
        return buf[: len(buf) - keep]

    def flush(self) -> str:
        """End of reply: whatever was held back was not a stop string after all."""
        rest, self._held = ("" if self.stopped else self._held), ""
        return rest

    def trim(self, text: str) -> str:
        """A whole (non-streamed) reply cut at its first stop string."""
        return self.feed(text) + self.flush()

    def _earliest_stop(self, buf: str) -> int | None:
        best: int | None = None
        for stop in self.stops:
            at = buf.find(stop)
            if at >= 0 and (best is None or at < best):
                best, self.matched = at, stop
        return best

    def _partial_suffix(self, buf: str) -> int:
        """Length of the longest end of `buf` that is a proper prefix of some stop string."""
        longest = 0
        for stop in self.stops:
            for size in range(min(len(stop) - 1, len(buf)), longest, -1):
                if buf.endswith(stop[:size]):
                    longest = size
                    break
        return longest
