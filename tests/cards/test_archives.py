"""CHARX and BYAF archives: reading, assets, opaque extras, writing."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from tavo_tui.cards import read_card, read_card_bytes, write_card
from tavo_tui.cards.avatar import avatar_png
from tests.cards.helpers import v2, v3


def make_zip(files: dict[str, bytes], prefix: bytes = b"") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return prefix + buf.getvalue()


ICON = avatar_png("Icon", 16)
RISUM = b"\x6f\x00\x05\x00\x00\x00opaque-module\x00"


def charx_files(**extra: bytes) -> dict[str, bytes]:
    card = v3(name="Zip", assets=[
        {"type": "icon", "uri": "embeded://assets/icon/images/main.png", "name": "main", "ext": "png"},
        {"type": "emotion", "uri": "embedded://assets/emotion/images/happy.png", "name": "happy", "ext": "png"},
    ])
    return {"card.json": json.dumps(card).encode(), "assets/icon/images/main.png": ICON,
            "assets/emotion/images/happy.png": b"RIFF\0\0\0\0WEBPVP8 ", "module.risum": RISUM, **extra}


def test_charx_reads_assets_icon_and_keeps_module(tmp_path: Path) -> None:
    loaded = read_card_bytes(make_zip(charx_files()), "c.charx")
    assert loaded.format == "charx" and loaded.card.name == "Zip"
    assert loaded.image == ICON
    assert loaded.files["module.risum"] == RISUM
    assert loaded.asset_bytes("embedded://assets/emotion/images/happy.png", ).startswith(b"RIFF")  # type: ignore[union-attr]
    out = tmp_path / "again.charx"
    write_card(loaded, out)
    back = read_card(out)
    assert back.card == loaded.card and back.files == loaded.files and back.image == ICON


def test_charx_nested_card_json_and_macosx_junk() -> None:
    files = {"bundle/card.json": json.dumps(v3(name="Nested")).encode(), "__MACOSX/._card.json": b"junk"}
    loaded = read_card_bytes(make_zip(files))
    assert loaded.card.name == "Nested" and any("bundle/card.json" in w for w in loaded.warnings)
    assert "__MACOSX/._card.json" not in loaded.files


def test_charx_with_v2_card_json_warns() -> None:
    loaded = read_card_bytes(make_zip({"card.json": json.dumps(v2(name="Two")).encode()}))
    assert loaded.card.name == "Two" and any("expected chara_card_v3" in w for w in loaded.warnings)


def test_jpeg_prefixed_charx() -> None:
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200 + b"\xff\xd9"
    loaded = read_card_bytes(make_zip(charx_files(), prefix=jpeg), "c.jpg")
    assert loaded.card.name == "Zip" and loaded.files["module.risum"] == RISUM


def test_png_card_to_charx_adds_icon_asset(tmp_path: Path) -> None:
    src = tmp_path / "s.png"
    write_card(read_card_bytes(json.dumps(v3(name="Pic")).encode()).card, src, image=ICON)
    loaded = read_card(src)
    write_card(loaded, tmp_path / "s.charx")
    back = read_card(tmp_path / "s.charx")
    assert back.image == ICON  # the icon is the image alone, without the PNG's card chunks
    assert back.card.assets == [{"type": "icon", "uri": "embeded://assets/icon/images/main.png",
                                 "name": "main", "ext": "png"}]
    with zipfile.ZipFile(tmp_path / "s.charx") as zf:
        assert sorted(zf.namelist()) == ["assets/icon/images/main.png", "card.json"]


def byaf_files(image_path: str = "images/avatar.png") -> dict[str, bytes]:
    manifest = {"schemaVersion": 1, "createdAt": "2025-06-01T00:00:00Z",
                "characters": ["characters/c1/character.json"],
                "scenarios": ["scenarios/one.json", "scenarios/two.json"],
                "author": {"name": "Writer", "backyardURL": "https://example.invalid/w"}}
    character = {"schemaVersion": 1, "id": "c1", "name": "Byte", "displayName": "Byte B.", "isNSFW": False,
                 "persona": "{character} is a tidy robot.", "createdAt": "x", "updatedAt": "y",
                 "loreItems": [{"key": "oil, gears", "value": "Byte likes oil."}],
                 "images": [{"path": image_path, "label": ""}]}
    one = {"schemaVersion": 1, "narrative": "A workshop.", "formattingInstructions": "Be {character}.",
           "firstMessages": [{"characterID": "c1", "text": "Hello {user}!"}],
           "exampleMessages": [{"characterID": "c1", "text": "#{character}: Beep."}],
           "messages": [{"type": "human", "text": "hi"}], "temperature": 0.7}
    two = {"schemaVersion": 1, "narrative": "Night.", "firstMessages": [{"characterID": "c1", "text": "Shh."}]}
    return {"manifest.json": json.dumps(manifest).encode(),
            "characters/c1/character.json": json.dumps(character).encode(),
            "characters/c1/images/avatar.png": ICON,
            "scenarios/one.json": json.dumps(one).encode(), "scenarios/two.json": json.dumps(two).encode()}


def test_byaf_maps_to_card() -> None:
    loaded = read_card_bytes(make_zip(byaf_files()), "b.byaf")
    c = loaded.card
    assert loaded.format == "byaf" and c.name == "Byte"
    assert c.description == "{{char}} is a tidy robot." and c.first_mes == "Hello {{user}}!"
    assert c.alternate_greetings == ["Shh."] and c.scenario == "A workshop."
    assert c.system_prompt == "Be {{char}}." and c.mes_example == "<START>\n{{char}}: Beep."
    assert c.creator == "Writer"
    assert c.character_book is not None and c.character_book.entries[0].keys == ["oil", "gears"]
    assert loaded.image == ICON
    assert any("chat history" in w for w in loaded.warnings)


def test_byaf_image_path_traversal_skipped() -> None:
    files = byaf_files(image_path="../../../etc/passwd")
    loaded = read_card_bytes(make_zip(files))
    assert loaded.image is None and any("unsafe" in w for w in loaded.warnings)
