"""The sample characters shipped inside the package (tavo_tui/samples/), and copying them into a new home.

The package copy is what an installed `tavo-tui` has; the repository's top-level sample_cards/ stays the
authoritative source and a test keeps the two byte-for-byte equal.
"""

from __future__ import annotations

import os
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from tavo_tui.store.files import atomic_write

PACKAGE = "tavo_tui"
FOLDER = "samples"
CARD_SUFFIXES = (".png", ".json", ".charx")


def bundled_samples() -> list[Traversable]:
    """The sample card files in the installed package, sorted by name ([] when the data is missing)."""
    folder = resources.files(PACKAGE) / FOLDER
    if not folder.is_dir():
        return []
    return sorted((f for f in folder.iterdir() if f.is_file() and f.name.endswith(CARD_SUFFIXES)),
                  key=lambda f: f.name)


def copy_samples(cards_dir: Path) -> list[Path]:
    """Copy every bundled sample into `cards_dir` (created), keeping any file already there; returns the
    files written."""
    cards_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for source in bundled_samples():
        target = cards_dir / source.name
        if os.path.lexists(target):
            continue
        atomic_write(target, source.read_bytes())
        written.append(target)
    return written
