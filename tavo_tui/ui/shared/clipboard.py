"""OSC 52 clipboard sequences, wrapped for terminal multiplexers that would otherwise drop them.

Textual writes a bare OSC 52. tmux only acts on it with `set-clipboard on` (or `external` on a terminal it
knows can take it), and GNU screen never forwards it. Both can pass a sequence straight through to the outer
terminal when it is wrapped in their DCS form, so inside a multiplexer we send the wrapped copy as well.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping

ESC = "\x1b"
ST = ESC + "\\"
# GNU screen keeps DCS strings in a fixed-size buffer, so long payloads go out in several short DCS strings,
# which screen writes out back to back.
SCREEN_CHUNK = 76


def osc52(text: str) -> str:
    """The bare OSC 52 'set clipboard' sequence for `text`, exactly as Textual writes it."""
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f"{ESC}]52;c;{payload}\a"


def tmux_passthrough(sequence: str) -> str:
    """tmux's DCS passthrough: every ESC inside is doubled so tmux does not end the DCS early."""
    return f"{ESC}Ptmux;{sequence.replace(ESC, ESC + ESC)}{ST}"


def screen_passthrough(sequence: str, chunk: int = SCREEN_CHUNK) -> str:
    """GNU screen's DCS passthrough, split into chunks small enough for screen's string buffer."""
    return "".join(f"{ESC}P{sequence[i:i + chunk]}{ST}" for i in range(0, len(sequence), chunk))


def multiplexer(env: Mapping[str, str]) -> str | None:
    """'tmux', 'screen' or None, judged from the environment the app runs in."""
    if env.get("TMUX"):
        return "tmux"
    if env.get("STY") and env.get("TERM", "").startswith("screen"):
        return "screen"
    return None


def passthrough_copy(text: str, env: Mapping[str, str]) -> str | None:
    """The extra, wrapped OSC 52 to write after the bare one, or None outside a multiplexer.

    The bare sequence is still sent: tmux with `set-clipboard on` stores it in its own buffer, while the
    wrapped one reaches the outer terminal when `allow-passthrough` is on. Setting the clipboard twice to the
    same text is harmless.
    """
    kind = multiplexer(env)
    if kind == "tmux":
        return tmux_passthrough(osc52(text))
    if kind == "screen":
        return screen_passthrough(osc52(text))
    return None
