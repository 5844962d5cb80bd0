"""Shared test fixtures: an isolated home, the shared corpus, and offline tiktoken files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = [f"tests.fakes.{m}" for m in ("openai_server", "local_servers", "cloud_servers", "queue_servers")]

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SAMPLE_CARDS = ROOT / "sample_cards"

# No network here: point tiktoken at the shared cache before anything imports it.
if (SHARED / "tiktoken-cache").is_dir():
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(SHARED / "tiktoken-cache"))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh TAVO_HOME for one test, so no test touches the user's real data."""
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("TAVO_HOME", str(h))
    yield h


@pytest.fixture
def corpus() -> Path:
    """Real-world files from other tools, in ../shared/corpus (skipped only when absent)."""
    path = SHARED / "corpus"
    if not path.is_dir():
        pytest.skip("../shared/corpus is absent")
    return path


@pytest.fixture
def reference() -> Path:
    """The project's specifications and SillyTavern golden captures."""
    path = SHARED / "reference"
    if not path.is_dir():
        pytest.skip("../shared/reference is absent")
    return path


@pytest.fixture
def sample_cards() -> Path:
    return SAMPLE_CARDS
