"""Every real-world card in the shared corpus reads (or fails with one clear CardError)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tavo_tui.cards import DEFAULT_LIMITS, CardError, LoadedCard, read_card, write_card
from tavo_tui.cards.png import make_chunk, strip_card_chunks
from tests.cards.helpers import card_chunks

NO_CARD = {"plainpng_nocard_ooba_Example.png"}


def corpus_cards(corpus: Path) -> list[Path]:
    return sorted((corpus / "cards").iterdir())


def test_every_corpus_file_reads_or_fails_clearly(corpus: Path) -> None:
    files = corpus_cards(corpus)
    assert len(files) >= 10
    for path in files:
        if path.name in NO_CARD:
            with pytest.raises(CardError) as err:
                read_card(path)
            assert path.name in str(err.value) and "no character data" in str(err.value)
            continue
        loaded = read_card(path)
        assert loaded.card.name, path.name
        assert loaded.card.first_mes or loaded.card.alternate_greetings, path.name


def test_formats_detected(corpus: Path) -> None:
    cards = corpus / "cards"
    assert read_card(cards / "v1_png_tavernai-era_Aqua.png").format == "png-v1"
    assert read_card(cards / "v2_png_st2023_Seraphina_book.png").format == "png-v2"
    assert read_card(cards / "v2v3_png_st2024_Seraphina_bothchunks.png").format == "png-v3"
    assert read_card(cards / "v3only_png_DefaultChan.png").format == "png-v3"
    assert read_card(cards / "pygmalion_json_ooba_Example.json").format == "json-pygmalion"


def test_v1_aqua_keeps_extras_and_normalises_crlf(corpus: Path) -> None:
    loaded = read_card(corpus / "cards" / "v1_png_tavernai-era_Aqua.png")
    assert loaded.card.name == "Aqua"
    assert "\r" not in loaded.card.description + loaded.card.first_mes + loaded.card.mes_example
    assert {"avatar", "chat", "create_date", "last_mes"} <= set(loaded.envelope)


def test_seraphina_book_entries_and_extensions(corpus: Path) -> None:
    loaded = read_card(corpus / "cards" / "v2_png_st2023_Seraphina_book.png")
    book = loaded.card.character_book
    assert book is not None and len(book.entries) == 4
    assert all(e.keys and e.content for e in book.entries)
    assert loaded.card.extensions.get("world")  # extensions kept verbatim
    assert {"talkativeness", "fav", "creatorcomment"} <= set(loaded.envelope)


def test_pygmalion_mapping(corpus: Path) -> None:
    card = read_card(corpus / "cards" / "pygmalion_json_ooba_Example.json").card
    assert card.name == "Chiharu Yamada"
    assert card.description and card.first_mes and card.mes_example
    assert card.scenario is not None


def test_chub_alt_greetings_and_extensions(corpus: Path) -> None:
    card = read_card(corpus / "cards" / "v2_png_chub_Aira_altgreetings.png").card
    assert len(card.alternate_greetings) == 2
    assert len(card.greetings()) == 3
    assert "depth_prompt" in card.extensions and "visual_description" in card.extensions
    assert card.character_book is not None and len(card.character_book.entries) == 1


def test_v3_only_png_without_group_only_greetings(corpus: Path) -> None:
    card = read_card(corpus / "cards" / "v3only_png_DefaultChan.png").card
    assert card.group_only_greetings == []
    assert len(card.alternate_greetings) == 2


def test_both_chunks_agree_no_disagreement_warning(corpus: Path) -> None:
    loaded = read_card(corpus / "cards" / "v2v3_png_st2024_Seraphina_bothchunks.png")
    assert not any("disagree" in w for w in loaded.warnings)
    assert set(loaded.source_chunks) == {"chara", "ccv3"}


def _roundtrip(loaded: LoadedCard, tmp_path: Path, ext: str) -> LoadedCard:
    out = tmp_path / f"out{ext}"
    write_card(loaded, out)
    return read_card(out)


@pytest.mark.parametrize("ext", [".png", ".json", ".charx"])
def test_corpus_round_trip(corpus: Path, tmp_path: Path, ext: str) -> None:
    for path in corpus_cards(corpus):
        if path.name in NO_CARD:
            continue
        loaded = read_card(path)
        back = _roundtrip(loaded, tmp_path, ext)
        if ext == ".charx" and loaded.image is not None:
            # CHARX carries the PNG image as an icon asset: the one field conversion adds.
            assert back.card.model_copy(update={"assets": loaded.card.assets}) == loaded.card, path.name
            assert back.image == strip_card_chunks(loaded.image, DEFAULT_LIMITS)
            assert card_chunks(back.image) == []
        else:
            assert back.card == loaded.card, path.name
        assert back.envelope == loaded.envelope, path.name
        again = _roundtrip(back, tmp_path, ext)
        assert again.card == back.card, path.name


def test_sillytavern_png_chunks_come_back_byte_identical(corpus: Path, tmp_path: Path) -> None:
    for name in ("v2v3_png_st2024_Seraphina_bothchunks.png", "v2_png_st2023_Seraphina_book.png",
                 "v2_png_st2023_CodingSensei.png", "v3only_png_DefaultChan.png"):
        src = corpus / "cards" / name
        original = card_chunks(src.read_bytes())
        out = tmp_path / name
        write_card(read_card(src), out)
        rewritten = card_chunks(out.read_bytes())
        for chunk in original:
            assert chunk in rewritten, name
        assert {d.split(b"\0", 1)[0] for _, d in rewritten} == {b"chara", b"ccv3"}


def test_png_image_data_kept_when_rewriting(corpus: Path, tmp_path: Path) -> None:
    from tavo_tui.cards.errors import DEFAULT_LIMITS
    from tavo_tui.cards.png import split_png

    src = corpus / "cards" / "v2_png_st2023_CodingSensei.png"
    out = tmp_path / "c.png"
    write_card(read_card(src), out)

    def non_card(png: bytes) -> list[tuple[bytes, bytes | None]]:
        return [(c.type, c.data) for c in split_png(png, DEFAULT_LIMITS) if c.type not in (b"tEXt",)]

    assert non_card(out.read_bytes()) == non_card(src.read_bytes())  # IDAT, eXIf etc. untouched


def test_edited_card_gets_fresh_chunks(corpus: Path, tmp_path: Path) -> None:
    loaded = read_card(corpus / "cards" / "v2v3_png_st2024_Seraphina_bothchunks.png")
    edited = loaded.with_card(loaded.card.model_copy(update={"name": "Seraphina II"}))
    out = tmp_path / "e.png"
    write_card(edited, out)
    back = read_card(out)
    assert back.card.name == "Seraphina II"
    assert card_chunks(out.read_bytes())[0] not in card_chunks(
        (corpus / "cards" / "v2v3_png_st2024_Seraphina_bothchunks.png").read_bytes())
    assert back.card.model_copy(update={"name": "Seraphina"}) == loaded.card


def test_unchanged_png_is_the_original_plus_at_most_one_new_chunk(corpus: Path, tmp_path: Path) -> None:
    for path in corpus_cards(corpus):
        if path.name in NO_CARD or path.suffix != ".png":
            continue
        original = path.read_bytes()
        out = tmp_path / path.name
        write_card(read_card(path), out)
        rewritten = out.read_bytes()
        added = [c for c in card_chunks(rewritten) if c not in card_chunks(original)]
        assert len(added) == len(card_chunks(rewritten)) - len(card_chunks(original)) <= 1, path.name
        without = rewritten
        for t, d in added:
            without = without.replace(make_chunk(t, d), b"")
        assert without == original, path.name
