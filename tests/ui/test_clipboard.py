"""OSC 52 encoding and its tmux / GNU screen passthrough wrapping."""

from __future__ import annotations

import base64
import re

from hypothesis import given
from hypothesis import strategies as st

from tavo_tui.ui.shared.clipboard import (
    SCREEN_CHUNK,
    multiplexer,
    osc52,
    passthrough_copy,
    screen_passthrough,
    tmux_passthrough,
)

ESC = "\x1b"


def _payload(sequence: str) -> str:
    match = re.fullmatch("\x1b\\]52;c;([A-Za-z0-9+/=]*)\x07", sequence)
    assert match, repr(sequence)
    return base64.b64decode(match.group(1)).decode("utf-8")


def _untmux(wrapped: str) -> str:
    """Undo tmux's DCS wrapping the way tmux reads it: strip the frame, halve the doubled ESCs."""
    assert wrapped.startswith(ESC + "Ptmux;") and wrapped.endswith(ESC + "\\")
    inner = wrapped[len(ESC + "Ptmux;"):-2]
    assert ESC + "\\" not in inner.replace(ESC + ESC, ""), "an undoubled ESC would end the DCS early"
    return inner.replace(ESC + ESC, ESC)


def _unscreen(wrapped: str) -> str:
    chunks = re.findall("\x1bP(.*?)\x1b\\\\", wrapped, flags=re.DOTALL)
    assert "".join(f"{ESC}P{c}{ESC}\\" for c in chunks) == wrapped
    assert all(len(c) <= SCREEN_CHUNK for c in chunks)
    return "".join(chunks)


def test_osc52_carries_the_text_in_base64() -> None:
    assert osc52("héllo ☕") == "\x1b]52;c;" + base64.b64encode("héllo ☕".encode()).decode() + "\x07"


def test_tmux_wrapping_doubles_every_escape() -> None:
    wrapped = tmux_passthrough(osc52("lamp"))
    assert wrapped == "\x1bPtmux;\x1b\x1b]52;c;bGFtcA==\x07\x1b\\"


def test_screen_wrapping_splits_long_sequences() -> None:
    text = "x" * 500
    wrapped = screen_passthrough(osc52(text))
    assert wrapped.count(ESC + "P") > 1
    assert _payload(_unscreen(wrapped)) == text


@given(st.text())
def test_wrapped_forms_decode_to_the_same_text(text: str) -> None:
    assert _payload(_untmux(tmux_passthrough(osc52(text)))) == text
    assert _payload(_unscreen(screen_passthrough(osc52(text)))) == text


def test_multiplexer_is_judged_from_the_environment() -> None:
    assert multiplexer({"TMUX": "/tmp/tmux-1000/default,123,0", "TERM": "tmux-256color"}) == "tmux"
    assert multiplexer({"STY": "1234.pts-0.host", "TERM": "screen.xterm-256color"}) == "screen"
    # STY alone (screen's variable leaked into another terminal) or an empty TMUX is not enough.
    assert multiplexer({"STY": "1234.pts-0.host", "TERM": "xterm-256color"}) is None
    assert multiplexer({"TMUX": "", "TERM": "xterm"}) is None
    assert multiplexer({}) is None


def test_passthrough_copy_only_inside_a_multiplexer() -> None:
    assert passthrough_copy("a", {"TERM": "xterm-256color"}) is None
    tmux = passthrough_copy("a", {"TMUX": "x"})
    assert tmux is not None and _payload(_untmux(tmux)) == "a"
    screen = passthrough_copy("a", {"STY": "1.x", "TERM": "screen"})
    assert screen is not None and _payload(_unscreen(screen)) == "a"
