"""Load ahead of time what the first chat needs but start-up leaves out (so the first frame comes sooner).

The TUI runs `warm_up()` in a thread once its first frame is on screen: the chat session with the prompt
engine, the adapter module of the connection in use (and with it httpx) and that model's tokenizer.
Everything here is also loaded on demand, so skipping or failing the warm-up only makes the first chat open
a little slower.
"""

from __future__ import annotations

from tavo_tui.backends.registry import KINDS
from tavo_tui.prompt.tokens import counter_for_model


def warm_up(kind: str, model: str = "") -> list[str]:
    """Import the adapters of backend `kind` and load the token counter of `model`; returns what was done."""
    from tavo_tui.session.chat_session import ChatSession  # and with it the prompt engine

    done: list[str] = [ChatSession.__name__]
    info = KINDS.get(kind)
    if info is not None:
        for api in (None, "native") if info.native else (None,):
            done.append(info.adapter_class(api).__name__)
    counter = counter_for_model(model)
    done.append(counter.method)
    return done
