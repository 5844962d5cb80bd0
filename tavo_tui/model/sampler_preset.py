"""Sampler presets in SillyTavern's own formats: "TextGen Settings" (text completion) and "OpenAI Settings"
(chat completion) preset files.

A preset keeps the file's JSON object as it is (`data`), so import followed by export gives back the same JSON,
keys we do not know included. The samplers are a view over it under our names (the SamplerSettings fields);
edits write back under SillyTavern's key, touching only the keys that change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tavo_tui.model.connection import SamplerSettings

PresetFormat = Literal["textgen", "openai"]
FORMATS: tuple[PresetFormat, ...] = ("textgen", "openai")
# SillyTavern's folder name for each format (its user data has the same folders).
FOLDERS: Mapping[PresetFormat, str] = {"textgen": "TextGen Settings", "openai": "OpenAI Settings"}

# SamplerSettings field -> SillyTavern key, per format. Order is the order a report lists them in.
TEXTGEN_KEYS: Mapping[str, str] = {
    "temperature": "temp",
    "top_p": "top_p",
    "top_k": "top_k",
    "min_p": "min_p",
    "typical_p": "typical_p",
    "tfs": "tfs",
    "top_a": "top_a",
    "top_n_sigma": "nsigma",
    "epsilon_cutoff": "epsilon_cutoff",
    "eta_cutoff": "eta_cutoff",
    "repetition_penalty": "rep_pen",
    "repetition_penalty_range": "rep_pen_range",
    "repetition_penalty_slope": "rep_pen_slope",
    "frequency_penalty": "freq_pen",
    "presence_penalty": "presence_pen",
    "dry_multiplier": "dry_multiplier",
    "dry_base": "dry_base",
    "dry_allowed_length": "dry_allowed_length",
    "dry_penalty_last_n": "dry_penalty_last_n",
    "dry_sequence_breakers": "dry_sequence_breakers",
    "xtc_threshold": "xtc_threshold",
    "xtc_probability": "xtc_probability",
    "mirostat_mode": "mirostat_mode",
    "mirostat_tau": "mirostat_tau",
    "mirostat_eta": "mirostat_eta",
    "smoothing_factor": "smoothing_factor",
    "smoothing_curve": "smoothing_curve",
    "dynatemp": "dynatemp",
    "min_temp": "min_temp",
    "max_temp": "max_temp",
    "dynatemp_exponent": "dynatemp_exponent",
    "temperature_last": "temperature_last",
    "ban_eos_token": "ban_eos_token",
    "seed": "seed",
    "banned_tokens": "banned_tokens",
    "logit_bias": "logit_bias",
    "sampler_order": "sampler_order",
    "samplers": "samplers",
    "sampler_priority": "sampler_priority",
}
OPENAI_KEYS: Mapping[str, str] = {
    "temperature": "temperature",
    "top_p": "top_p",
    "top_k": "top_k",
    "min_p": "min_p",
    "top_a": "top_a",
    "repetition_penalty": "repetition_penalty",
    "frequency_penalty": "frequency_penalty",
    "presence_penalty": "presence_penalty",
    "seed": "seed",
}
KEYS: Mapping[PresetFormat, Mapping[str, str]] = {"textgen": TEXTGEN_KEYS, "openai": OPENAI_KEYS}
# Other names SillyTavern's KoboldAI Settings presets (read as TextGen ones) use for the same sampler; a file
# that has one is read and written under it.
ALIASES: Mapping[str, str] = {"typical_p": "typical", "mirostat_mode": "mirostat"}
# (context size key, reply length key) per format.
LENGTH_KEYS: Mapping[PresetFormat, tuple[str, str]] = {
    "textgen": ("max_length", "genamt"),
    "openai": ("openai_max_context", "openai_max_tokens"),
}
# In OpenAI Settings files 0 means "off" for these (SillyTavern leaves them out of the request then).
_OPENAI_OFF_AT_ZERO = ("top_k", "top_a", "min_p")
_INTS = {"top_k", "repetition_penalty_range", "dry_allowed_length", "dry_penalty_last_n", "mirostat_mode", "seed"}
_BOOLS = {"dynatemp", "temperature_last", "ban_eos_token"}
_STR_LISTS = {"samplers", "sampler_priority"}


class PresetFormatError(ValueError):
    """The JSON is not a sampler preset this program reads."""


def detect_format(data: Mapping[str, Any]) -> PresetFormat | None:
    """Which of SillyTavern's sampler preset formats `data` is (None: neither)."""
    if "temp" in data or "rep_pen" in data or "genamt" in data:
        return "textgen"
    if "openai_max_context" in data or "chat_completion_source" in data or "prompts" in data:
        return "openai"
    if "temperature" in data and ("frequency_penalty" in data or "top_p" in data):
        return "openai"
    return None


def _num(value: Any, name: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if name in _INTS:
        return int(value)
    return float(value)


def _breakers(value: Any) -> list[str] | None:
    """SillyTavern keeps the DRY sequence breakers as JSON text of a list of strings."""
    if isinstance(value, list):
        items = value
    elif isinstance(value, str):
        try:
            items = json.loads(value) if value.strip() else []
        except ValueError:
            return None
    else:
        return None
    return [str(x) for x in items] if isinstance(items, list) else None


def _banned(value: Any) -> list[str] | None:
    if not isinstance(value, str):
        return None
    return [line.strip() for line in value.splitlines() if line.strip()] or None


def _logit_bias(value: Any) -> dict[str, float] | None:
    """SillyTavern's logit-bias list ({text, value}); only entries whose text is a token-id list are usable
    without the model's tokenizer, e.g. {"text": "[2, 3]", "value": -5}."""
    if not isinstance(value, list):
        return None
    out: dict[str, float] = {}
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("value"), (int, float)):
            continue
        text = str(entry.get("text", "")).strip()
        if text.startswith("[") and text.endswith("]"):
            try:
                ids = json.loads(text)
            except ValueError:
                continue
            for token in ids if isinstance(ids, list) else []:
                if isinstance(token, int) and not isinstance(token, bool):
                    out[str(token)] = float(entry["value"])
    return out or None


def from_st_value(fmt: PresetFormat, name: str, value: Any) -> Any:
    """One SillyTavern value as the SamplerSettings field `name` holds it (None: not sent)."""
    if name == "dry_sequence_breakers":
        return _breakers(value)
    if name == "banned_tokens":
        return _banned(value)
    if name == "logit_bias":
        return _logit_bias(value)
    if name == "sampler_order":
        ok = isinstance(value, list) and all(isinstance(x, int) and not isinstance(x, bool) for x in value)
        return list(value) if ok else None
    if name in _STR_LISTS:
        return [str(x) for x in value] if isinstance(value, list) else None
    if name in _BOOLS:
        return value if isinstance(value, bool) else None
    number = _num(value, name)
    if number is None:
        return None
    if name == "seed" and number < 0:
        return None  # -1: a random seed each time, i.e. none sent
    if fmt == "openai" and name in _OPENAI_OFF_AT_ZERO and number == 0:
        return None
    return number


def to_st_value(fmt: PresetFormat, name: str, value: Any, old: Any) -> Any:
    """The SillyTavern value for a SamplerSettings value (`old` is the file's value, kept when it means the same)."""
    if from_st_value(fmt, name, old) == value and old is not None:
        return old
    if name == "dry_sequence_breakers":
        return json.dumps(value or [], ensure_ascii=False)
    if name == "banned_tokens":
        return "\n".join(value or [])
    if name == "logit_bias":
        return [{"id": f"tavo-{token}", "text": f"[{token}]", "value": bias} for token, bias in (value or {}).items()]
    if value is None:
        if name == "seed":
            return -1
        if fmt == "openai" and name in _OPENAI_OFF_AT_ZERO:
            return 0
        return old
    return value


class SamplerPreset(BaseModel):
    """One named sampler preset: SillyTavern's JSON object as read, and which format it is."""

    model_config = ConfigDict(extra="forbid")

    name: str
    format: PresetFormat
    data: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def from_sillytavern(cls, name: str, data: Any, fmt: PresetFormat | None = None) -> SamplerPreset:
        """A preset over `data` (a TextGen or OpenAI Settings object); PresetFormatError when it is neither."""
        if not isinstance(data, dict):
            raise PresetFormatError("a sampler preset is a JSON object")
        found = fmt or detect_format(data)
        if found is None:
            raise PresetFormatError(
                "not a SillyTavern sampler preset (no temp/rep_pen/genamt nor temperature/openai_max_context)"
            )
        return cls(name=name, format=found, data=dict(data))

    def to_sillytavern(self) -> dict[str, Any]:
        """The JSON object to write: the file's own keys and values, edits included."""
        return dict(self.data)

    @property
    def keys(self) -> Mapping[str, str]:
        """SamplerSettings field -> this file's key for it."""
        keys = dict(KEYS[self.format])
        if self.format == "textgen":
            for name, alias in ALIASES.items():
                if keys[name] not in self.data and alias in self.data:
                    keys[name] = alias
        return keys

    def values(self) -> dict[str, Any]:
        """The samplers this preset sets, under SamplerSettings names (None: set to "off", not sent)."""
        return {name: from_st_value(self.format, name, self.data[key])
                for name, key in self.keys.items() if key in self.data}  # fmt: skip

    def context_size(self) -> int | None:
        value = self.data.get(LENGTH_KEYS[self.format][0])
        return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 else None

    def reply_length(self) -> int | None:
        value = self.data.get(LENGTH_KEYS[self.format][1])
        return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 else None

    def with_values(self, changes: Mapping[str, Any]) -> SamplerPreset:
        """A copy with these samplers changed (SamplerSettings names); unknown names are a ValueError."""
        data = dict(self.data)
        for name, value in changes.items():
            key = self.keys.get(name)
            if key is None:
                raise ValueError(f"{name!r} is not a sampler a {FOLDERS[self.format]} preset holds")
            SamplerSettings.model_validate({name: value})  # the value's type, checked before it is written
            data[key] = to_st_value(self.format, name, value, data.get(key))
        return self.model_copy(update={"data": data})

    def with_lengths(self, context_size: int | None = None, reply_length: int | None = None) -> SamplerPreset:
        """A copy with the context size and/or reply length changed."""
        data = dict(self.data)
        ctx_key, reply_key = LENGTH_KEYS[self.format]
        if context_size is not None:
            data[ctx_key] = context_size
        if reply_length is not None:
            data[reply_key] = reply_length
        return self.model_copy(update={"data": data})

    def apply_to(self, sampler: SamplerSettings) -> SamplerSettings:
        """`sampler` with this preset's samplers in place of its own (stop strings and unset ones stay)."""
        return sampler.model_copy(update=self.values())
