"""An incremental, spec-tolerant Server-Sent Events parser fed with raw bytes.

Network chunks may end anywhere: inside a UTF-8 character, between the `\\r` and `\\n` of a CRLF, or in the
middle of a field. The parser keeps that state between `feed` calls, so splitting a stream at any byte
boundary yields the same events as feeding it whole.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class SSEEvent:
    """One dispatched event. `event` is "message" unless the server named it."""

    data: str
    event: str = "message"
    id: str | None = None
    retry: int | None = None


class SSEParser:
    """Feed bytes, get whole events. Call `close()` at end of stream to flush a last unterminated event."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""  # decoded text not yet split into complete lines
        self._started = False  # a BOM is only meaningful at the very start
        self._data: list[str] = []
        self._event = ""
        self._last_id: str | None = None
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        return self._consume(self._decoder.decode(chunk), final=False)

    def close(self) -> list[SSEEvent]:
        """End of stream: treat what is left as a complete line and event (servers often omit the blank line)."""
        events = self._consume(self._decoder.decode(b"", final=True), final=True)
        event = self._dispatch()
        if event is not None:
            events.append(event)
        return events

    def _consume(self, text: str, *, final: bool) -> list[SSEEvent]:
        if not self._started and text:
            self._started = True
            text = text.removeprefix("\ufeff")
        buf = self._pending + text
        # A trailing "\r" may be the first half of "\r\n": wait for the next chunk to decide.
        keep_cr = buf.endswith("\r") and not final
        if keep_cr:
            buf = buf[:-1]
        parts = _LINE_BREAK.split(buf)
        if final:
            lines, rest = parts, ""
            if lines and lines[-1] == "":
                lines.pop()
        else:
            lines, rest = parts[:-1], parts[-1]
        self._pending = rest + ("\r" if keep_cr else "")
        events: list[SSEEvent] = []
        for line in lines:
            event = self._line(line)
            if event is not None:
                events.append(event)
        return events

    def _line(self, line: str) -> SSEEvent | None:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return None  # comment / keep-alive ping
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self._last_id = value
        elif name == "retry":
            if value.isdigit():
                self._retry = int(value)
        elif name == "error":
            # Old llama.cpp builds report failures in a non-standard `error:` field; surface it as an
            # event named "error" so adapters treat it like any other in-stream error.
            self._event = "error"
            self._data.append(value)
        return None

    def _dispatch(self) -> SSEEvent | None:
        data = "\n".join(self._data)
        event = SSEEvent(data=data, event=self._event or "message", id=self._last_id, retry=self._retry)
        self._data = []
        self._event = ""
        self._retry = None
        if data == "":
            return None
        return event
