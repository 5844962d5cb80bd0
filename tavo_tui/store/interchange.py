"""Import chats from SillyTavern (every vintage) and a few other tools; export to JSONL, Markdown and text."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tavo_tui.model import ChatHeader, Message
from tavo_tui.model.chat import now_send_date
from tavo_tui.store.chats import ChatRef, ChatStore
from tavo_tui.store.errors import StoreError
from tavo_tui.store.jsonl import encode_obj, header_to_json, is_header, parse_send_date
from tavo_tui.store.messages import MessageList

EXPORT_FORMATS = ("jsonl", "md", "txt")


# ---- import ------------------------------------------------------------------------------------------------
def read_import_lines(data: bytes, source: str) -> list[bytes]:
    """The file as SillyTavern JSONL lines (header first), values unchanged except where a format needs flattening."""
    text = data.decode("utf-8-sig", "replace")
    stripped = text.lstrip()
    if stripped.startswith("{") and "\n" not in stripped.strip():
        # A single JSON document: either a one-line JSONL header or another tool's .json export.
        try:
            doc = json.loads(stripped)
        except ValueError:
            raise StoreError(f"{source}: not valid JSON") from None
        converted = _from_other_tool(doc) if isinstance(doc, dict) else None
        if converted is not None:
            return converted
    records: list[dict[str, Any]] = []
    lines = [line for line in text.split("\n") if line.strip()]
    for number, line in enumerate(lines, 1):
        try:
            value = json.loads(line)
        except ValueError:
            if number == len(lines) and number > 1:
                break  # a torn last line: SillyTavern crashed mid-write
            # Maybe a pretty-printed .json export from another tool.
            converted = _try_whole_document(text)
            if converted is not None:
                return converted
            raise StoreError(f"{source}: line {number} is not valid JSON") from None
        if not isinstance(value, dict):
            raise StoreError(f"{source}: line {number} is not a JSON object")
        records.append(value)
    if not records:
        raise StoreError(f"{source}: the file is empty")
    if not is_header(records[0]):
        records.insert(0, {"user_name": "User", "character_name": "", "create_date": now_send_date(),
                           "chat_metadata": {}})
    elif not any(k in records[0] for k in ("user_name", "name", "chat_metadata", "character_name")):
        raise StoreError(f"{source}: line 1 is neither a chat header nor a message")
    for record in records[1:]:
        mes = record.get("mes")
        if isinstance(mes, dict):  # Chub exports wrap the text
            record["mes"] = str(mes.get("message", ""))
    return [encode_obj(r) for r in records]


def _try_whole_document(text: str) -> list[bytes] | None:
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    return _from_other_tool(doc) if isinstance(doc, dict) else None


def _message(name: str, is_user: bool, text: str, date: object = None) -> dict[str, Any]:
    return {
        "name": name,
        "is_user": is_user,
        "is_system": False,
        "send_date": date if isinstance(date, str | int) else now_send_date(),
        "mes": text,
        "extra": {},
    }


def _header(user: str, char: str) -> dict[str, Any]:
    return {"user_name": user, "character_name": char, "create_date": now_send_date(), "chat_metadata": {}}


def _from_other_tool(doc: dict[str, Any]) -> list[bytes] | None:
    """oobabooga (`data_visible`), Agnai (`messages`), CAI-Tools (`histories`) exports, as SillyTavern reads them."""
    user, char = "User", str(doc.get("character_name") or doc.get("char_name") or "")
    records: list[dict[str, Any]] = []
    pairs = doc.get("data_visible") or doc.get("data")
    if isinstance(pairs, list):
        for pair in pairs:
            if isinstance(pair, list) and len(pair) == 2:
                if pair[0] and pair[0] != "<|BEGIN-VISIBLE-CHAT|>":
                    records.append(_message(user, True, str(pair[0])))
                if pair[1]:
                    records.append(_message(char, False, str(pair[1])))
    elif isinstance(doc.get("messages"), list):
        for item in doc["messages"]:
            if isinstance(item, dict):
                is_user = bool(item.get("userId")) and not item.get("characterId")
                records.append(_message(user if is_user else char, is_user, str(item.get("msg", "")),
                                        item.get("createdAt")))
    elif isinstance(doc.get("histories"), dict) and isinstance(doc["histories"].get("histories"), list):
        histories = doc["histories"]["histories"]
        chosen = histories[-1] if histories else {}
        for item in chosen.get("msgs", []) if isinstance(chosen, dict) else []:
            if isinstance(item, dict):
                src: dict[str, Any] = item["src"] if isinstance(item.get("src"), dict) else {}
                is_user = bool(src.get("is_human"))
                records.append(_message(user if is_user else str(src.get("name") or char), is_user,
                                        str(item.get("text", ""))))
    else:
        return None
    return [encode_obj(r) for r in [_header(user, char), *records]]


def import_chat(store: ChatStore, source: Path, card_key: str) -> ChatRef:
    """Copy a chat file into the card's folder (named after the file) and return its ref."""
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise StoreError(f"cannot read {source}: {exc.strerror}") from None
    lines = read_import_lines(data, str(source))
    ref = store.new_ref(card_key, source.stem)
    from tavo_tui.store.files import atomic_write

    try:
        atomic_write(ref.path, b"".join(line + b"\n" for line in lines))
    except OSError as exc:
        raise StoreError(f"cannot save to {ref.path}: {exc.strerror}") from None
    return ref


# ---- export ------------------------------------------------------------------------------------------------
def export_jsonl(header: ChatHeader, messages: Sequence[Message]) -> bytes:
    """SillyTavern's own layout: one object per line, `\\n` separated, no trailing newline."""
    lines = [encode_obj(header_to_json(header))]
    if isinstance(messages, MessageList):
        lines += list(messages.encoded_lines())
    else:
        from tavo_tui.store.jsonl import encode_message

        lines += [encode_message(m) for m in messages]
    return b"\n".join(lines)


def _when(message: Message) -> str:
    parsed = parse_send_date(message.send_date)
    return parsed.strftime("%Y-%m-%d %H:%M") if parsed else str(message.send_date or "")


def _flags(message: Message) -> str:
    notes = []
    if message.is_system:
        notes.append("hidden from the prompt")
    if message.swipes and len(message.swipes) > 1:
        notes.append(f"swipe {(message.swipe_id or 0) + 1}/{len(message.swipes)}")
    return f" ({', '.join(notes)})" if notes else ""


def export_markdown(title: str, messages: Iterable[Message]) -> str:
    out = [f"# {title}", ""]
    for message in messages:
        when = _when(message)
        out.append(f"### {message.name or ('You' if message.is_user else 'Character')}"
                   f"{' · ' + when if when else ''}{_flags(message)}")
        out.append("")
        out.append(message.mes)
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def export_text(title: str, messages: Iterable[Message]) -> str:
    out = [title, "=" * len(title), ""]
    for message in messages:
        out.append(f"{message.name}:{_flags(message)} {message.mes}")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def export_chat(store: ChatStore, ref: ChatRef, fmt: str) -> bytes:
    if fmt not in EXPORT_FORMATS:
        raise StoreError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    opened = store.open(ref)
    if fmt == "jsonl":
        return export_jsonl(opened.header, opened.messages)
    if fmt == "md":
        return export_markdown(ref.title, opened.messages).encode("utf-8")
    return export_text(ref.title, opened.messages).encode("utf-8")
