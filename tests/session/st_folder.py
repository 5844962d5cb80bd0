"""A SillyTavern user folder for import tests: real cards, chat and world info from ../shared/corpus, real
presets from ../shared/reference/st-presets, plus generated personas, settings and odd files."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

# A 1x1 PNG: enough for an avatar file.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _line(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)


def st_chat(char: str, texts: list[str]) -> str:
    """A chat as SillyTavern 1.12+ writes it (header, messages, no final newline)."""
    lines = [_line({"chat_metadata": {"integrity": f"id-{char}-{len(texts)}"}, "user_name": "unused",
                    "character_name": "unused"})]
    for i, text in enumerate(texts):
        lines.append(_line({"name": char if i % 2 == 0 else "Tester", "is_user": i % 2 == 1, "is_system": False,
                            "send_date": "2024-01-01T10:00:00.000Z", "mes": text, "extra": {}}))
    return "\n".join(lines)


def build_st_folder(root: Path, corpus: Path, presets: Path) -> Path:
    """Write the folder at `root` (data/default-user/ or public/); returns it."""
    cards = corpus / "cards"
    (root / "characters").mkdir(parents=True)
    shutil.copyfile(cards / "v1_png_tavernai-era_Aqua.png", root / "characters" / "Aqua.png")
    shutil.copyfile(cards / "v2_png_st2023_Seraphina_book.png", root / "characters" / "Seraphina.png")
    shutil.copyfile(cards / "v3only_png_DefaultChan.png", root / "characters" / "Default-chan.png")
    shutil.copyfile(cards / "plainpng_nocard_ooba_Example.png", root / "characters" / "Broken.png")
    fav = {"spec": "chara_card_v2", "spec_version": "2.0",
           "data": {"name": "Fav", "description": "liked", "first_mes": "Hi!", "extensions": {"fav": True}}}
    (root / "characters" / "Fav.json").write_text(json.dumps(fav), encoding="utf-8")
    (root / "characters" / "notes.txt").write_text("not a card", encoding="utf-8")
    (root / "characters" / "Seraphina").mkdir()  # expression sprites
    (root / "characters" / "Seraphina" / "joy.png").write_bytes(TINY_PNG)

    chats = root / "chats"
    (chats / "Aqua").mkdir(parents=True)
    # The card's `chat` field names this (older) chat: the one SillyTavern reopens.
    shutil.copyfile(corpus / "chats" / "st_Aqua_2023-01_minimal.jsonl", chats / "Aqua" / "1673181146000.jsonl")
    newer = chats / "Aqua" / "Aqua - 2024-01-01@10h00m00s000ms.jsonl"
    newer.write_text(st_chat("Aqua", ["Hello again.", "Hi."]), encoding="utf-8")
    os.utime(chats / "Aqua" / "1673181146000.jsonl", (1_700_000_000, 1_700_000_000))
    os.utime(newer, (1_710_000_000, 1_710_000_000))
    (chats / "Seraphina").mkdir()
    for n in range(3):
        (chats / "Seraphina" / f"Seraphina - chat {n}.jsonl").write_text(
            st_chat("Seraphina", [f"Greeting {n}", "Reply"]), encoding="utf-8")
    (chats / "Broken").mkdir()
    (chats / "Broken" / "b.jsonl").write_text(st_chat("Broken", ["x"]), encoding="utf-8")
    (chats / "Ghost").mkdir()
    (chats / "Ghost" / "g.jsonl").write_text(st_chat("Ghost", ["boo"]), encoding="utf-8")

    (root / "worlds").mkdir()
    shutil.copyfile(corpus / "worldinfo" / "st_Eldoria_2024.json", root / "worlds" / "Eldoria.json")
    (root / "worlds" / "bad.json").write_text("{not json", encoding="utf-8")

    for kind, name in (("instruct", "ChatML.json"), ("context", "ChatML.json"), ("sysprompt", "Neutral - Chat.json")):
        (root / kind).mkdir()
        shutil.copyfile(presets / kind / name, root / kind / name)
    (root / "OpenAI Settings").mkdir()
    (root / "OpenAI Settings" / "Default.json").write_text(json.dumps({
        "temperature": 1, "openai_max_context": 4095, "prompts": [], "prompt_order": []}), encoding="utf-8")
    (root / "TextGen Settings").mkdir()
    (root / "TextGen Settings" / "Simple-1.json").write_text(json.dumps({"temp": 0.7, "top_p": 0.9}),
                                                             encoding="utf-8")

    (root / "User Avatars").mkdir()
    (root / "User Avatars" / "user-default.png").write_bytes(TINY_PNG)
    (root / "User Avatars" / "alice.png").write_bytes(TINY_PNG + b"alice")
    settings = {
        "username": "Tester",
        "power_user": {
            "personas": {"user-default.png": "Tester", "alice.png": "Alice"},
            "persona_descriptions": {
                "user-default.png": {"description": "A traveller.", "position": 0},
                "alice.png": {"description": "{{user}} is a knight.", "position": 4, "depth": 3, "role": 1},
            },
            "default_persona": "alice.png",
        },
        "tags": [{"id": "t1", "name": "Fantasy", "color": "#ff0000"}, {"id": "t2", "name": "Old"}],
        "tag_map": {"Seraphina.png": ["t1"], "Aqua.png": ["t1", "t2"], "group-123": ["t2"]},
    }
    (root / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    (root / "secrets.json").write_text(json.dumps({"api_key_openai": "sk-secret-never-copied"}), encoding="utf-8")
    (root / "groups").mkdir()
    (root / "groups" / "123.json").write_text("{}", encoding="utf-8")
    (root / "themes").mkdir()
    (root / "themes" / "Dark.json").write_text("{}", encoding="utf-8")
    (root / "backgrounds").mkdir()  # empty: not mentioned
    return root


def snapshot(root: Path) -> dict[str, tuple[int, str]]:
    """Every file under `root`: modification time and a hash of its bytes."""
    out: dict[str, tuple[int, str]] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            out[path.relative_to(root).as_posix()] = (path.stat().st_mtime_ns,
                                                      hashlib.sha256(path.read_bytes()).hexdigest())
    return out
