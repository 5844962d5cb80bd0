"""Connection profiles and sampler settings."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Mode = Literal["chat", "text"]
Converter = Literal["none", "merge", "semi", "strict", "single"]


class SamplerSettings(BaseModel):
    """One superset of sampler knobs. `None` means "not sent"; adapters whitelist what their server accepts."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    temperature: float | None = 1.0
    top_p: float | None = 1.0
    top_k: int | None = None
    min_p: float | None = None
    presence_penalty: float | None = 0.0
    frequency_penalty: float | None = 0.0
    repetition_penalty: float | None = None
    seed: int | None = None
    stop: list[str] = Field(default_factory=list)
    # Local-server knobs (llama.cpp, KoboldCpp, Ooba, TabbyAPI, Aphrodite, NovelAI); hosted APIs drop them.
    top_a: float | None = None
    typical_p: float | None = None
    tfs: float | None = None
    repetition_penalty_range: int | None = None
    mirostat_mode: int | None = None
    mirostat_tau: float | None = None
    mirostat_eta: float | None = None
    dry_multiplier: float | None = None
    dry_base: float | None = None
    dry_allowed_length: int | None = None
    xtc_threshold: float | None = None
    xtc_probability: float | None = None
    # SillyTavern's further samplers (sampler presets fill them; None = not sent). Each kind's wire names for
    # them, and which kinds take them at all, are in backends/sampler_table.py.
    repetition_penalty_slope: float | None = None
    dry_sequence_breakers: list[str] | None = None
    dry_penalty_last_n: int | None = None
    smoothing_factor: float | None = None
    smoothing_curve: float | None = None
    dynatemp: bool | None = None  # dynamic temperature between min_temp and max_temp
    min_temp: float | None = None
    max_temp: float | None = None
    dynatemp_exponent: float | None = None
    top_n_sigma: float | None = None
    epsilon_cutoff: float | None = None
    eta_cutoff: float | None = None
    temperature_last: bool | None = None
    ban_eos_token: bool | None = None
    # SillyTavern's banned-tokens box, one entry a line: [1, 2] token ids, "text" a banned string.
    banned_tokens: list[str] | None = None
    logit_bias: dict[str, float] | None = None  # token id -> bias
    sampler_order: list[int] | None = None  # Kobold's order of sampler ids 0-6
    samplers: list[str] | None = None  # llama.cpp's sampler chain by name
    sampler_priority: list[str] | None = None  # text-generation-webui's order


class ConnectionProfile(BaseModel):
    """Everything needed to talk to one backend. The API key itself lives in the secrets file, never here."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: str
    kind: str = "openai-compatible"
    base_url: str = ""
    api_key_env: str | None = None
    model: str = ""
    mode: Mode = "chat"
    api: Literal["native", "openai"] | None = None
    sampler: SamplerSettings = Field(default_factory=SamplerSettings)
    max_context: int = 4096
    max_tokens: int = 300
    converter: Converter = "none"
    instruct: str = "chatml"
    stream: bool = True
    # Seconds a streamed reply may take to start, and may then go quiet, before it counts as stalled;
    # None means the kind's default (backends.registry.stream_timeouts): local servers get longer to start.
    first_token_timeout: float | None = Field(default=None, gt=0, le=3600)
    idle_timeout: float | None = Field(default=None, gt=0, le=3600)
    # Kind-specific settings, e.g. OpenRouter {"provider": {...}, "reasoning": {...}}, Horde {"models": [...],
    # "workers": [...]}, Vertex {"project": ..., "region": ...}; each adapter documents and reads its own keys.
    options: dict[str, Any] = Field(default_factory=dict)
    # A stored sampler preset (`tavo-tui sampler list`): its samplers replace the ones above when the
    # connection is used; as in SillyTavern its context size and reply length win too, unless
    # `preset_lengths` is false (then max_context / max_tokens above stay).
    sampler_preset: str | None = None
    preset_lengths: bool = True
