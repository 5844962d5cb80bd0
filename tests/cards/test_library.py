"""CardLibrary: listing, caching by path+mtime+size, search, sort, load."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tavo_tui.cards import CardError
from tavo_tui.cards import library as library_mod
from tavo_tui.cards.library import CardLibrary, SortKey
from tests.cards.helpers import b64json, png_with, text, v2, v3


@pytest.fixture
def lib_dir(tmp_path: Path, sample_cards: Path) -> Path:
    d = tmp_path / "cards"
    shutil.copytree(sample_cards, d)
    (d / "notes.txt").write_text("not a card", "utf-8")
    (d / "world.json").write_text(json.dumps({"entries": {}}), "utf-8")
    return d


def test_lists_cards_with_summary_fields(lib_dir: Path, tmp_path: Path) -> None:
    lib = CardLibrary([lib_dir], tmp_path / "cache" / "cards.json")
    entries = lib.entries()
    names = [e.name for e in entries]
    assert names == sorted(names, key=str.casefold)
    assert {"Tamsin Reed", "Juniper Vale", "月島 灯", "Sable"} <= set(names)
    tamsin = next(e for e in entries if e.name == "Tamsin Reed")
    assert tamsin.format == "png-v3" and "library" in tamsin.tags and tamsin.creator == "tavo-tui"
    assert tamsin.size == (lib_dir / "tamsin_reed.png").stat().st_size
    errors = [e for e in lib.entries(include_errors=True) if e.error]
    assert [e.path.name for e in errors] == ["world.json"] and "lorebook" in (errors[0].error or "")


def test_sort_by_date_added(lib_dir: Path) -> None:
    for i, p in enumerate(sorted(lib_dir.glob("*"))):
        os.utime(p, (1_700_000_000 + i * 10, 1_700_000_000 + i * 10))
    os.utime(lib_dir / "grimble.json", (1_800_000_000, 1_800_000_000))
    lib = CardLibrary([lib_dir])
    assert lib.entries(sort="added")[-1].name == "Grimble"
    assert lib.entries(sort="added", reverse=True)[0].name == "Grimble"


def test_search(lib_dir: Path) -> None:
    lib = CardLibrary([lib_dir])
    assert {e.name for e in lib.search("#cozy")} == {"Maren Holloway", "Tamsin Reed"}
    assert [e.name for e in lib.search("TAMSIN")] == ["Tamsin Reed"]
    assert [e.name for e in lib.search("japanese")] == ["月島 灯"]
    assert [e.name for e in lib.search("fantasy inn")] == ["Grimble"]
    assert lib.search("nothing-matches-this") == []


def test_warm_listing_uses_the_cache(lib_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache.json"
    first = CardLibrary([lib_dir], cache).entries(include_errors=True)
    assert json.loads(cache.read_text("utf-8"))["version"] == 1

    def boom(*_a: object, **_k: object) -> None:
        raise AssertionError("parsed a file although the cache was warm")

    monkeypatch.setattr(library_mod, "summarize", boom)
    again = CardLibrary([lib_dir], cache).entries(include_errors=True)
    assert again == first


def test_changed_file_is_reparsed(lib_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache.json"
    CardLibrary([lib_dir], cache).entries()
    p = lib_dir / "sable.json"
    p.write_text(json.dumps(v3(name="Sable Renamed")), "utf-8")
    os.utime(p, (1_900_000_000, 1_900_000_000))
    names = {e.name for e in CardLibrary([lib_dir], cache).entries()}
    assert "Sable Renamed" in names and "Sable" not in names
    p.unlink()
    assert "Sable Renamed" not in {e.name for e in CardLibrary([lib_dir], cache).entries()}


def test_corrupt_cache_is_ignored(lib_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache.json"
    cache.write_text("{corrupt", "utf-8")
    assert len(CardLibrary([lib_dir], cache).entries()) >= 6


def test_load_and_missing_folder(lib_dir: Path, tmp_path: Path) -> None:
    lib = CardLibrary([lib_dir, tmp_path / "does-not-exist"])
    summary = next(e for e in lib.entries() if e.name == "Juniper Vale")
    loaded = lib.load(summary.path)
    assert loaded.card.name == "Juniper Vale" and loaded.image
    with pytest.raises(CardError):
        lib.load(lib_dir / "notes.txt")


def test_listing_reads_png_fields_like_the_full_reader(tmp_path: Path) -> None:
    d = tmp_path / "l"
    d.mkdir()
    (d / "both.png").write_bytes(png_with(text("chara", b64json(v2(name="Old"))),
                                          text("ccv3", b64json(v3(name="New", tags="x, y")))))
    (d / "bad.png").write_bytes(png_with(text("chara", b"***")))
    entries = CardLibrary([d]).entries(include_errors=True)
    by = {e.path.name: e for e in entries}
    assert by["both.png"].name == "New" and by["both.png"].tags == ["x", "y"]
    assert by["bad.png"].error and "base64" in by["bad.png"].error


def test_search_reuses_the_last_listing(lib_dir: Path) -> None:
    lib = CardLibrary([lib_dir])
    assert [e.name for e in lib.search("grimble")] == ["Grimble"]
    (lib_dir / "grimble.json").unlink()
    assert [e.name for e in lib.search("grimble")] == ["Grimble"]  # no disk access while typing
    assert lib.search("grimble", refresh=True) == []


def test_the_cached_listing_touches_no_card_file_and_the_full_one_finds_changes(
    lib_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache.json"
    assert CardLibrary([lib_dir], cache).cached_entries() is None  # never listed: nothing to show at once
    first = CardLibrary([lib_dir], cache).entries()
    (lib_dir / "newcomer.json").write_text(json.dumps(v2(name="Newcomer")), "utf-8")
    lib = CardLibrary([lib_dir], cache)

    def no_stat(*_a: object, **_k: object) -> None:
        raise AssertionError("the cached listing looked at the folder")

    with monkeypatch.context() as m:
        m.setattr(lib, "_scan", no_stat)
        assert lib.cached_entries() == first  # as last seen: the new file is not there yet
    assert CardLibrary([lib_dir / "elsewhere"], cache).cached_entries() == []  # only the folders asked for
    full = lib.entries()
    assert "Newcomer" in {e.name for e in full} and lib.changed_since_cache
    lib.entries()
    assert not lib.changed_since_cache


@pytest.mark.parametrize(("sort", "reverse"), [("name", False), ("name", True), ("added", False)])
def test_the_cached_head_is_the_start_of_the_cached_listing(
    lib_dir: Path, tmp_path: Path, sort: SortKey, reverse: bool
) -> None:
    cache = tmp_path / "cache.json"
    for i in range(12):  # same names, different files: the path decides their order
        (lib_dir / f"twin-{i:02d}.json").write_text(json.dumps(v2(name="Twin" if i % 2 else "twin")), "utf-8")
    full = CardLibrary([lib_dir], cache).entries(sort=sort, reverse=reverse)
    lib = CardLibrary([lib_dir], cache)
    assert lib.cached_entries(sort=sort, reverse=reverse) == full
    head = lib.cached_head(5, sort=sort, reverse=reverse)
    assert head == (full[:5], len(full))
    assert lib.cached_head(None, sort=sort, reverse=reverse) == (full, len(full))
