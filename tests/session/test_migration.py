"""Importing a SillyTavern data folder: what comes over, where it lands, idempotency, and a source left alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tavo_tui.session import AppContext
from tavo_tui.session.errors import StoreError
from tavo_tui.session.migration import ImportSummary, import_sillytavern, summary_text
from tests.session.st_folder import TINY_PNG, build_st_folder, snapshot


@pytest.fixture
def st_root(tmp_path: Path, corpus: Path, reference: Path) -> Path:
    """A SillyTavern 1.12+ install: its user folder is data/default-user/."""
    build_st_folder(tmp_path / "SillyTavern" / "data" / "default-user", corpus, reference / "st-presets")
    return tmp_path / "SillyTavern"


def _by_source(summary: ImportSummary) -> dict[str, tuple[str, str, str]]:
    return {i.source: (i.status, i.target, i.reason) for i in summary.items}


def test_everything_lands_in_st_named_folders(home: Path, st_root: Path) -> None:
    user = st_root / "data" / "default-user"
    ctx = AppContext.open(home)
    summary = import_sillytavern(ctx, st_root)
    data = home / "data"
    assert summary.source == str(user) and summary.layout == "data"
    for name in ("Aqua.png", "Seraphina.png", "Default-chan.png", "Fav.json"):  # bytes unchanged
        assert (data / "cards" / name).read_bytes() == (user / "characters" / name).read_bytes()
    assert not (data / "cards" / "Broken.png").exists()
    for chat in (user / "chats").glob("[AS]*/*.jsonl"):
        assert (data / "chats" / chat.parent.name / chat.name).read_bytes() == chat.read_bytes()
    assert sorted(p.name for p in (data / "chats").iterdir()) == ["Aqua", "Seraphina"]
    assert (data / "worlds" / "Eldoria.json").read_bytes() == (user / "worlds" / "Eldoria.json").read_bytes()
    for rel in ("instruct/ChatML.json", "context/ChatML.json", "sysprompt/Neutral - Chat.json",
                "OpenAI Settings/Default.json", "TextGen Settings/Simple-1.json"):
        assert (data / rel).read_bytes() == (user / rel).read_bytes()
    assert summary.counts["character"].model_dump() == {"imported": 4, "present": 0, "skipped": 1}
    assert summary.counts["chat"].model_dump() == {"imported": 5, "present": 0, "skipped": 2}
    assert summary.counts["preset"].imported == 5 and summary.counts["world"].imported == 1
    items = _by_source(summary)
    assert items["characters/Broken.png"][0] == "skipped" and "no character data" in items["characters/Broken.png"][2]
    assert items["chats/Broken/b.jsonl"] == ("skipped", "", "its character card Broken.png could not be read")
    assert items["chats/Ghost/"][0] == "skipped" and "not in characters/" in items["chats/Ghost/"][2]
    assert items["worlds/bad.json"][0] == "skipped" and "not valid JSON" in items["worlds/bad.json"][2]
    assert items["groups/"][2] == "group chats are not supported by tavo-tui yet"
    assert items["secrets.json"][0] == "skipped" and "backgrounds/" not in items  # an empty folder is not news
    assert items["characters/Aqua.png"] == ("imported", "cards/Aqua.png", "")
    # No API key is copied anywhere.
    assert not any(b"sk-secret" in p.read_bytes() for p in home.rglob("*") if p.is_file())
    # The new cards are listed (and cached for the next start).
    assert sorted(e.name for e in ctx.card_entries()) == ["Aqua", "Default-chan", "Fav", "Seraphina"]
    assert ctx.cached_card_head(10) is not None


def test_the_chat_each_character_was_on_resumes(home: Path, st_root: Path) -> None:
    # Aqua's card says its chat is the 2023 one, though another chat is newer: opening Aqua resumes the 2023 one.
    ctx = AppContext.open(home)
    import_sillytavern(ctx, st_root)
    latest = ctx.chats.latest(ctx.card_key(home / "data" / "cards" / "Aqua.png"))
    assert latest is not None and latest.id == "Aqua/1673181146000"
    other = home / "data" / "chats" / "Aqua" / "Aqua - 2024-01-01@10h00m00s000ms.jsonl"
    assert other.stat().st_mtime == 1_710_000_000  # the other chats keep SillyTavern's times


def test_personas_tags_favourites_and_user_name(home: Path, st_root: Path) -> None:
    ctx = AppContext.open(home)
    summary = import_sillytavern(ctx, st_root)
    personas = {p.name: p for p in ctx.personas.list()}
    assert set(personas) == {"Tester", "Alice"}
    alice = personas["Alice"]
    assert (alice.description, alice.position, alice.depth, alice.role) == ("{{user}} is a knight.", 4, 3, 1)
    assert alice.avatar is not None and Path(alice.avatar).read_bytes() == TINY_PNG + b"alice"
    assert Path(alice.avatar).parent == home / "data" / "User Avatars"
    assert ctx.personas.default_id == alice.id and ctx.persona_name() == "Alice"
    tags = json.loads((home / "data" / "tags.json").read_text(encoding="utf-8"))
    assert [t["name"] for t in tags["tags"]] == ["Fantasy", "Old"]
    assert tags["tag_map"] == {"Seraphina.png": ["t1"], "Aqua.png": ["t1", "t2"]}  # the group's entry stays behind
    assert tags["favorites"] == ["Fav.json"]
    assert json.loads((home / "config" / "settings.json").read_text(encoding="utf-8")) == {"user_name": "Tester"}
    assert summary.counts["persona"].imported == 2 and summary.counts["favourites"].imported == 1


def test_a_second_run_duplicates_nothing_and_the_source_is_untouched(home: Path, st_root: Path) -> None:
    before = snapshot(st_root)
    first = import_sillytavern(AppContext.open(home), st_root)
    ours = snapshot(home / "data")
    second = import_sillytavern(AppContext.open(home), st_root)
    assert snapshot(home / "data") == ours
    assert second.total("imported") == 0
    assert second.total("present") == first.total("imported")
    assert second.counts["character"].present == 4 and second.counts["chat"].present == 5
    assert len(AppContext.open(home).personas.list()) == 2
    assert snapshot(st_root) == before  # bytes and modification times


def test_dry_run_writes_nothing_and_tells_the_same(home: Path, st_root: Path) -> None:
    dry = import_sillytavern(AppContext.open(home), st_root, dry_run=True)
    assert dry.dry_run and not [p for p in home.rglob("*") if p.is_file()]
    real = import_sillytavern(AppContext.open(home), st_root)
    assert dry.counts == real.counts
    assert summary_text(dry).startswith("Would import from ")


def test_old_public_layout(home: Path, tmp_path: Path, corpus: Path, reference: Path) -> None:
    build_st_folder(tmp_path / "ST-1.10" / "public", corpus, reference / "st-presets")
    summary = import_sillytavern(AppContext.open(home), tmp_path / "ST-1.10")
    assert summary.layout == "public" and summary.counts["character"].imported == 4
    assert (home / "data" / "chats" / "Aqua" / "1673181146000.jsonl").is_file()


def test_what_is_already_ours_is_kept(home: Path, st_root: Path, corpus: Path) -> None:
    user = st_root / "data" / "default-user"
    cards = home / "data" / "cards"
    cards.mkdir(parents=True)
    (cards / "Aqua.png").write_bytes((corpus / "cards" / "v2_png_DrLight_small.png").read_bytes())  # another card
    (home / "data" / "worlds").mkdir()
    (home / "data" / "worlds" / "Eldoria.json").write_text('{"entries": {}}', encoding="utf-8")
    mine = home / "data" / "chats" / "Seraphina" / "Seraphina - chat 1.jsonl"
    mine.parent.mkdir(parents=True)
    mine.write_text('{"chat_metadata": {}}\n', encoding="utf-8")  # another chat that has the name
    first = import_sillytavern(AppContext.open(home), st_root)
    items = _by_source(first)
    assert items["chats/Seraphina/Seraphina - chat 1.jsonl"] == (
        "imported", "chats/Seraphina/Seraphina - chat 1 (2).jsonl",
        "renamed: a different chat of that name is already here")
    assert mine.read_text(encoding="utf-8") == '{"chat_metadata": {}}\n'
    assert items["characters/Aqua.png"] == ("imported", "cards/Aqua (2).png",
                                            "renamed: a different Aqua.png is already in cards/")
    assert (home / "data" / "chats" / "Aqua (2)" / "1673181146000.jsonl").is_file()
    assert items["worlds/Eldoria.json"][0] == "skipped" and "kept it" in items["worlds/Eldoria.json"][2]
    assert (home / "data" / "worlds" / "Eldoria.json").read_text(encoding="utf-8") == '{"entries": {}}'
    # A chat continued here since the import is still "present" next time, and is not copied again.
    chat = home / "data" / "chats" / "Seraphina" / "Seraphina - chat 0.jsonl"
    with chat.open("ab") as fh:
        fh.write(b'\n{"name": "Tester", "is_user": true, "mes": "more"}\n')
    second = import_sillytavern(AppContext.open(home), st_root)
    assert second.total("imported") == 0
    assert _by_source(second)["chats/Seraphina/Seraphina - chat 0.jsonl"] == (
        "present", "chats/Seraphina/Seraphina - chat 0.jsonl", "continued in tavo-tui since")
    assert sorted(p.name for p in chat.parent.iterdir()) == [
        "Seraphina - chat 0.jsonl", "Seraphina - chat 1 (2).jsonl", "Seraphina - chat 1.jsonl",
        "Seraphina - chat 2.jsonl"]
    assert (user / "chats" / "Seraphina" / "Seraphina - chat 0.jsonl").read_bytes() in chat.read_bytes()


def test_folders_that_are_not_sillytavern_are_refused(home: Path, tmp_path: Path) -> None:
    ctx = AppContext.open(home)
    with pytest.raises(StoreError, match="is not a folder"):
        import_sillytavern(ctx, tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(StoreError, match="no SillyTavern data in"):
        import_sillytavern(ctx, tmp_path / "empty")
    for user in ("ann", "bob"):
        (tmp_path / "data" / user / "characters").mkdir(parents=True)
    with pytest.raises(StoreError, match=r"several SillyTavern users \(ann, bob\)"):
        import_sillytavern(ctx, tmp_path / "data")
    assert import_sillytavern(ctx, tmp_path / "data" / "bob").total("imported") == 0
