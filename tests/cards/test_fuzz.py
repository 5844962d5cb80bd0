"""Property tests: whatever the bytes, reading gives a card or one CardError, never another exception."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tavo_tui.cards import CardError, LoadedCard, read_card, read_card_bytes, write_card
from tavo_tui.cards.library import summarize
from tests.cards.helpers import b64json, itxt, png_with, v2, v3, ztxt
from tests.fuzzing import quick_and_long

ROOT = Path(__file__).resolve().parents[2]
SEEDS: list[bytes] = [
    (ROOT / "sample_cards" / name).read_bytes()
    for name in ("maren_holloway.png", "tamsin_reed.png", "sable.json", "juniper_vale.charx", "grimble.json")
]
corpus_small = ROOT.parent / "shared" / "corpus" / "cards" / "v3only_png_DefaultChan.png"
if corpus_small.exists():
    SEEDS.append(corpus_small.read_bytes())
SEEDS.append(png_with(ztxt("chara", b64json(v2(name="z"))), itxt("ccv3", b64json(v3(name="i")), compressed=True)))

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read_or_card_error(blob: bytes) -> LoadedCard | None:
    try:
        return read_card_bytes(blob, "fuzz.bin")
    except CardError as e:
        assert "fuzz.bin" in str(e)
        return None


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[pos] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del data[pos:]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=64))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 64))]
    return bytes(data)


@FUZZ
@given(mutated())
def test_mutated_real_cards(tmp_path_factory: pytest.TempPathFactory, blob: bytes) -> None:
    read_or_card_error(blob)
    path = tmp_path_factory.mktemp("mut") / "card.png"
    path.write_bytes(blob)
    try:
        read_card(path, with_image=False)
    except CardError as e:
        assert "card.png" in str(e)
    summary = summarize(path, 0.0, len(blob))  # the library listing path never raises
    assert summary.error is not None or summary.format


chunk_types = st.sampled_from([b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"IDAT", b"abCd", b"IHDR"])
keywords = st.sampled_from([b"chara", b"ccv3", b"CCV3", b"chara-ext-asset_:0", b"x"])


@st.composite
def random_chunk(draw: st.DrawFn) -> tuple[bytes, bytes]:
    ctype = draw(chunk_types)
    if ctype in (b"tEXt", b"zTXt", b"iTXt") and draw(st.booleans()):
        body = draw(st.one_of(st.binary(max_size=200), st.just(b64json(v2(name="r"))),
                              st.just(b"\0" + b"x\x9c\x03\x00\x00\x00\x00\x01")))
        return ctype, draw(keywords) + b"\0" + body
    return ctype, draw(st.binary(max_size=200))


@FUZZ
@given(st.lists(random_chunk(), max_size=8))
def test_random_chunks(chunks: list[tuple[bytes, bytes]]) -> None:
    read_or_card_error(png_with(*chunks))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
card_keys = st.sampled_from([
    "name", "description", "first_mes", "alternate_greetings", "tags", "character_book", "extensions",
    "creation_date", "character_version", "assets", "source", "nickname", "creator_notes_multilingual",
    "group_only_greetings", "system_prompt",
]) | st.text(max_size=8)
entry = st.dictionaries(st.sampled_from(["keys", "content", "insertion_order", "enabled", "id", "position",
                                         "use_regex", "extensions", "priority", "secondary_keys"]),
                        json_values, max_size=6)


def random_card_json_reads_and_writes(
    tmp_path_factory: pytest.TempPathFactory, data: dict[str, object], entries: list[object], spec: object
) -> None:
    if entries:
        data["character_book"] = {"entries": entries}
    obj = {"spec": spec, "spec_version": "2.0", "data": data} if spec is not None else {"name": "n", **data}
    blob = json.dumps(obj).encode()
    loaded = read_or_card_error(blob)
    if loaded is None:
        return
    out = tmp_path_factory.mktemp("fz")
    for ext in (".png", ".json", ".charx"):
        write_card(loaded, out / f"c{ext}")
        again = read_card_bytes((out / f"c{ext}").read_bytes())
        if ext != ".charx":
            assert again.card == loaded.card


# Each example writes three files and reads them back (~0.1 s): 50 in make test, 500 in the slow run.
test_random_card_json_reads_and_writes, test_random_card_json_reads_and_writes_long = quick_and_long(
    st.dictionaries(card_keys, json_values, max_size=8), st.lists(entry, max_size=3),
    st.sampled_from(["chara_card_v2", "chara_card_v3", None, 3]),
    quick=50, long=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])(random_card_json_reads_and_writes)


member_names = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"),
                       min_size=1, max_size=12) | st.sampled_from(["../x", "/abs", "a/../../b", "assets\\x"])


@FUZZ
@given(st.dictionaries(member_names, st.binary(max_size=64), max_size=5),
       st.booleans())
def test_random_zips(members: dict[str, bytes], with_card: bool) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        if with_card:
            zf.writestr("card.json", json.dumps(v3(name="zip")))
        for name, data in members.items():
            if name != "card.json":
                zf.writestr(name, data)
    read_or_card_error(buf.getvalue())
