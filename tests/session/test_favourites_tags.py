"""Favourites and tags in the library (session layer): SillyTavern's `fav`, favourites first, sort by tag,
bulk tag edit."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tavo_tui.cards import read_card
from tavo_tui.session import AppContext
from tavo_tui.session import library as lib

PNG = Path(__file__).resolve().parents[2] / "sample_cards" / "maren_holloway.png"


def v2_json(folder: Path, name: str, tags: list[str], **top: object) -> Path:
    path = folder / f"{name.lower()}.json"
    data = {"name": name, "description": "x", "first_mes": "Hi.", "tags": tags}
    path.write_text(json.dumps({"spec": "chara_card_v2", "spec_version": "2.0", "data": data, **top}),
                    encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "lib"
    path.mkdir()
    return path


@pytest.fixture
def ctx(home: Path, folder: Path) -> AppContext:
    return AppContext.open(home=home, library=[folder])


def names(ctx: AppContext, sort: str = "name", query: str = "") -> list[str]:
    return [e.name for e in lib.sorted_entries(ctx, query, sort)]


def test_favourites_come_first_and_are_stored_as_sillytavern_does(ctx: AppContext, folder: Path) -> None:
    v2_json(folder, "Ada", ["sea"])
    v2_json(folder, "Bea", [], fav="true")  # an old SillyTavern export: the top-level string
    zed = v2_json(folder, "Zed", ["Fantasy"])
    assert names(ctx) == ["Bea", "Ada", "Zed"]
    assert lib.toggle_favourite(ctx, zed) is True
    assert read_card(zed).card.extensions["fav"] is True
    assert names(ctx) == ["Bea", "Zed", "Ada"]
    assert names(ctx, "tag") == ["Zed", "Bea", "Ada"]  # favourites by first tag (untagged last), then the rest
    assert lib.toggle_favourite(ctx, zed) is False
    assert names(ctx, "tag") == ["Bea", "Zed", "Ada"] and names(ctx) == ["Bea", "Ada", "Zed"]


def test_a_png_favourite_survives_the_listing_cache(ctx: AppContext, folder: Path, home: Path) -> None:
    card = folder / "maren.png"
    shutil.copy(PNG, card)
    lib.set_favourite(ctx, card, True)
    again = AppContext.open(home=home, library=[folder])  # a new process: the summary comes from the cache
    (entry,) = [e for e in again.cards.entries() if e.path == card]
    assert entry.fav


def test_bulk_tag_edit_adds_and_removes_on_every_ticked_card(ctx: AppContext, folder: Path) -> None:
    ada, bea = v2_json(folder, "Ada", ["sea", "Draft"]), v2_json(folder, "Bea", ["sea"])
    webp = folder / "odd.webp"
    webp.write_bytes(b"RIFF")
    assert lib.parse_tag_edit("+noir, -draft  mystery") == (["noir", "mystery"], ["draft"])
    problems = lib.edit_tags(ctx, [ada, bea, webp], ["noir", "SEA"], ["draft"])
    assert read_card(ada).card.tags == ["sea", "noir"] and read_card(bea).card.tags == ["sea", "noir"]
    assert len(problems) == 1 and problems[0].startswith("odd.webp: a .webp card cannot be changed in place")
    assert names(ctx, query="#noir") == ["Ada", "Bea"]


def test_failures_name_each_unreadable_file_with_its_reason(ctx: AppContext, folder: Path) -> None:
    v2_json(folder, "Ada", [])
    (folder / "bad.json").write_text("[1, 2]", encoding="utf-8")
    assert ctx.card_failures() == []  # nothing listed yet
    ctx.cards.entries()
    ((path, reason),) = ctx.card_failures()
    assert path.name == "bad.json" and reason


def test_tags_brought_over_from_sillytavern_list_filter_and_make_folders(ctx: AppContext) -> None:
    """SillyTavern keeps the user's tags in settings.json's tag_map (the import writes them to tags.json): the
    library shows them beside the card's own tags, `#tag` finds them, and they are folders."""
    cards = ctx.paths.cards_dir
    cards.mkdir(parents=True, exist_ok=True)
    v2_json(cards, "Aria", ["own"])
    v2_json(cards, "Bram", [])
    tags_file = ctx.paths.data_dir / "tags.json"
    tags_file.write_text(json.dumps({
        "tags": [{"id": "1", "name": "Fantasy"}, {"id": "2", "name": "own"}],
        "tag_map": {"aria.json": ["1", "2", "404"], "bram.json": ["1"], "gone.json": ["1"]},
    }), encoding="utf-8")
    by_name = {e.name: e.tags for e in lib.sorted_entries(ctx)}
    assert by_name == {"Aria": ["own", "Fantasy"], "Bram": ["Fantasy"]}  # no duplicate "own", no unknown id
    assert names(ctx, query="#fantasy") == ["Aria", "Bram"]
    folders, loose = lib.folder_view(lib.sorted_entries(ctx))
    assert {f.tag for f in folders} >= {"Fantasy", "own"} and loose == []
    # Read again when the file changes; a damaged file hides only its tags.
    tags_file.write_text(json.dumps({"tags": [{"id": "1", "name": "Sci-fi"}], "tag_map": {"bram.json": ["1"]}}),
                         encoding="utf-8")
    assert {e.name: e.tags for e in lib.sorted_entries(ctx)} == {"Aria": ["own"], "Bram": ["Sci-fi"]}
    tags_file.write_text("{not json", encoding="utf-8")
    assert {e.name: e.tags for e in lib.sorted_entries(ctx)} == {"Aria": ["own"], "Bram": []}
