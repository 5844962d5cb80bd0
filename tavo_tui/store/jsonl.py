"""SillyTavern JSONL lines <-> model objects, keeping every key and value of imported files.

A message read from a file is a `StoredMessage`: it is written back with exactly the keys it was read with (plus any
field the app has since set), so a SillyTavern chat survives a round trip unchanged. Messages the app creates are
written with all of SillyTavern's core keys.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from tavo_tui.model import ChatHeader, Message
from tavo_tui.model.chat import now_send_date

# Keys SillyTavern omits on messages that never had them.
OPTIONAL_KEYS = ("swipes", "swipe_id", "swipe_info")
CORE_DEFAULTS: dict[str, Any] = {"name": "", "is_user": False, "is_system": False, "mes": ""}


class StoredMessage(Message):
    """A message parsed from a chat file (same fields; only the way it is written back differs)."""


class StoredHeader(ChatHeader):
    """A header parsed from a chat file, written back with the keys it had."""


def encode_obj(obj: dict[str, Any]) -> bytes:
    """One compact JSON line (SillyTavern's JSON.stringify style), without the newline."""
    try:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate cannot be UTF-8; escaped ASCII keeps the value and stays valid JSON.
        return json.dumps(obj, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def message_to_json(message: Message) -> dict[str, Any]:
    if isinstance(message, StoredMessage):
        data = message.model_dump(mode="json", exclude_unset=True)
        # Fields changed in place (e.g. `extra["x"] = 1`) are not "set"; keep them when they differ from defaults.
        for key, default in CORE_DEFAULTS.items():
            if key not in data and getattr(message, key) != default:
                data[key] = getattr(message, key)
        if "extra" not in data and message.extra:
            data["extra"] = message.model_dump(mode="json", include={"extra"})["extra"]
        for key in OPTIONAL_KEYS:
            if key not in data and getattr(message, key) is not None:
                data[key] = message.model_dump(mode="json", include={key})[key]
        return data
    data = message.model_dump(mode="json")
    for key in OPTIONAL_KEYS:
        if data.get(key) is None and key not in message.model_fields_set:
            data.pop(key, None)
    return data


def encode_message(message: Message) -> bytes:
    """One message line. Pydantic's own JSON writer is several times faster than dump + json.dumps, and gives
    the same keys and values; the general path handles what it cannot (lone surrogates, changed defaults)."""
    try:
        if isinstance(message, StoredMessage):
            # Only a default container changed in place escapes `exclude_unset`; scalars are set by assignment.
            if "extra" in message.model_fields_set or not message.extra:
                return message.model_dump_json(exclude_unset=True).encode("utf-8")
        else:
            drop = {k for k in OPTIONAL_KEYS if getattr(message, k) is None and k not in message.model_fields_set}
            return message.model_dump_json(exclude=drop or None).encode("utf-8")
    except (ValueError, UnicodeEncodeError):
        pass
    return encode_obj(message_to_json(message))


def header_to_json(header: ChatHeader) -> dict[str, Any]:
    if not isinstance(header, StoredHeader):
        return header.model_dump(mode="json")
    data = header.model_dump(mode="json", exclude_unset=True)
    if "chat_metadata" not in data and header.chat_metadata:
        data["chat_metadata"] = header.model_dump(mode="json", include={"chat_metadata"})["chat_metadata"]
    return data


def new_header(user_name: str, character_name: str, metadata: dict[str, Any] | None = None) -> ChatHeader:
    """A header with every key written explicitly (so nothing depends on defaults when it is saved)."""
    return ChatHeader(
        user_name=user_name,
        character_name=character_name,
        create_date=now_send_date(),
        chat_metadata=dict(metadata or {}),
    )


def is_header(obj: dict[str, Any]) -> bool:
    """Line 1 is a header unless it looks like a message (the headerless vintage)."""
    if "chat_metadata" in obj:
        return True
    return "mes" not in obj


def _coerce_message(raw: dict[str, Any]) -> dict[str, Any]:
    """Old exports carry odd types; fix only the fields the model types, keep the rest as they were."""
    fixed = dict(raw)
    mes = fixed.get("mes")
    if isinstance(mes, dict):  # Chub: {"message": ...}
        fixed["mes"] = str(mes.get("message", ""))
    elif mes is None:
        fixed["mes"] = ""
    elif not isinstance(mes, str):
        fixed["mes"] = str(mes)
    if not isinstance(fixed.get("name", ""), str):
        fixed["name"] = str(fixed["name"])
    for key in ("is_user", "is_system"):
        if key in fixed and not isinstance(fixed[key], bool):
            fixed[key] = bool(fixed[key])
    if "send_date" in fixed and not isinstance(fixed["send_date"], str | int):
        fixed["send_date"] = str(fixed["send_date"]) if fixed["send_date"] is not None else now_send_date()
    if not isinstance(fixed.get("extra", {}), dict):
        fixed["extra"] = {}
    swipes = fixed.get("swipes")
    if swipes is not None:
        fixed["swipes"] = [s if isinstance(s, str) else ("" if s is None else str(s)) for s in swipes] if isinstance(
            swipes, list
        ) else None
    info = fixed.get("swipe_info")
    if info is not None:
        fixed["swipe_info"] = [i if isinstance(i, dict) else {} for i in info] if isinstance(info, list) else None
    if "swipe_id" in fixed and not (fixed["swipe_id"] is None or isinstance(fixed["swipe_id"], int)):
        try:
            fixed["swipe_id"] = int(fixed["swipe_id"])
        except (TypeError, ValueError):
            fixed["swipe_id"] = 0
    return fixed


def decode_message(raw: dict[str, Any]) -> StoredMessage:
    """A message from a parsed line; odd legacy types are coerced instead of failing."""
    try:
        return StoredMessage.model_validate(raw)
    except ValidationError:
        return StoredMessage.model_validate(_coerce_message(raw))


def decode_header(raw: dict[str, Any]) -> StoredHeader:
    try:
        return StoredHeader.model_validate(raw)
    except ValidationError:
        fixed = dict(raw)
        for key in ("user_name", "character_name"):
            if key in fixed and not isinstance(fixed[key], str):
                fixed[key] = str(fixed[key])
        if "create_date" in fixed and not isinstance(fixed["create_date"], str | int):
            fixed["create_date"] = str(fixed["create_date"])
        if not isinstance(fixed.get("chat_metadata", {}), dict):
            fixed["chat_metadata"] = {}
        return StoredHeader.model_validate(fixed)


def parse_send_date(value: object) -> datetime | None:
    """SillyTavern's send_date in any vintage (ISO, epoch ms, humanized, locale style) as an aware datetime."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return parse_send_date(int(text))
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except ValueError:
        pass
    human = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})\s*@\s*(\d{1,2})h\s*(\d{1,2})m\s*(\d{1,2})s(?:\s*(\d{1,3})ms)?", text)
    if human:
        y, mo, d, h, mi, s, ms = (int(g) if g else 0 for g in human.groups())
        try:
            return datetime(y, mo, d, h, mi, s, ms * 1000, tzinfo=UTC)
        except ValueError:
            return None
    for fmt in ("%B %d, %Y %I:%M%p", "%B %d, %Y %I:%M %p", "%b %d, %Y %I:%M%p"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None
