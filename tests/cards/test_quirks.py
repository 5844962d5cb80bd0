"""Real-world quirks from cards.md section 11, each fed in as a small synthetic file."""

from __future__ import annotations

import base64
import json
import zlib
from pathlib import Path

import pytest

from tavo_tui.cards import CardError, read_card, read_card_bytes, write_card
from tests.cards.helpers import (
    b64json,
    card_chunks,
    itxt,
    png_with,
    text,
    tiff_user_comment,
    v2,
    v3,
    webp_with_exif,
    ztxt,
)


def write(tmp_path: Path, name: str, blob: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(blob)
    return p


def test_base64_without_padding_with_newlines_and_urlsafe(tmp_path: Path) -> None:
    card = v2(description="ÿ>?~" * 3)  # bytes that make '+' and '/' in base64
    raw = b64json(card, pad=False)
    wrapped = b"\n".join(raw[i : i + 60] for i in range(0, len(raw), 60))
    urlsafe = raw.replace(b"+", b"-").replace(b"/", b"_")
    for payload in (raw, wrapped, urlsafe):
        loaded = read_card(write(tmp_path, "a.png", png_with(text("chara", payload))))
        assert loaded.card.description == "ÿ>?~" * 3


def test_unpadded_base64_really_lacks_padding() -> None:
    name = next(n for n in ("Pad", "Padm", "Padme") if len(b64json(v2(name=n), pad=False)) % 4)
    raw = b64json(v2(name=name), pad=False)
    assert len(raw) % 4 != 0
    assert read_card_bytes(png_with(text("chara", raw))).card.name == name


def test_utf8_bom_in_json_file_and_in_chunk(tmp_path: Path) -> None:
    blob = "\ufeff".encode() + json.dumps(v3(name="Bom")).encode()
    assert read_card(write(tmp_path, "b.json", blob)).card.name == "Bom"
    chunk = base64.b64encode(blob)
    assert read_card_bytes(png_with(text("ccv3", chunk))).card.name == "Bom"


def test_latin1_raw_json_in_text_chunk() -> None:
    payload = json.dumps(v2(name="Café"), ensure_ascii=False).encode("latin-1")
    loaded = read_card_bytes(png_with(text("chara", payload)))
    assert loaded.card.name == "Café"
    assert any("Latin-1" in w for w in loaded.warnings)


def test_one_bad_byte_in_utf8_keeps_the_rest_as_utf8(tmp_path: Path) -> None:
    # One invalid sequence must not turn the whole file into Latin-1 (emoji and accents into C1 controls).
    good = json.dumps(v2(name="Café 😀", description="naïve"), ensure_ascii=False).encode()
    blob = good.replace("naïve".encode(), "na\xefve".encode("latin-1"))
    loaded = read_card(write(tmp_path, "bad.json", blob))
    assert loaded.card.name == "Café 😀"
    assert loaded.card.description == "na\ufffdve"
    assert not any(0x80 <= ord(ch) <= 0x9F for ch in loaded.card.name + loaded.card.description)
    assert any("1 bad byte sequence" in w for w in loaded.warnings)
    chunk = read_card_bytes(png_with(text("chara", base64.b64encode(blob))))
    assert chunk.card.name == "Café 😀"


def test_crlf_in_fields_becomes_lf() -> None:
    loaded = read_card_bytes(json.dumps(v2(description="a\r\nb", first_mes="x\ry",
                                            alternate_greetings=["p\r\nq"])).encode())
    assert loaded.card.description == "a\nb" and loaded.card.first_mes == "x\ny"
    assert loaded.card.alternate_greetings == ["p\nq"]


def test_type_drift_is_coerced() -> None:
    book = {"scan_depth": "3", "recursive_scanning": "false", "entries": [
        {"keys": "sun, moon", "content": "c", "insertion_order": "5", "enabled": "False", "constant": "TRUE",
         "id": "7", "priority": 2.0, "use_regex": 1, "extensions": {}},
    ]}
    obj = v2(character_version=2, alternate_greetings="hello", tags="a, b ,c", character_book=book,
             extensions={"talkativeness": "0.5"})
    loaded = read_card_bytes(json.dumps(obj).encode())
    c = loaded.card
    assert c.character_version == "2" and c.alternate_greetings == ["hello"] and c.tags == ["a", "b", "c"]
    assert c.character_book is not None and c.character_book.scan_depth == 3
    assert c.character_book.recursive_scanning is False
    e = c.character_book.entries[0]
    assert (e.keys, e.insertion_order, e.enabled, e.constant, e.id, e.priority, e.use_regex) == (
        ["sun", "moon"], 5, False, True, "7", 2, True)
    assert c.extensions == {"talkativeness": "0.5"}  # extensions are never coerced


def test_null_book_and_uncoercible_values() -> None:
    obj = v2(character_book=None)
    assert read_card_bytes(json.dumps(obj).encode()).card.character_book is None
    bad = v2(character_book={"entries": [{"keys": ["k"], "content": "c", "insertion_order": "soon"}, 5]})
    loaded = read_card_bytes(json.dumps(bad).encode())
    assert loaded.card.character_book is not None and len(loaded.card.character_book.entries) == 1
    assert any("insertion_order" in w for w in loaded.warnings)
    assert any("entries[1]" in w for w in loaded.warnings)


def test_dates_in_milliseconds_and_seconds() -> None:
    loaded = read_card_bytes(json.dumps(v3(creation_date=1700000000123, modification_date="1700000500")).encode())
    assert loaded.card.creation_date == 1700000000 and loaded.card.modification_date == 1700000500
    assert any("milliseconds" in w for w in loaded.warnings)


def test_missing_group_only_greetings_defaults_to_empty() -> None:
    card = read_card_bytes(json.dumps(v3(first_mes="hi")).encode()).card
    assert card.group_only_greetings == []


def test_v1_mirror_disagreeing_uses_data() -> None:
    obj = v2(description="from data")
    obj.update(name="Mirror Name", description="stale mirror")
    loaded = read_card_bytes(json.dumps(obj).encode())
    assert loaded.card.name == "Test" and loaded.card.description == "from data"
    assert any("differ" in w and "name" in w and "description" in w for w in loaded.warnings)


def test_extensions_that_lie_are_sniffed(tmp_path: Path) -> None:
    json_as_png = write(tmp_path, "looks.png", json.dumps(v2(name="Json")).encode())
    png_as_json = write(tmp_path, "looks.json", png_with(text("chara", b64json(v2(name="Png")))))
    assert read_card(json_as_png).format == "json-v2"
    assert read_card(png_as_json).card.name == "Png"


def test_ccv3_wins_and_disagreement_is_reported_then_not_mixed(tmp_path: Path) -> None:
    png = png_with(text("ccv3", b64json(v3(name="Three", description="@@depth 1\nv3"))),
                   text("chara", b64json(v2(name="Two"))))
    loaded = read_card_bytes(png)
    assert loaded.card.name == "Three" and loaded.format == "png-v3"
    assert any("disagree" in w for w in loaded.warnings)
    out = tmp_path / "o.png"
    write_card(loaded, out)
    chunks = {d.split(b"\0")[0]: d.split(b"\0", 1)[1] for _, d in card_chunks(out.read_bytes())}
    chara = json.loads(base64.b64decode(chunks[b"chara"]))
    assert chara["data"]["name"] == "Three"  # V2 backfill rebuilt from the V3 data, not the stale one


def test_keyword_case_order_and_duplicates() -> None:
    png = png_with(text("Chara", b64json(v2(name="First"))), text("chara", b64json(v2(name="Second"))))
    loaded = read_card_bytes(png)
    assert loaded.card.name == "First"
    assert any("duplicate" in w for w in loaded.warnings)
    assert read_card_bytes(png_with(text("CCV3", b64json(v3(name="Upper"))))).card.name == "Upper"


@pytest.mark.parametrize("maker", [
    lambda p: ztxt("chara", p), lambda p: itxt("ccv3", p), lambda p: itxt("chara", p, compressed=True),
])
def test_compressed_and_international_text_chunks(maker) -> None:  # type: ignore[no-untyped-def]
    assert read_card_bytes(png_with(maker(b64json(v2(name="Zed"))))).card.name == "Zed"


def test_unknown_chunks_skipped_and_trailing_bytes_ignored(tmp_path: Path) -> None:
    big = (b"riSu", b"\xff" * 3_000_000)
    exif = (b"eXIf", b"II*\0\x08\0\0\0\0\0")
    png = png_with(exif, big, text("chara", b64json(v2(name="Skip"))), after_iend=b"GARBAGE" * 10)
    p = write(tmp_path, "s.png", png)
    assert read_card(p).card.name == "Skip"
    assert read_card(p, with_image=False).image is None


def test_bad_crc_on_card_chunk_is_a_warning() -> None:
    png = bytearray(png_with(text("chara", b64json(v2(name="Crc")))))
    idx = png.index(b"tEXtchara")
    length = int.from_bytes(png[idx - 4 : idx], "big")
    png[idx + 4 + length] ^= 0xFF  # flip a CRC byte
    loaded = read_card_bytes(bytes(png))
    assert loaded.card.name == "Crc" and any("CRC" in w for w in loaded.warnings)


def test_webp_tavernai_decimal_user_comment() -> None:
    payload = json.dumps({"name": "Webby", "description": "d", "first_mes": "hi"}).encode()
    comment = b"ASCII\0\0\0" + ",".join(str(b) for b in payload).encode()
    for exif_ifd in (False, True):
        loaded = read_card_bytes(webp_with_exif(tiff_user_comment(comment, exif_ifd=exif_ifd)), "w.webp")
        assert loaded.card.name == "Webby" and loaded.format == "webp-v1"


def test_backyard_legacy_png_exif(tmp_path: Path) -> None:
    char = {"version": 3, "character": {"aiName": "Bee", "aiDisplayName": "Bee", "aiPersona": "{character} hums",
                                        "firstMessage": "Hi {user}", "scenario": "", "basePrompt": "",
                                        "customDialogue": "", "loreItems": [{"key": "hive, honey", "value": "x"}],
                                        "temperature": 0.8}}
    b64 = base64.b64encode(json.dumps(char).encode())
    for comment in (b"ASCII\0\0\0" + b64, b"ASCII\0\0\0" + json.dumps(char).encode()):
        loaded = read_card_bytes(png_with((b"eXIf", tiff_user_comment(comment, big=True))))
        c = loaded.card
        assert loaded.format == "png-backyard"
        assert c.name == "Bee" and c.description == "{{char}} hums" and c.first_mes == "Hi {{user}}"
        assert c.character_book is not None and c.character_book.entries[0].keys == ["hive", "honey"]
        assert c.extensions["backyard"]["temperature"] == 0.8


def test_pygmalion_and_offspec_camelcase() -> None:
    loaded = read_card_bytes(json.dumps({"name": "Cam", "firstMes": "hello", "mesExample": "<START>",
                                         "creatorNotes": "n", "alternateGreetings": ["g"]}).encode())
    c = loaded.card
    assert (c.first_mes, c.mes_example, c.creator_notes, c.alternate_greetings) == ("hello", "<START>", "n", ["g"])
    assert any("off-spec" in w for w in loaded.warnings)


def test_unknown_fields_kept_verbatim_through_every_format(tmp_path: Path) -> None:
    scripts = {"scripts": [{"name": "s", "content": "import('https://example.invalid/x.js')"}]}
    obj = v3(x_custom={"a": [1, None]}, extensions={"tavern_helper": scripts, "regex_scripts": [{"findRegex": "a"}]},
             character_book={"x_book": 1, "extensions": {"k": 2}, "entries": [
                 {"keys": ["k"], "content": "c", "x_entry": True, "extensions": {"selectiveLogic": 1, "sticky": 2},
                  "use_regex": False, "insertion_order": 1, "enabled": True}]})
    obj["x_top"] = "kept"
    loaded = read_card_bytes(json.dumps(obj).encode())
    assert loaded.card.model_extra == {"x_custom": {"a": [1, None]}}
    assert loaded.card.extensions["tavern_helper"] == scripts
    for ext in (".png", ".json", ".charx"):
        out = tmp_path / f"u{ext}"
        write_card(loaded, out)
        back = read_card(out)
        assert back.card == loaded.card and back.envelope == {"x_top": "kept"}, ext
        book = back.card.character_book
        assert book is not None and book.model_extra == {"x_book": 1}
        assert book.entries[0].model_extra == {"x_entry": True}


def test_spec_version_newer_warns_and_imports() -> None:
    obj = v3(name="Future")
    obj["spec_version"] = "4.1"
    loaded = read_card_bytes(json.dumps(obj).encode())
    assert loaded.card.name == "Future" and any("newer" in w for w in loaded.warnings)


def test_misplaced_top_level_book_is_moved() -> None:
    obj = v2()
    obj["character_book"] = {"entries": [{"keys": ["k"], "content": "c"}]}
    loaded = read_card_bytes(json.dumps(obj).encode())
    assert loaded.card.character_book is not None and loaded.card.character_book.entries[0].content == "c"


def test_not_a_card_json_errors(tmp_path: Path) -> None:
    for obj, words in (({"spec": "lorebook_v3", "data": {}}, "lorebook"), ({"entries": {}}, "world info"),
                       ([1, 2], "not an object"), ({"foo": 1}, "no character card fields")):
        p = write(tmp_path, "x.json", json.dumps(obj).encode())
        with pytest.raises(CardError) as err:
            read_card(p)
        assert str(p) in str(err.value) and words in str(err.value)


@pytest.mark.parametrize("payload, words", [
    (b"!!!not base64!!!", "base64"),
    (base64.b64encode(b"{not json"), "invalid JSON"),
    (b"rcc||rccv1||abc||def||ghi", "encrypted"),
])
def test_bad_payloads_give_one_card_error(tmp_path: Path, payload: bytes, words: str) -> None:
    p = write(tmp_path, "bad.png", png_with(text("chara", payload)))
    with pytest.raises(CardError) as err:
        read_card(p)
    assert "bad.png" in str(err.value) and words in str(err.value)


def test_write_json_v2_and_v3_and_bad_extension(tmp_path: Path) -> None:
    loaded = read_card_bytes(json.dumps(v3(name="W", nickname="Dub")).encode())
    write_card(loaded, tmp_path / "a.json", v2=True)
    obj = json.loads((tmp_path / "a.json").read_text("utf-8"))
    assert obj["spec"] == "chara_card_v2" and obj["name"] == "W" and obj["data"]["nickname"] == "Dub"
    write_card(loaded.card, tmp_path / "b.json")
    assert json.loads((tmp_path / "b.json").read_text("utf-8"))["spec"] == "chara_card_v3"
    with pytest.raises(CardError) as err:
        write_card(loaded, tmp_path / "c.txt")
    assert "c.txt" in str(err.value)


def test_png_written_from_json_gets_placeholder_and_both_chunks(tmp_path: Path) -> None:
    loaded = read_card_bytes(json.dumps(v3(name="Plain")).encode())
    out = tmp_path / "p.png"
    assert write_card(loaded, out) == []
    kinds = [d.split(b"\0")[0] for _, d in card_chunks(out.read_bytes())]
    assert kinds == [b"chara", b"ccv3"]
    warnings = write_card(loaded, tmp_path / "q.png", image=b"\xff\xd8\xff\xe0 not a png")
    assert any("placeholder" in w for w in warnings)
    assert read_card(tmp_path / "q.png").card == loaded.card


def test_rewrite_strips_stale_card_chunks_of_every_type(tmp_path: Path) -> None:
    png = png_with(ztxt("chara", b64json(v2(name="Old"))), itxt("ccv3", b64json(v3(name="Old3"))))
    loaded = read_card_bytes(png)
    out = tmp_path / "r.png"
    write_card(loaded.with_card(loaded.card.model_copy(update={"name": "New"})), out)
    chunks = card_chunks(out.read_bytes())
    assert [t for t, _ in chunks] == [b"tEXt", b"tEXt"]
    assert read_card(out).card.name == "New"


def test_ztxt_payload_is_compressed_for_real() -> None:
    t, d = ztxt("chara", b"x" * 1000)
    assert t == b"zTXt" and len(d) < 100 and zlib.decompress(d[7:]) == b"x" * 1000


def test_lone_surrogate_escapes_are_replaced(tmp_path: Path) -> None:
    loaded = read_card_bytes(b'{"name": "a\\ud800b", "description": "ok \\ud83d\\ude00"}')
    assert loaded.card.name == "a\ufffdb" and loaded.card.description == "ok \U0001f600"
    assert any("surrogates" in w for w in loaded.warnings)
    write_card(loaded, tmp_path / "s.png")
    assert read_card(tmp_path / "s.png").card.name == "a\ufffdb"


def test_spec_label_without_data_reads_top_level() -> None:
    loaded = read_card_bytes(json.dumps({"spec": "chara_card_v2", "name": "Flat", "first_mes": "hi"}).encode())
    assert loaded.card.name == "Flat" and loaded.card.first_mes == "hi"
    assert any("no 'data'" in w for w in loaded.warnings)


def test_webp_image_is_kept_for_charx_and_replaced_for_png(tmp_path: Path) -> None:
    payload = json.dumps({"name": "Keep", "first_mes": "hi"}).encode()
    webp = webp_with_exif(tiff_user_comment(b"ASCII\0\0\0" + ",".join(map(str, payload)).encode()))
    loaded = read_card_bytes(webp, "k.webp")
    assert loaded.image == webp
    write_card(loaded, tmp_path / "k.charx")
    back = read_card(tmp_path / "k.charx")
    assert back.image == webp and back.card.assets and back.card.assets[0]["ext"] == "webp"
    assert any("placeholder" in w for w in write_card(loaded, tmp_path / "k.png"))


def test_card_helpers_for_display() -> None:
    c = read_card_bytes(json.dumps(v3(name="Full Name", nickname="Nick", creator_notes="en notes",
                                       creator_notes_multilingual={"ja": "日本語"})).encode()).card
    assert c.char_name() == "Nick"
    assert c.creator_notes_for("ja-JP") == "日本語" and c.creator_notes_for("fr") == "en notes"


def test_inline_data_uri_icon_in_v3_json(tmp_path: Path) -> None:
    from tavo_tui.cards.avatar import avatar_png

    icon = avatar_png("D", 16)
    uri = "data:image/png;base64," + base64.b64encode(icon).decode()
    obj = v3(name="Inline", assets=[{"type": "icon", "uri": uri, "name": "main", "ext": "png"},
                                    {"type": "other", "uri": "data:x;base64,!!", "name": "bad", "ext": "bin"}])
    loaded = read_card_bytes(json.dumps(obj).encode())
    assert loaded.image == icon and loaded.asset_bytes("data:x;base64,!!") is None
    write_card(loaded, tmp_path / "i.png")
    assert read_card(tmp_path / "i.png").image is not None
    assert read_card(tmp_path / "i.png").card == loaded.card


def test_stray_characters_in_base64_are_skipped_like_node() -> None:
    raw = b64json(v2(name="Stray"))
    loaded = read_card_bytes(png_with(text("chara", raw[:20] + b"*" + raw[20:] + b"\x01")))
    assert loaded.card.name == "Stray" and any("stray" in w for w in loaded.warnings)
