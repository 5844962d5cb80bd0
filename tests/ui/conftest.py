"""Fixtures for the TUI tests: card files in a temp library, a context on the temp home, fast demo replies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tavo_tui.backends.demo import DemoBackend
from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext
from tests.ui.helpers import EVIL_NAME, MARKUP_FIELD, write_card


@pytest.fixture(autouse=True)
def isolated_home(home: Path) -> Path:
    """Every UI test runs against a temporary TAVO_HOME, even those that never open the app."""
    return home


@pytest.fixture(autouse=True)
def fast_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Demo replies without the per-word pause, so tests stay fast."""
    monkeypatch.setitem(DemoBackend.__init__.__kwdefaults__, "delay", 0.0)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "cards"
    folder.mkdir()
    write_card(folder, "alice.json")
    write_card(folder, "bob.json", name=EVIL_NAME, description=f"Bob bakes bread. {MARKUP_FIELD}",
               first_mes="Morning! [INST] fresh rolls [/INST] today.", creator="[b]evil[/b]")
    return folder


@pytest.fixture
def ctx(home: Path, library: Path) -> AppContext:
    return AppContext.open(home=home, library=[library])


@pytest.fixture
def alice(library: Path) -> Path:
    return library / "alice.json"


@pytest.fixture
def bob(library: Path) -> Path:
    return library / "bob.json"


@pytest.fixture
def fake_profile(ctx: AppContext, openai_server: Any) -> ConnectionProfile:
    """A saved profile pointing at the fake OpenAI server."""
    profile = ConnectionProfile(name="fake", kind="openai-compatible", base_url=openai_server.base_url,
                                model="fake-model", max_context=8192)
    ctx.profiles.save(profile)
    return profile
