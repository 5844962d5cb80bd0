"""The sample characters inside the package: found through importlib.resources, equal to sample_cards/, and
copied into a new home's cards/ folder on the first start only."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext
from tavo_tui.session.first_run import is_new_home, seed_samples, wants_welcome
from tavo_tui.session.ui_settings import load_ui_settings, save_ui_settings
from tavo_tui.store.samples import bundled_samples, copy_samples

ROOT = Path(__file__).resolve().parents[2]


def test_the_package_data_is_found_and_equals_sample_cards(sample_cards: Path) -> None:
    bundled = {f.name: f.read_bytes() for f in bundled_samples()}
    authoritative = {p.name: p.read_bytes() for p in sample_cards.iterdir() if p.is_file()}
    # sample_cards/ is the source: after changing a card there, copy it into tavo_tui/samples/.
    assert bundled == authoritative
    assert len(bundled) >= 6


def test_a_new_home_gets_the_samples_once(home: Path) -> None:
    ctx = AppContext.open(home=home)
    assert is_new_home(ctx)
    written = seed_samples(ctx)
    assert sorted(p.name for p in written) == sorted(f.name for f in bundled_samples())
    assert {e.path.name for e in ctx.card_entries()} == {p.name for p in written}
    for path in written:  # deleted by the user: not brought back
        path.unlink()
    assert seed_samples(AppContext.open(home=home)) == []
    assert AppContext.open(home=home).card_entries() == []


def test_a_home_with_chats_or_profiles_is_not_seeded(home: Path) -> None:
    ctx = AppContext.open(home=home)
    ctx.profiles.save(ConnectionProfile(name="mine", kind="openai-compatible", base_url="http://127.0.0.1:1"))
    assert not is_new_home(ctx) and seed_samples(ctx) == []
    assert not ctx.paths.cards_dir.exists()


def test_copy_keeps_a_file_already_there(tmp_path: Path) -> None:
    first = bundled_samples()[0]
    (tmp_path / first.name).write_bytes(b"mine")
    written = copy_samples(tmp_path)
    assert (tmp_path / first.name).read_bytes() == b"mine"
    assert tmp_path / first.name not in written and len(written) == len(bundled_samples()) - 1


def test_welcome_is_wanted_on_a_new_home_only_until_done(home: Path) -> None:
    ctx = AppContext.open(home=home)
    assert wants_welcome(ctx)
    settings = load_ui_settings(ctx.paths).value
    settings.welcome_done = True
    save_ui_settings(ctx.paths, settings)
    assert not wants_welcome(ctx)


def test_welcome_is_not_wanted_once_a_profile_exists(home: Path) -> None:
    ctx = AppContext.open(home=home)
    ctx.profiles.save(ConnectionProfile(name="mine", kind="openai-compatible", base_url="http://127.0.0.1:1"))
    assert not wants_welcome(ctx)


@pytest.mark.slow
def test_the_built_wheel_carries_the_samples(tmp_path: Path) -> None:
    """Build the wheel as pipx would, install it (without dependencies) into a folder and import from there."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist"), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("tavo_tui-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert {f"tavo_tui/samples/{f.name}" for f in bundled_samples()} <= set(names)
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    probe = ("import tavo_tui, tavo_tui.store.samples as s; "
             "print(tavo_tui.__file__); print(len(s.bundled_samples()))")
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True,
                         env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}, cwd=tmp_path).stdout.split()
    assert out[0].startswith(str(target)) and int(out[1]) == len(bundled_samples())
