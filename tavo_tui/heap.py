"""The process's garbage-collector policy, for the command line and the TUI alike.

Start-up (modules, classes, schemas) creates a few hundred thousand objects that live as long as the process
and next to no garbage, yet the collector scanned them ~140 times before the TUI's first frame (~60 ms). So
the collector is off while they load (`start_up`), and what they built is then frozen out of every later
scan (`freeze_startup_heap`): a command does that as soon as it is parsed, the TUI after its first frame.

In the TUI, Python's full (oldest-generation) collection walks every live object: with Textual's widgets,
styles and caches that is 100-300 ms, and during a fast stream it ran every half second, freezing the screen
each time. So full collections are made rare and left to quiet moments (`tune_collector`,
`collect_if_due`); the young generations still run as usual. Only `run_tui` applies that: tests share one
process, where a frozen heap would never be freed.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# The young generations keep Python's defaults; the oldest waits for 1,000 middle collections (about 7M
# allocations, ~30 s of a very fast stream) instead of 10, or for `collect_if_due` when nothing happens.
THRESHOLDS = (700, 10, 1000)
IDLE_COLLECT_SECONDS = 60.0


@contextmanager
def start_up() -> Iterator[None]:
    """The collector is off inside (until `freeze_startup_heap`); afterwards it is as it was, nothing frozen."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()
        else:
            gc.disable()


def tune_collector() -> None:
    """Before the app starts: no collections until the first frame (start-up makes objects that live as long
    as the app, and next to no garbage), and full collections rare after it."""
    gc.set_threshold(*THRESHOLDS)
    gc.disable()


def freeze_startup_heap() -> None:
    """Start-up is over (a command parsed, the TUI's first frame shown): move what exists to the permanent
    generation, out of every later scan, and let the collector run again."""
    gc.freeze()
    gc.enable()


def collect_if_due() -> bool:
    """A full collection if anything reached the middle generation since the last one; True if it ran."""
    if gc.get_count()[2] == 0:
        return False
    gc.collect()
    return True
