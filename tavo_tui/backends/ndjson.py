"""An incremental newline-delimited JSON reader (Ollama's native streaming format)."""

from __future__ import annotations

import json
from typing import Any


class NDJSONError(ValueError):
    """A line that is not valid JSON."""


class NDJSONParser:
    """Feed bytes, get parsed objects. Several objects may share a chunk; one object may span chunks."""

    def __init__(self) -> None:
        self._buf = b""

    def feed(self, chunk: bytes) -> list[Any]:
        self._buf += chunk
        *lines, self._buf = self._buf.split(b"\n")
        return [_parse(line) for line in lines if line.strip()]

    def close(self) -> list[Any]:
        """End of stream: parse a last line that had no trailing newline."""
        rest, self._buf = self._buf, b""
        return [_parse(rest)] if rest.strip() else []


def _parse(line: bytes) -> Any:
    # Splitting on b"\n" is safe for UTF-8: the newline byte never occurs inside a multi-byte character.
    text = line.decode("utf-8", errors="replace").strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise NDJSONError(f"the server sent a line that is not JSON: {text[:120]!r}") from exc
