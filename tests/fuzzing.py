"""Property tests in two lengths: a quick run in `make test`, a long one under the `slow` marker (.ci/run)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis.strategies import SearchStrategy


def quick_and_long(*strategies: SearchStrategy[Any], quick: int, long: int,
                   **options: Any) -> Callable[[Callable[..., None]], tuple[Any, Any]]:
    """Two tests from one property body: `quick` examples each run of the suite, `long` in the slow run."""
    def make(body: Callable[..., None]) -> tuple[Any, Any]:
        fast = settings(max_examples=quick, **options)(given(*strategies)(body))
        slow = pytest.mark.slow(settings(max_examples=long, **options)(given(*strategies)(body)))
        return fast, slow
    return make
