"""The connection editor's pure parts: turning the form's text values into a validated profile.

Kept apart from the screen so every rule can be tested without a terminal. Errors are ValueErrors with a
sentence for the user; the screen shows them inline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from tavo_tui.model import ConnectionProfile

CONVERTERS: tuple[str, ...] = ("none", "merge", "semi", "strict", "single")
INT_SAMPLERS = frozenset({"top_k", "seed"})
_JSON_WORDS = frozenset({"true", "false", "null"})


def parse_number(label: str, raw: str, *, integer: bool) -> int | float | None:
    """"" means "not sent" (None)."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        return int(raw) if integer else float(raw)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise ValueError(f"{label} must be {kind}, not {raw!r} (leave it empty to not send it)") from None


def parse_option(key: str, raw: str) -> Any:
    """JSON when it looks like JSON (object, list, number, true/false/null), else the text as a string."""
    text = raw.strip()
    looks_json = text[:1] in "{[\"-" or text in _JSON_WORDS or text[:1].isdigit()
    if not looks_json:
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"option {key}: not valid JSON ({exc.msg} at column {exc.colno})") from None


def format_option(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def parse_stops(raw: str) -> list[str]:
    """A JSON list of strings (`["\\nUser:", "###"]`), or one plain stop string."""
    text = raw.strip()
    if not text:
        return []
    if not text.startswith("["):
        return [raw.strip("\n")]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"stop strings: not a valid JSON list ({exc.msg})") from None
    if not isinstance(data, list) or not all(isinstance(s, str) for s in data):
        raise ValueError('stop strings: write a JSON list of strings, e.g. ["\\nUser:"]')
    return [s for s in data if s]


def format_stops(stops: Sequence[str]) -> str:
    return json.dumps(list(stops), ensure_ascii=False) if stops else ""


def _positive(label: str, raw: str) -> int | None:
    value = parse_number(label, raw, integer=True)
    if value is not None and value <= 0:
        raise ValueError(f"{label} must be positive")
    return int(value) if value is not None else None


def build_profile(
    base: ConnectionProfile | None,
    values: Mapping[str, str],
    kinds: Sequence[str] = (),
    *,
    samplers: Sequence[str] = (),
    options: Sequence[str] = (),
) -> ConnectionProfile:
    """Apply the form's text values to a profile, keeping every field the form does not show.

    `values` keys: name, kind, base_url, model, mode, api, api_key_env, max_context, max_tokens, converter,
    instruct, stop, `sampler.<field>` for each of `samplers`, `option.<key>` for each of `options`.
    `kinds`, when given, are the kinds that exist. Raises ValueError with a message for the user.
    """
    name = values.get("name", "").strip()
    if not name:
        raise ValueError("the connection needs a name")
    kind = values.get("kind", "").strip() or "openai-compatible"
    if kinds and kind not in kinds:
        raise ValueError(f"unknown kind {kind!r}; known kinds: {', '.join(kinds)}")
    data: dict[str, Any] = base.model_dump() if base is not None else {}
    data.update(
        name=name,
        kind=kind,
        base_url=values.get("base_url", "").strip(),
        model=values.get("model", "").strip(),
        mode=values.get("mode", "chat") or "chat",
        api_key_env=values.get("api_key_env", "").strip() or None,
    )
    if "api" in values:
        data["api"] = values["api"] if values["api"] in ("native", "openai") else None
    for key in ("converter", "instruct"):
        if values.get(key):
            data[key] = values[key]
    for key in ("max_context", "max_tokens"):
        number = _positive(key.replace("_", " "), values.get(key, ""))
        if number is not None:
            data[key] = number
    sampler = dict(data.get("sampler") or {})
    for field in samplers:
        sampler[field] = parse_number(field.replace("_", " "), values.get(f"sampler.{field}", ""),
                                      integer=field in INT_SAMPLERS)
    if "stop" in values:
        sampler["stop"] = parse_stops(values["stop"])
    data["sampler"] = sampler
    kept = dict(data.get("options") or {})
    for key in options:
        raw = values.get(f"option.{key}", "")
        if raw.strip():
            kept[key] = parse_option(key, raw)
        else:
            kept.pop(key, None)
    data["options"] = kept
    try:
        return ConnectionProfile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{field}: {first['msg']}") from None


def instruct_choice(current: str, names: Sequence[str]) -> str:
    """The preset name matching `current` loosely ("chatml" is "ChatML"), or `current` itself."""

    def fold(text: str) -> str:
        return "".join(ch for ch in text.lower() if ch.isalnum())

    return next((n for n in names if fold(n) == fold(current)), current)
