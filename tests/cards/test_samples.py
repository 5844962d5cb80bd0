"""The bundled sample cards: what a newcomer sees first, so they must cover every format and read cleanly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tavo_tui.cards import LoadedCard, read_card, write_card
from tavo_tui.cards.errors import DEFAULT_LIMITS
from tavo_tui.cards.png import split_png
from tests.cards.helpers import card_chunks


def load_all(sample_cards: Path) -> dict[str, LoadedCard]:
    return {p.name: read_card(p) for p in sorted(sample_cards.iterdir())}


def test_at_least_six_cards_read_without_warnings(sample_cards: Path) -> None:
    cards = load_all(sample_cards)
    assert len(cards) >= 6
    for name, loaded in cards.items():
        assert loaded.warnings == [], name
        c = loaded.card
        assert c.name and c.description and c.first_mes and c.personality, name
        assert "{{char}}" in c.description + c.scenario + c.mes_example, name
        assert c.mes_example.startswith("<START>"), name
        assert len(c.tags) >= 3 and c.creator, name


def test_samples_cover_every_required_shape(sample_cards: Path) -> None:
    cards = load_all(sample_cards)
    formats = {lc.format for lc in cards.values()}
    assert {"png-v2", "png-v3", "json-v3", "charx"} <= formats
    v2_png = [lc for lc in cards.values() if lc.format == "png-v2"]
    assert v2_png and all(
        [d.split(b"\0")[0] for _, d in card_chunks(lc.image or b"")] == [b"chara"] for lc in v2_png
    )
    v3_png = [lc for lc in cards.values() if lc.format == "png-v3"]
    assert any({d.split(b"\0")[0] for _, d in card_chunks(lc.image or b"")} == {b"chara", b"ccv3"}
               for lc in v3_png)
    charx = [lc for lc in cards.values() if lc.format == "charx"]
    assert any(lc.card.assets and lc.files and lc.image for lc in charx)
    books = [lc.card.character_book for lc in cards.values() if lc.card.character_book]
    assert any(len(b.entries) >= 3 and all(e.keys for e in b.entries) for b in books)
    assert any(lc.card.alternate_greetings for lc in cards.values())
    assert any(lc.card.system_prompt and lc.card.post_history_instructions for lc in cards.values())
    cjk = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    assert any(cjk.search(lc.card.first_mes) for lc in cards.values())


def test_sample_avatars_are_small_real_pngs(sample_cards: Path) -> None:
    for p in sample_cards.glob("*.png"):
        chunks = split_png(p.read_bytes(), DEFAULT_LIMITS)
        ihdr = chunks[0].data
        assert chunks[0].type == b"IHDR" and ihdr is not None
        w, h = int.from_bytes(ihdr[:4], "big"), int.from_bytes(ihdr[4:8], "big")
        assert 16 <= w <= 256 and 16 <= h <= 256, p.name


@pytest.mark.parametrize("ext", [".png", ".json", ".charx"])
def test_sample_round_trip(sample_cards: Path, tmp_path: Path, ext: str) -> None:
    for name, loaded in load_all(sample_cards).items():
        out = tmp_path / f"x{ext}"
        write_card(loaded, out)
        back = read_card(out)
        if ext == ".charx" and loaded.format != "charx" and loaded.image is not None:
            assert back.card.model_copy(update={"assets": loaded.card.assets}) == loaded.card, name
        else:
            assert back.card == loaded.card, name


def test_unchanged_sample_pngs_rewrite_byte_identically(sample_cards: Path, tmp_path: Path) -> None:
    src = sample_cards / "tamsin_reed.png"
    out = tmp_path / "t.png"
    write_card(read_card(src), out)
    assert out.read_bytes() == src.read_bytes()


def test_lorebook_decorators_parsed(sample_cards: Path) -> None:
    book = read_card(sample_cards / "tamsin_reed.png").card.character_book
    assert book is not None
    restricted = next(e for e in book.entries if e.decorators().depth is not None)
    assert restricted.decorators().depth == 2 and restricted.decorators().role == "system"
    assert not restricted.body().startswith("@@")
    assert restricted.extensions["depth"] == 2  # SillyTavern's entry extensions survive as-is
