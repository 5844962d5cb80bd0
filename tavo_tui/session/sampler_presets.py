"""Sampler presets for the fronts: list, load, save, import, export, and what a connection does with one.

Presets are SillyTavern "TextGen Settings" and "OpenAI Settings" files, kept as they are (see
model/sampler_preset.py). Using one on a connection follows SillyTavern: its samplers replace the connection's,
and its context size and reply length (`max_length`/`genamt`, `openai_max_context`/`openai_max_tokens`) win
too unless the profile says `preset_lengths: false`. Stop strings always stay the connection's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tavo_tui.backends.registry import KINDS
from tavo_tui.backends.sampler_table import SamplerSupport, accepted, accepted_fields
from tavo_tui.model import ConnectionProfile
from tavo_tui.model.sampler_preset import FOLDERS, FORMATS, KEYS, PresetFormat, SamplerPreset
from tavo_tui.store import StoreError
from tavo_tui.store.files import atomic_write
from tavo_tui.store.sampler_presets import (
    PresetEntry,
    SamplerPresetStore,
    check_name,
    preset_bytes,
    read_preset_file,
)

if TYPE_CHECKING:
    from tavo_tui.session.context import AppContext

__all__ = [
    "FOLDERS", "FORMATS", "KEYS", "PresetEntry", "PresetFormat", "SamplerPreset", "SamplerSupport", "SupportReport",
    "apply_preset", "delete_preset", "effective_profile", "export_preset", "import_preset", "kind_samplers",
    "list_presets", "load_preset", "preset_problem", "resolve_preset", "save_preset", "support_for",
    "support_report",
]  # fmt: skip


def store(ctx: AppContext) -> SamplerPresetStore:
    return SamplerPresetStore(ctx.paths.data_dir)


def preferred_format(profile: ConnectionProfile | None) -> PresetFormat | None:
    """Which folder wins for a name in both: TextGen for text completion, OpenAI for chat (as SillyTavern
    picks the preset list by API)."""
    if profile is None:
        return None
    return "textgen" if profile.mode == "text" else "openai"


def list_presets(ctx: AppContext) -> list[PresetEntry]:
    return store(ctx).entries()


def load_preset(ctx: AppContext, name: str, profile: ConnectionProfile | None = None) -> SamplerPreset:
    return store(ctx).load(name, preferred_format(profile))


def resolve_preset(ctx: AppContext, name_or_file: str, profile: ConnectionProfile | None = None) -> SamplerPreset:
    """A stored preset's name, or a SillyTavern preset .json file (read, not stored)."""
    path = Path(name_or_file).expanduser()
    if name_or_file.endswith(".json") or path.is_file():
        if not path.is_file():
            raise StoreError(f"no such preset file: {name_or_file}")
        return read_preset_file(path)
    return load_preset(ctx, name_or_file, profile)


def save_preset(ctx: AppContext, preset: SamplerPreset) -> Path:
    return store(ctx).save(preset)


def delete_preset(ctx: AppContext, name: str) -> PresetEntry:
    return store(ctx).delete(name)


def import_preset(ctx: AppContext, path: Path, name: str | None = None, fmt: PresetFormat | None = None, *,
                  replace: bool = False) -> SamplerPreset:
    """Store a SillyTavern TextGen / OpenAI Settings file as a named preset (its JSON kept as it is)."""
    preset = read_preset_file(path, check_name(name or path.stem), fmt)
    target = store(ctx).path(preset.name, preset.format)
    if target.exists() and not replace:
        raise StoreError(f"a {FOLDERS[preset.format]} preset named {preset.name!r} exists — pass --replace or --name")
    store(ctx).save(preset)
    return preset


def export_preset(ctx: AppContext, name: str, out: Path) -> SamplerPreset:
    """Write a stored preset to `out` as SillyTavern reads it."""
    preset = store(ctx).load(name)
    try:
        atomic_write(out, preset_bytes(preset))
    except OSError as exc:
        raise StoreError(f"cannot write {out}: {exc.strerror}") from None
    return preset


def apply_preset(profile: ConnectionProfile, preset: SamplerPreset) -> ConnectionProfile:
    """`profile` with the preset's samplers, and (unless `preset_lengths` is off) its context size and reply
    length."""
    update: dict[str, Any] = {"sampler": preset.apply_to(profile.sampler)}
    if profile.preset_lengths:
        if preset.context_size() is not None:
            update["max_context"] = preset.context_size()
        if preset.reply_length() is not None:
            update["max_tokens"] = preset.reply_length()
    return profile.model_copy(update=update)


def effective_profile(ctx: AppContext, profile: ConnectionProfile) -> ConnectionProfile:
    """The profile as used for generating: with its named sampler preset applied. A preset that is gone or
    unreadable leaves the profile's own samplers (the connection still works; `preset_problem` says why)."""
    if not profile.sampler_preset:
        return profile
    try:
        return apply_preset(profile, load_preset(ctx, profile.sampler_preset, profile))
    except StoreError:
        return profile


def preset_problem(ctx: AppContext, profile: ConnectionProfile) -> str | None:
    """Why the profile's named preset is not applied, or None."""
    if not profile.sampler_preset:
        return None
    try:
        load_preset(ctx, profile.sampler_preset, profile)
    except StoreError as exc:
        return str(exc)
    return None


def _api(profile: ConnectionProfile | None, kind: str) -> str | None:
    info = KINDS.get(kind)
    if info is None or profile is None:
        return "native" if info is not None and "native" in info.apis else None
    return info.api_for(profile)


def support_for(values: dict[str, Any], kind: str, profile: ConnectionProfile | None = None) -> list[SamplerSupport]:
    """For each set sampler: the name `kind` sends it under, or None when it ignores it (a two-API kind
    without a profile is judged on its native API)."""
    return accepted(values, kind, _api(profile, kind))


def kind_samplers(kind: str, profile: ConnectionProfile | None = None) -> tuple[str, ...]:
    """Every SamplerSettings field `kind` sends in some form (on the profile's API; a two-API kind without a
    profile: its native API), for an editor to mark the others as ignored. KEYS[format] has the presets'
    own names for them."""
    return accepted_fields(kind, _api(profile, kind))


@dataclass(frozen=True)
class SupportReport:
    """What a preset sets and what the kind does with it, for a front to show."""

    preset: str
    format: PresetFormat
    kind: str
    samplers: list[SamplerSupport]
    context_size: int | None
    reply_length: int | None

    def as_json(self) -> dict[str, Any]:
        return {
            "preset": self.preset, "format": self.format, "kind": self.kind,
            "context_size": self.context_size, "reply_length": self.reply_length,
            "samplers": [{"name": s.name, "value": s.value, "sent_as": s.wire} for s in self.samplers],
        }  # fmt: skip


def support_report(preset: SamplerPreset, kind: str, profile: ConnectionProfile | None = None) -> SupportReport:
    return SupportReport(preset.name, preset.format, kind, support_for(preset.values(), kind, profile),
                         preset.context_size(), preset.reply_length())  # fmt: skip
