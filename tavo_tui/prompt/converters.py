"""Prompt post-processing for chat completion (SillyTavern's server-side converters).

`merge` squashes consecutive same-role messages, `semi` also turns every system message but the first into a
user message, `strict` additionally guarantees a user message right after the leading system message (or first),
and `single` folds the whole prompt into one user message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from tavo_tui.prompt.settings import PLACEHOLDER

ConverterName = Literal["none", "merge", "semi", "strict", "single"]
CONVERTERS: tuple[str, ...] = ("none", "merge", "semi", "strict", "single")


def _normalise(
    messages: Sequence[dict[str, Any]],
    *,
    char_name: str,
    user_name: str,
    group_names: Sequence[str],
    single: bool,
    tools: bool,
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for source in messages:
        msg = dict(source)
        content = msg.get("content")
        if content is None:
            content = ""
        elif isinstance(content, list):
            content = "\n\n".join(
                str(part.get("text", "")) for part in content if isinstance(part, dict) and part.get("type") == "text"
            )
        content = str(content)
        role = msg.get("role", "user")
        name = msg.get("name")
        if role == "system" and name == "example_assistant":
            if not content.startswith(f"{char_name}: ") and not any(content.startswith(f"{g}: ") for g in group_names):
                content = f"{char_name}: {content}"
        elif role == "system" and name == "example_user":
            if not content.startswith(f"{user_name}: "):
                content = f"{user_name}: {content}"
        elif role != "system" and name:
            if not content.startswith(f"{name}: "):
                content = f"{name}: {content}"
        if role == "tool" and not tools:
            role = "user"
        if single:
            if role == "assistant" and not name and not content.startswith(f"{char_name}: "):
                content = f"{char_name}: {content}"
            elif role == "user" and not name and not content.startswith(f"{user_name}: "):
                content = f"{user_name}: {content}"
        msg["role"] = role
        msg["content"] = content
        msg.pop("name", None)
        if not tools:
            msg.pop("tool_calls", None)
            msg.pop("tool_call_id", None)
        out.append(msg)
    return out


def _squash(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for msg in messages:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev["role"] == msg["role"]
            and msg["content"]
            and msg["role"] != "tool"
            and not msg.get("tool_calls")
            and not prev.get("tool_calls")
        ):
            prev["content"] = f"{prev['content']}\n\n{msg['content']}" if prev["content"] else msg["content"]
        else:
            out.append(dict(msg))
    return out


def merge_messages(
    messages: Sequence[dict[str, Any]],
    *,
    char_name: str,
    user_name: str,
    group_names: Sequence[str] = (),
    strict: bool = False,
    single: bool = False,
    tools: bool = False,
    placeholder: str = PLACEHOLDER,
) -> list[dict[str, Any]]:
    """The MERGE algorithm; `strict` applies the semi-strict (and placeholder) rules on top."""
    merged = _squash(
        _normalise(
            messages, char_name=char_name, user_name=user_name, group_names=group_names, single=single, tools=tools
        )
    )
    if single:
        merged = [{**m, "role": "user"} for m in merged]
        merged = _squash(merged)
    if strict:
        for i, msg in enumerate(merged):
            if i > 0 and msg["role"] == "system":
                msg["role"] = "user"
        merged = _squash(merged)
    if not merged:
        merged = [{"role": "user", "content": placeholder}]
    return merged


def convert(
    messages: Sequence[dict[str, Any]],
    converter: str,
    *,
    char_name: str,
    user_name: str,
    group_names: Sequence[str] = (),
    placeholder: str = PLACEHOLDER,
) -> list[dict[str, Any]]:
    """Apply a post-processing mode by name ("none" returns a copy)."""
    if converter in ("", "none"):
        return [dict(m) for m in messages]
    common: dict[str, Any] = {
        "char_name": char_name,
        "user_name": user_name,
        "group_names": group_names,
        "placeholder": placeholder,
    }
    tools = converter.endswith("_tools")
    base = converter.removesuffix("_tools")
    if base in ("merge", "claude"):
        return merge_messages(messages, tools=tools, **common)
    if base == "semi":
        return merge_messages(messages, strict=True, tools=tools, **common)
    if base == "strict":
        out = merge_messages(messages, strict=True, tools=tools, **common)
        if out and out[0]["role"] == "system":
            if len(out) == 1 or out[1]["role"] != "user":
                out.insert(1, {"role": "user", "content": placeholder})
        elif out and out[0]["role"] != "user":
            out.insert(0, {"role": "user", "content": placeholder})
        return out
    if base == "single":
        return merge_messages(messages, single=True, tools=tools, **common)
    raise ValueError(f"unknown prompt post-processing mode {converter!r} (known: {', '.join(CONVERTERS)})")
