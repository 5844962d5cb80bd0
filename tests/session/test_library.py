"""Library operations (session layer): import, export, duplicate, delete, create, save, sort, detail."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tavo_tui.cards import read_card
from tavo_tui.model import Lorebook, LorebookEntry
from tavo_tui.session import AppContext
from tavo_tui.session import library as lib


def v2_json(folder: Path, file_name: str, **fields: object) -> Path:
    data = {"name": "Alice", "description": "Keeps a lighthouse.", "personality": "calm", "scenario": "A storm.",
            "first_mes": "Welcome.", "alternate_greetings": ["Hello again."], "tags": ["sea"], "creator": "ann",
            **fields}
    path = folder / file_name
    path.write_text(json.dumps({"spec": "chara_card_v2", "spec_version": "2.0", "data": data}), encoding="utf-8")
    return path


@pytest.fixture
def ctx(home: Path, tmp_path: Path) -> AppContext:
    return AppContext.open(home=home, library=[tmp_path / "extra"])


@pytest.fixture
def source(tmp_path: Path) -> Path:
    folder = tmp_path / "incoming"
    folder.mkdir()
    return folder


def test_import_a_file_and_a_folder_reports_failures_with_reasons(ctx: AppContext, source: Path) -> None:
    good = v2_json(source, "alice.json")
    v2_json(source, "bob.json", name="Bob")
    (source / "broken.json").write_text("{not json", encoding="utf-8")
    (source / "fake.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    (source / "notes.txt").write_text("hello", encoding="utf-8")
    report = lib.import_cards(ctx, [source, source / "missing.png"])
    assert sorted(p.name for p in report.imported) == ["alice.json", "bob.json"]
    assert all(p.parent == ctx.paths.cards_dir for p in report.imported)
    failed = {p.name: reason for p, reason in report.failed}
    assert set(failed) == {"broken.json", "fake.png", "missing.png"}
    assert "no such file" in failed["missing.png"]
    assert [p.name for p in report.skipped] == ["notes.txt"]
    summary = report.summary()
    assert summary.startswith("Imported 2 card(s), 3 failed, 1 other file(s) skipped.")
    assert "broken.json: " in summary
    # Imported byte for byte, and listed.
    assert (ctx.paths.cards_dir / "alice.json").read_bytes() == good.read_bytes()
    assert {e.name for e in ctx.card_entries()} == {"Alice", "Bob"}
    # A second import of the same file does not overwrite the first.
    again = lib.import_cards(ctx, [good])
    assert again.imported[0].name == "alice (2).json"


def test_import_sniffs_the_real_format(ctx: AppContext, source: Path, sample_cards: Path) -> None:
    png = next(sample_cards.glob("*.png"))
    lying = source / "card.json"
    lying.write_bytes(png.read_bytes())
    report = lib.import_cards(ctx, [lying])
    assert [p.name for p in report.imported] == ["card.png"]


@pytest.mark.parametrize("fmt", lib.EXPORT_FORMATS)
def test_export_round_trips_the_card(ctx: AppContext, source: Path, tmp_path: Path, fmt: str) -> None:
    card = v2_json(source, "alice.json")
    dest = lib.export_path(card, fmt, tmp_path)
    lib.export_card(ctx, card, dest)
    back = read_card(dest).card
    assert back.name == "Alice" and back.alternate_greetings == ["Hello again."] and back.tags == ["sea"]


def test_export_refuses_unknown_formats_and_overwriting_itself(ctx: AppContext, source: Path) -> None:
    card = v2_json(source, "alice.json")
    with pytest.raises(lib.LibraryError, match="webp"):
        lib.export_card(ctx, card, source / "alice.webp")
    with pytest.raises(lib.LibraryError, match="overwrite"):
        lib.export_card(ctx, card, card)


def test_duplicate_delete_create_and_save(ctx: AppContext, source: Path) -> None:
    original = lib.import_cards(ctx, [v2_json(source, "alice.json")]).imported[0]
    copy = lib.duplicate_card(ctx, original)
    assert copy != original and read_card(copy).card.name == "Alice (copy)"
    assert read_card(original).card.name == "Alice"
    created = lib.create_card(ctx, "Nova", description="A starship AI.")
    assert created.suffix == ".png" and read_card(created).card.description == "A starship AI."
    edited = read_card(created).card.model_copy(update={"personality": "dry wit"})
    assert lib.save_card(ctx, created, edited) == created
    assert read_card(created).card.personality == "dry wit"
    assert {e.name for e in ctx.card_entries()} == {"Alice", "Alice (copy)", "Nova"}
    lib.delete_card(ctx, copy)
    assert not copy.exists()
    assert {e.name for e in ctx.card_entries()} == {"Alice", "Nova"}
    with pytest.raises(lib.LibraryError, match="name"):
        lib.create_card(ctx, "  ")


def test_delete_refuses_files_outside_the_library(ctx: AppContext, source: Path) -> None:
    outside = v2_json(source, "alice.json")
    with pytest.raises(lib.LibraryError, match="not in a library folder"):
        lib.delete_card(ctx, outside)
    assert outside.exists()


def test_save_of_an_unwritable_format_goes_to_a_new_png(ctx: AppContext, source: Path) -> None:
    # A JSON card behind a lying .jpg name: readable (the reader sniffs), but not writable as .jpg.
    lying = v2_json(source, "alice.jpg")
    card = read_card(lying).card.model_copy(update={"personality": "changed"})
    target = lib.save_card(ctx, lying, card)
    assert target.suffix == ".png" and target.parent == ctx.paths.cards_dir
    assert read_card(target).card.personality == "changed"
    assert read_card(lying).card.personality == "calm"


def test_sort_by_recently_chatted_and_date_added(ctx: AppContext, source: Path) -> None:
    paths = lib.import_cards(ctx, [v2_json(source, f"{n}.json", name=n) for n in ("Ann", "Bea", "Cid")]).imported
    for i, path in enumerate(paths):  # added order: Cid newest
        os.utime(path, (1000 + i, 1000 + i))
    assert [e.name for e in lib.sorted_entries(ctx, sort="added")] == ["Cid", "Bea", "Ann"]
    bea = ctx.open_chat(paths[1], "demo")
    bea.insert_narrator("The tide turns.")
    bea.close()
    assert [e.name for e in lib.sorted_entries(ctx, sort="chatted")] == ["Bea", "Ann", "Cid"]
    assert [e.name for e in lib.sorted_entries(ctx, "ci", sort="chatted")] == ["Cid"]
    assert [e.name for e in lib.sorted_entries(ctx)] == ["Ann", "Bea", "Cid"]


def test_detail_counts_permanent_tokens_and_summarises_the_lorebook(ctx: AppContext, source: Path) -> None:
    path = v2_json(source, "alice.json", system_prompt="Stay in character.", mes_example="<START> long " * 50)
    detail = lib.card_detail(ctx, path, "gpt-4o")
    assert set(detail.field_tokens) == {"name", "description", "personality", "scenario", "system_prompt"}
    assert detail.permanent_tokens == sum(detail.field_tokens.values()) > 0
    assert detail.lorebook == "none"
    book = Lorebook(name="Cape", entries=[LorebookEntry(keys=["a"], content="x", constant=True),
                                          LorebookEntry(keys=["b"], content="y", enabled=False),
                                          LorebookEntry(keys=["c"], content="z")])
    card = detail.card.model_copy(update={"character_book": book})
    assert lib.lorebook_summary(card) == "Cape: 3 entries, 1 constant, 1 disabled"
    with pytest.raises(lib.LibraryError):
        lib.card_detail(ctx, source / "missing.json")
