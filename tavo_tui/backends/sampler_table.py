"""Which samplers each backend kind accepts, and under which wire name: the one table every adapter reads.

Keys are SamplerSettings fields, plus a few values derived from them here (so the table stays plain data):
- `dynatemp_range`: (max_temp - min_temp) / 2, for servers that take a range around `temperature` (llama.cpp,
  KoboldCpp, Horde); with it `temperature` becomes the middle of min_temp..max_temp, as SillyTavern sends it.
- `min_temp` / `max_temp` are only sent while `dynatemp` is on (Tabby and Aphrodite switch on by their presence).
- `banned_strings` / `banned_ids` / `banned_ids_csv`: the banned-tokens lines split into quoted strings and
  `[id, ...]` lists (a bare line counts as a string: there is no tokenizer here to turn it into ids).
- `logit_bias_pairs`: llama.cpp's native `[[id, bias], ...]` form, banned ids and strings added as `false`.
- `dry_sequence_breakers_text`: the breakers as JSON text (text-generation-webui takes a string).
A kind whose row has no entry for a sampler does not get it; `accepted()` tells a front which those are.
Sources: reference/backends.md section 2 and each server's section.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from tavo_tui.model import SamplerSettings

Names = Mapping[str, str]


def _same(*names: str) -> dict[str, str]:
    return {name: name for name in names}


OAI_BASIC = _same("temperature", "top_p", "presence_penalty", "frequency_penalty", "seed")
# What OpenAI-style local servers have long taken under the common names.
LOCAL_COMMON = _same(
    "temperature", "top_p", "top_k", "min_p", "presence_penalty", "frequency_penalty", "repetition_penalty",
    "seed", "top_a", "typical_p", "tfs", "repetition_penalty_range", "mirostat_mode", "mirostat_tau",
    "mirostat_eta", "dry_multiplier", "dry_base", "dry_allowed_length", "xtc_threshold", "xtc_probability",
)  # fmt: skip
KOBOLD = {
    "temperature": "temperature", "top_p": "top_p", "top_k": "top_k", "top_a": "top_a", "typical_p": "typical",
    "tfs": "tfs", "repetition_penalty": "rep_pen", "repetition_penalty_range": "rep_pen_range",
    "repetition_penalty_slope": "rep_pen_slope", "sampler_order": "sampler_order",
}  # fmt: skip
KCPP = {
    **KOBOLD, "min_p": "min_p", "seed": "sampler_seed", "mirostat_mode": "mirostat", "mirostat_tau": "mirostat_tau",
    "mirostat_eta": "mirostat_eta", "dry_multiplier": "dry_multiplier", "dry_base": "dry_base",
    "dry_allowed_length": "dry_allowed_length", "xtc_threshold": "xtc_threshold",
    "xtc_probability": "xtc_probability", "dry_sequence_breakers": "dry_sequence_breakers",
    "dry_penalty_last_n": "dry_penalty_last_n", "smoothing_factor": "smoothing_factor",
    "dynatemp_range": "dynatemp_range", "dynatemp_exponent": "dynatemp_exponent", "top_n_sigma": "nsigma",
    "banned_strings": "banned_tokens", "logit_bias": "logit_bias", "ban_eos_token": "use_default_badwordsids",
}  # fmt: skip
LLAMACPP_NATIVE = {
    **_same("temperature", "top_p", "top_k", "min_p", "presence_penalty", "frequency_penalty"),
    "repetition_penalty": "repeat_penalty", "seed": "seed", "typical_p": "typical_p",
    "repetition_penalty_range": "repeat_last_n", "mirostat_mode": "mirostat",
    **_same("mirostat_tau", "mirostat_eta", "dry_multiplier", "dry_base", "dry_allowed_length", "xtc_threshold",
            "xtc_probability", "dry_penalty_last_n", "dry_sequence_breakers", "dynatemp_range",
            "dynatemp_exponent", "top_n_sigma", "samplers"),
    "ban_eos_token": "ignore_eos", "logit_bias_pairs": "logit_bias",
}  # fmt: skip
LLAMACPP_OPENAI = {
    **LOCAL_COMMON, "repetition_penalty": "repeat_penalty", "repetition_penalty_range": "repeat_last_n",
    "mirostat_mode": "mirostat", "tfs": "tfs_z",
    **_same("dry_penalty_last_n", "dry_sequence_breakers", "dynatemp_range", "dynatemp_exponent", "top_n_sigma",
            "samplers"),
    "ban_eos_token": "ignore_eos", "logit_bias": "logit_bias",
}  # fmt: skip
KCPP_OPENAI = {
    **LOCAL_COMMON, "typical_p": "typical", "repetition_penalty_range": "rep_pen_range", "mirostat_mode": "mirostat",
    **{k: v for k, v in KCPP.items() if k in ("repetition_penalty_slope", "sampler_order", "dry_sequence_breakers",
                                              "smoothing_factor", "dynatemp_range", "dynatemp_exponent",
                                              "banned_strings", "logit_bias")},
}  # fmt: skip
OOBA = {
    **LOCAL_COMMON,
    **_same("smoothing_factor", "smoothing_curve", "dynatemp_exponent", "top_n_sigma", "epsilon_cutoff",
            "eta_cutoff", "temperature_last", "ban_eos_token", "sampler_priority", "banned_strings", "logit_bias"),
    "dynatemp": "dynamic_temperature", "min_temp": "dynatemp_low", "max_temp": "dynatemp_high",
    "dry_sequence_breakers_text": "dry_sequence_breakers", "banned_ids_csv": "custom_token_bans",
}  # fmt: skip
TABBY = {
    **LOCAL_COMMON, "repetition_penalty_range": "penalty_range",
    **_same("smoothing_factor", "min_temp", "max_temp", "temperature_last", "ban_eos_token", "dry_sequence_breakers",
            "banned_strings", "logit_bias"),
    "dynatemp_exponent": "temp_exponent", "dry_penalty_last_n": "dry_range", "banned_ids": "banned_tokens",
}  # fmt: skip
APHRODITE = {
    **LOCAL_COMMON,
    **_same("smoothing_factor", "smoothing_curve", "dynatemp_exponent", "epsilon_cutoff", "eta_cutoff",
            "temperature_last", "dry_sequence_breakers", "logit_bias"),
    "min_temp": "dynatemp_min", "max_temp": "dynatemp_max", "banned_ids": "custom_token_bans",
}  # fmt: skip
MANCER = {**LOCAL_COMMON, "smoothing_factor": "smoothing_factor", "banned_ids": "custom_token_bans"}
VLLM = _same("temperature", "top_p", "top_k", "min_p", "presence_penalty", "frequency_penalty",
             "repetition_penalty", "seed", "logit_bias")  # fmt: skip
# A server we know nothing about gets the common names plus the OpenAI logit-bias object.
GENERIC = {**LOCAL_COMMON, "logit_bias": "logit_bias"}

# Row key: the kind, or "kind:native" for the native API of a kind that speaks two.
WIRE: Mapping[str, Names] = MappingProxyType({
    "demo": {},
    "openai-compatible": GENERIC,
    "openai": {**OAI_BASIC, "logit_bias": "logit_bias"},
    "deepseek": _same("temperature", "top_p", "presence_penalty", "frequency_penalty"),
    "mistral": {**OAI_BASIC, "seed": "random_seed"},  # strict schema: any other key is a 422
    "openrouter": _same("temperature", "top_p", "top_k", "min_p", "top_a", "presence_penalty", "frequency_penalty",
                        "repetition_penalty", "seed", "logit_bias"),
    "perplexity": _same("temperature", "top_p", "top_k", "presence_penalty", "frequency_penalty"),
    "ai21": _same("temperature", "top_p"),
    "electronhub": _same("temperature", "top_p", "top_k", "presence_penalty", "frequency_penalty", "seed"),
    "aimlapi": OAI_BASIC,
    "dreamgen": _same("temperature", "top_p", "top_k", "min_p", "repetition_penalty", "presence_penalty",
                      "frequency_penalty"),
    "pollinations": OAI_BASIC,
    "mancer": MANCER,
    "cloudflare": _same("temperature", "top_p", "top_k", "presence_penalty", "frequency_penalty", "seed"),
    "llamacpp": LLAMACPP_OPENAI,
    "llamacpp:native": LLAMACPP_NATIVE,
    "koboldcpp": KCPP_OPENAI,
    "koboldcpp:native": KCPP,
    "koboldai": {k: v for k, v in KOBOLD.items()},
    "ollama": OAI_BASIC,
    "ollama:native": {
        **_same("temperature", "top_k", "top_p", "min_p", "typical_p"), "repetition_penalty": "repeat_penalty",
        "repetition_penalty_range": "repeat_last_n", **_same("presence_penalty", "frequency_penalty", "seed"),
    },
    "ooba": OOBA,
    "tabby": TABBY,
    "vllm": VLLM,
    "aphrodite": APHRODITE,
    "lmstudio": {**_same("temperature", "top_p", "top_k", "min_p", "presence_penalty", "frequency_penalty", "seed"),
                 "repetition_penalty": "repeat_penalty"},
    "claude": _same("temperature", "top_p", "top_k"),
    "gemini": {"temperature": "temperature", "top_p": "topP", "top_k": "topK", "presence_penalty": "presencePenalty",
               "frequency_penalty": "frequencyPenalty", "seed": "seed"},
    "cohere": {"temperature": "temperature", "top_p": "p", "top_k": "k", "seed": "seed",
               "frequency_penalty": "frequency_penalty", "presence_penalty": "presence_penalty"},
    "horde": {**KOBOLD, "min_p": "min_p", "smoothing_factor": "smoothing_factor", "dynatemp_range": "dynatemp_range",
              "dynatemp_exponent": "dynatemp_exponent", "ban_eos_token": "use_default_badwordsids"},
    "novelai": {
        **_same("temperature", "top_k", "top_p", "top_a", "typical_p"), "tfs": "tail_free_sampling",
        "min_p": "min_p", "repetition_penalty": "repetition_penalty",
        "repetition_penalty_range": "repetition_penalty_range",
        "repetition_penalty_slope": "repetition_penalty_slope",
        "frequency_penalty": "repetition_penalty_frequency", "presence_penalty": "repetition_penalty_presence",
        "mirostat_tau": "mirostat_tau", "mirostat_eta": "mirostat_lr",
    },
})  # fmt: skip
WIRE_VERTEX = "gemini"  # Vertex serves the Gemini API
_RANGE_TEMPERATURE = "dynatemp_range"
# Which SamplerSettings fields a derived key comes from (for the accepted/ignored report).
DERIVED_FROM: Mapping[str, tuple[str, ...]] = {
    "dynatemp_range": ("dynatemp", "min_temp", "max_temp"),
    "banned_strings": ("banned_tokens",),
    "banned_ids": ("banned_tokens",),
    "banned_ids_csv": ("banned_tokens",),
    "logit_bias_pairs": ("logit_bias", "banned_tokens"),
    "dry_sequence_breakers_text": ("dry_sequence_breakers",),
}


def row_key(kind: str, api: str | None = None) -> str:
    """The table row of `kind` on `api` ("native" or "openai"; None: the kind's only API)."""
    if kind == "vertex":
        return WIRE_VERTEX
    if api == "native" and f"{kind}:native" in WIRE:
        return f"{kind}:native"
    return kind


def wire_names(kind: str, api: str | None = None) -> Names:
    """SamplerSettings field (or derived key) -> wire name for this kind and API; an unknown kind gets the
    generic OpenAI-compatible row."""
    return WIRE.get(row_key(kind, api), GENERIC)


def _split_banned(lines: list[str]) -> tuple[list[str], list[int]]:
    strings: list[str] = []
    ids: list[int] = []
    for line in lines:
        if line.startswith("[") and line.endswith("]"):
            try:
                found = json.loads(line)
            except ValueError:
                found = None
            if isinstance(found, list) and all(isinstance(x, int) and not isinstance(x, bool) for x in found):
                ids.extend(found)
                continue
        strings.append(line[1:-1] if len(line) >= 2 and line[0] == line[-1] == '"' else line)
    return strings, ids


def canonical_values(sampler: SamplerSettings, names: Names) -> dict[str, Any]:
    """The values to send, by SamplerSettings field or derived key, for a row `names` (before renaming)."""
    out: dict[str, Any] = {}
    dynatemp_on = bool(sampler.dynatemp) and sampler.min_temp is not None and sampler.max_temp is not None
    for name in SamplerSettings.model_fields:
        value = getattr(sampler, name)
        if name == "stop" or value is None:
            continue
        if name in ("min_temp", "max_temp") and not dynatemp_on:
            continue
        out[name] = value
    if dynatemp_on and _RANGE_TEMPERATURE in names and sampler.min_temp is not None and sampler.max_temp is not None:
        out["dynatemp_range"] = (sampler.max_temp - sampler.min_temp) / 2
        out["temperature"] = (sampler.max_temp + sampler.min_temp) / 2
    if sampler.banned_tokens:
        strings, ids = _split_banned(sampler.banned_tokens)
        if strings:
            out["banned_strings"] = strings
        if ids:
            out["banned_ids"] = ids
            out["banned_ids_csv"] = ",".join(str(i) for i in ids)
    if "logit_bias_pairs" in names:
        strings, ids = _split_banned(sampler.banned_tokens or [])
        pairs: list[list[Any]] = [[int(k), v] for k, v in (sampler.logit_bias or {}).items() if k.lstrip("-").isdigit()]
        pairs += [[i, False] for i in ids] + [[s, False] for s in strings]
        if pairs:
            out["logit_bias_pairs"] = pairs
    if sampler.dry_sequence_breakers is not None:
        out["dry_sequence_breakers_text"] = json.dumps(sampler.dry_sequence_breakers, ensure_ascii=False)
    return out


def wire_body(sampler: SamplerSettings, kind: str, api: str | None = None,
              neutral_dropped: Mapping[str, float] | None = None, *, names: Names | None = None) -> dict[str, Any]:
    """The sampler part of a request body for this kind: only what its row (or `names`) lists, under its wire
    names, in SamplerSettings order. `neutral_dropped` values are left out (some APIs refuse certain
    combinations)."""
    names = wire_names(kind, api) if names is None else names
    dropped = neutral_dropped or {}
    values = canonical_values(sampler, names)
    out: dict[str, Any] = {}
    for name, value in values.items():
        wire = names.get(name)
        if wire is None or (name in dropped and dropped[name] == value):
            continue
        out[wire] = value
    return out


@dataclass(frozen=True)
class SamplerSupport:
    """One sampler of a preset or profile, and what a kind does with it."""

    name: str  # SamplerSettings field
    value: Any
    wire: str | None  # the name it is sent under; None: this kind ignores it

    @property
    def accepted(self) -> bool:
        return self.wire is not None


def accepted(sampler_values: Mapping[str, Any], kind: str, api: str | None = None) -> list[SamplerSupport]:
    """For each set sampler (SamplerSettings names, None values skipped): the wire name this kind sends it
    under, or None when the kind ignores it. Derived keys are reported under the fields they come from."""
    names = wire_names(kind, api)
    out: list[SamplerSupport] = []
    for name, value in sampler_values.items():
        if value is None or name == "stop":
            continue
        wires = [names[name]] if name in names else []
        wires += [names[key] for key, sources in DERIVED_FROM.items() if name in sources and key in names]
        if name == "dynatemp" and _RANGE_TEMPERATURE in names:
            wires.append(names[_RANGE_TEMPERATURE])
        out.append(SamplerSupport(name, value, ", ".join(dict.fromkeys(wires)) or None))
    return out


def accepted_fields(kind: str, api: str | None = None) -> tuple[str, ...]:
    """The SamplerSettings fields this kind on this API sends in some form."""
    names = wire_names(kind, api)
    fields = [n for n in SamplerSettings.model_fields if n in names]
    fields += [src for key, sources in DERIVED_FROM.items() if key in names for src in sources]
    return tuple(n for n in SamplerSettings.model_fields if n in fields)
