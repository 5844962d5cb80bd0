"""Garbage-collector settings for the interactive app.

Python's full (oldest-generation) collection walks every live object: with Textual's widgets, styles and
caches that is 100-300 ms, and during a fast stream it ran every half second, freezing the screen each
time. So: what start-up built is frozen (it lives as long as the app), full collections are left to
quiet moments, and the young generations still run as usual. Only `run_tui` applies this: tests share one
process, where a frozen heap would never be freed.
"""

from __future__ import annotations

import gc

# The young generations keep Python's defaults; the oldest waits for 1,000 middle collections (about 7M
# allocations, ~30 s of a very fast stream) instead of 10, or for `collect_if_due` when nothing happens.
THRESHOLDS = (700, 10, 1000)
IDLE_COLLECT_SECONDS = 60.0


def tune_collector() -> None:
    """Before the app starts: no collections until the first frame (start-up makes objects that live as long
    as the app, and next to no garbage), and full collections rare after it."""
    gc.set_threshold(*THRESHOLDS)
    gc.disable()


def freeze_startup_heap() -> None:
    """After the first frame: move what exists to the permanent generation, out of every later scan, and
    let the collector run again."""
    gc.freeze()
    gc.enable()


def collect_if_due() -> bool:
    """A full collection if anything reached the middle generation since the last one; True if it ran."""
    if gc.get_count()[2] == 0:
        return False
    gc.collect()
    return True
