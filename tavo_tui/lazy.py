"""Package attributes that load their module on first use (PEP 562 module `__getattr__`).

A package's `__init__` re-exports names for convenience, but importing any one submodule runs that
`__init__`: eager re-exports made `tavo_tui.prompt.tokens` load the whole prompt engine, and the TUI's first
frame waited for code only a chat needs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` for `package` that imports `package.<homes[name]>` when `name` is first read."""
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{home}"), name)
        namespace[name] = value  # later reads find it directly
        return value

    return __getattr__
