"""A chat's messages, parsed lazily: opening a 10,000-message chat only splits its lines.

Each entry keeps the line it was read from until something asks for the message; untouched lines are written back
byte for byte, parsed ones are re-encoded from the model (which may have been edited in place).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, MutableSequence
from typing import Any, overload

from tavo_tui.model import Message
from tavo_tui.store.jsonl import decode_message, encode_message

_IS_SYSTEM_KEY = b'"is_system"'
_PLAIN_FALSE = b'"is_system":false'
_VISIBLE_VALUE = re.compile(rb'"is_system"\s*:\s*false')


def surely_visible(raw: bytes) -> bool:
    """True only when the raw line can only decode to a message that is not hidden (`is_system` false).

    Unsure cases answer False: a line that is not one JSON object (it would decode to a hidden note), a line with
    `\\u` escapes (a key could be spelt with them), or `"is_system"` more than once or not plainly `false`.
    Inside JSON strings quotes are escaped, so `"is_system"` in a message's text does not match as a key.
    """
    line = raw if raw[:1] == b"{" and raw[-1:] == b"}" else raw.strip()  # no copy for the usual line
    if line[:1] != b"{" or line[-1:] != b"}" or b"\\u" in line:
        return False
    at = line.find(_IS_SYSTEM_KEY)
    if at < 0:
        return True
    if line.find(_IS_SYSTEM_KEY, at + 1) >= 0:
        return False
    return line.startswith(_PLAIN_FALSE, at) or _VISIBLE_VALUE.match(line, at) is not None


class MessageList(MutableSequence[Message]):
    """A list of `Message` whose items are decoded from their JSON line on first access."""

    def __init__(self, messages: Iterable[Message] = ()) -> None:
        self._raw: list[bytes | None] = []
        self._parsed: list[Message | None] = []
        # True once an unparsed line is known (from its bytes) to hold a visible message; see visible_positions().
        self._visible: list[bool] = []
        for message in messages:
            self._raw.append(None)
            self._parsed.append(message)
            self._visible.append(False)

    @classmethod
    def from_lines(cls, lines: list[bytes]) -> MessageList:
        out = cls()
        out._raw = list(lines)
        out._parsed = [None] * len(lines)
        out._visible = [False] * len(lines)
        return out

    def head(self, count: int) -> MessageList:
        """The first `count` messages as a list of their own, parsing none of them: a prompt built up to a
        message (a swipe) reads only the newest ones that fit, as it does for the whole chat."""
        out = MessageList()
        out._raw = self._raw[:count]
        out._parsed = self._parsed[:count]
        out._visible = self._visible[:count]
        return out

    # ---- sequence protocol ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._parsed)

    def _load(self, index: int) -> Message:
        message = self._parsed[index]
        if message is None:
            raw = self._raw[index]
            assert raw is not None
            message = decode_message(_decode_line(raw, index))
            self._parsed[index] = message
        return message

    @overload
    def __getitem__(self, index: int) -> Message: ...

    @overload
    def __getitem__(self, index: slice) -> list[Message]: ...

    def __getitem__(self, index: int | slice) -> Message | list[Message]:
        if isinstance(index, slice):
            return [self._load(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._load(index)

    @overload
    def __setitem__(self, index: int, value: Message) -> None: ...

    @overload
    def __setitem__(self, index: slice, value: Iterable[Message]) -> None: ...

    def __setitem__(self, index: int | slice, value: Message | Iterable[Message]) -> None:
        if isinstance(index, slice):
            items: list[Message | None] = list(value)  # type: ignore[arg-type]
            self._parsed[index] = items
            self._raw[index] = [None] * len(items)
            self._visible[index] = [False] * len(items)
            return
        assert isinstance(value, Message)
        self._parsed[index] = value
        self._raw[index] = None

    def __delitem__(self, index: int | slice) -> None:
        del self._parsed[index]
        del self._raw[index]
        del self._visible[index]

    def insert(self, index: int, value: Message) -> None:
        self._parsed.insert(index, value)
        self._raw.insert(index, None)
        self._visible.insert(index, False)

    def __iter__(self) -> Iterator[Message]:
        for i in range(len(self)):
            yield self._load(i)

    def __repr__(self) -> str:
        return f"MessageList({len(self)} messages, {self.parsed_count()} parsed)"

    # ---- cheap views ----------------------------------------------------------------------------------
    def parsed_count(self) -> int:
        return sum(1 for m in self._parsed if m is not None)

    def is_loaded(self, index: int) -> bool:
        return self._parsed[index] is not None

    def raw_text(self, index: int) -> str:
        """The message's line as text (for a quick substring search that avoids parsing)."""
        raw = self._raw[index]
        if raw is None or self._parsed[index] is not None:
            return encode_message(self._load(index)).decode("utf-8")
        return raw.decode("utf-8", "replace")

    def maybe_hidden(self, index: int) -> bool:
        """Whether the message may be hidden from the prompt, answered from the raw line when not yet parsed.

        False means certainly visible; True means hidden or not known without parsing (read `.is_system`).
        """
        raw = self._raw[index]
        if self._parsed[index] is not None or raw is None:
            return self._load(index).is_system
        if not self._visible[index]:
            self._visible[index] = surely_visible(raw)
        return not self._visible[index]

    def visible_positions(self) -> list[int]:
        """Positions of the messages not hidden from the prompt, parsing only the lines unsure from their bytes.

        The answer for an unparsed line is remembered, so asking again on the next turn is cheap.
        """
        out: list[int] = []
        parsed, raw, visible = self._parsed, self._raw, self._visible
        for i, message in enumerate(parsed):
            if message is None:
                if visible[i]:
                    out.append(i)
                    continue
                line = raw[i]
                assert line is not None
                if surely_visible(line):
                    visible[i] = True
                    out.append(i)
                    continue
                message = self._load(i)
            if not message.is_system:
                out.append(i)
        return out

    def encoded_lines(self) -> Iterator[bytes]:
        """Each message as one JSON line without the newline: untouched lines verbatim."""
        for raw, message in zip(self._raw, self._parsed, strict=True):
            if message is None:
                assert raw is not None
                yield raw
            else:
                yield encode_message(message)

    def copy(self) -> MessageList:
        out = MessageList()
        out._raw = list(self._raw)
        out._parsed = [m.model_copy(deep=True) if m is not None else None for m in self._parsed]
        out._visible = list(self._visible)
        return out


def _decode_line(raw: bytes, index: int) -> dict[str, Any]:
    """A damaged line becomes a hidden note instead of making the whole chat unreadable."""
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if isinstance(value, dict):
        return value
    return {
        "name": "tavo-tui",
        "is_user": False,
        "is_system": True,
        "mes": f"[line {index + 2} of the chat file could not be read: {raw[:200].decode('utf-8', 'replace')}]",
        "extra": {"type": "damaged", "raw": raw.decode("utf-8", "replace")},
    }
