"""Instruct, context and system-prompt presets for the fronts: list, load, save, delete and import.

A preset name finds the user's own copy first (<data dir>/presets/<kind>/<name>.json, SillyTavern's JSON), then
the one tavo-tui ships (SillyTavern 1.18.0's presets, with equal values). Saving a preset under a shipped name
keeps the user's copy in front of the shipped one, as editing a preset does in SillyTavern.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from weakref import WeakKeyDictionary

from tavo_tui.backends.base import BackendError
from tavo_tui.model import ConnectionProfile
from tavo_tui.prompt.derive import Derived, derive_templates
from tavo_tui.prompt.settings import PromptSettings
from tavo_tui.prompt.templates import (
    PRESET_KINDS,
    AnyTemplate,
    ContextTemplate,
    InstructTemplate,
    PresetError,
    PresetKind,
    SystemPromptPreset,
    context_for_instruct,
    load_shipped,
    parse_preset,
    preset_kind,
    preset_names,
)
from tavo_tui.store.errors import StoreError
from tavo_tui.store.presets import PresetStore

if TYPE_CHECKING:
    from tavo_tui.session.context import AppContext
    from tavo_tui.session.core import SessionCore

__all__ = [
    "PRESET_KINDS",
    "ImportReport",
    "PresetEntry",
    "delete_preset",
    "get_context",
    "get_instruct",
    "get_preset",
    "get_sysprompt",
    "import_presets",
    "kind_of",
    "list_presets",
    "preset_from",
    "preset_store",
    "save_preset",
    "to_sillytavern",
]

Origin = Literal["shipped", "user", "edited"]  # edited: the user's copy of a shipped name, used in its place

_STORES: WeakKeyDictionary[AppContext, PresetStore] = WeakKeyDictionary()


@dataclass(frozen=True)
class PresetEntry:
    kind: PresetKind
    name: str
    origin: Origin


@dataclass
class ImportReport:
    """What an import did: stored (new or replacing a user copy), equal to a shipped preset, or left out."""

    imported: list[PresetEntry] = field(default_factory=list)
    same_as_shipped: list[PresetEntry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "<file>: <reason>"


def preset_store(ctx: AppContext) -> PresetStore:
    """The user's preset folder for `ctx` (one store per context, so its read cache is shared)."""
    store = _STORES.get(ctx)
    if store is None:
        store = _STORES[ctx] = PresetStore(ctx.paths.data_dir / "presets")
    return store


def _check_kind(kind: str) -> PresetKind:
    for known in PRESET_KINDS:
        if kind == known:
            return known
    raise StoreError(f"unknown preset kind {kind!r} (one of {', '.join(PRESET_KINDS)})")


def kind_of(preset: AnyTemplate) -> PresetKind:
    if isinstance(preset, InstructTemplate):
        return "instruct"
    if isinstance(preset, ContextTemplate):
        return "context"
    return "sysprompt"


def _shipped_name(kind: str, name: str) -> str | None:
    try:
        return load_shipped(kind, name).name or name
    except PresetError:
        return None


def list_presets(ctx: AppContext, kind: str) -> list[PresetEntry]:
    """Every preset of `kind` a name can choose: shipped and the user's, sorted by name."""
    checked = _check_kind(kind)
    entries = {name.casefold(): PresetEntry(checked, name, "shipped") for name in preset_names(checked)}
    for name in preset_store(ctx).names(checked):
        shipped = entries.get(name.casefold())
        entries[name.casefold()] = PresetEntry(checked, shipped.name if shipped else name,
                                               "edited" if shipped else "user")
    return sorted(entries.values(), key=lambda e: e.name.casefold())


def user_preset(ctx: AppContext, kind: str, name: str) -> AnyTemplate | None:
    """The user's own preset `name`, or None; a damaged file is a StoreError."""
    data = preset_store(ctx).read(_check_kind(kind), name)
    if data is None:
        return None
    try:
        return parse_preset(kind, data)
    except PresetError as exc:
        raise StoreError(str(exc)) from None


def get_preset(ctx: AppContext, kind: str, name: str) -> AnyTemplate:
    """The preset `name`: the user's copy, else the shipped one (case and punctuation insensitive)."""
    found = user_preset(ctx, kind, name)
    if found is not None:
        return found
    try:
        return load_shipped(kind, name)
    except PresetError as exc:
        user = preset_store(ctx).names(kind)
        raise StoreError(f"{exc}" + (f"; yours: {', '.join(user)}" if user else "")) from None


def preset_from(ctx: AppContext, kind: str, name_or_path: str) -> AnyTemplate:
    """A preset by name (as get_preset), or a SillyTavern preset .json file read as it is."""
    path = Path(name_or_path)
    if path.suffix.lower() == ".json" and path.is_file():
        data = preset_store(ctx).read_file(path)
        try:
            return parse_preset(_check_kind(kind), data)
        except PresetError as exc:
            raise StoreError(f"{path}: {exc}") from None
    return get_preset(ctx, kind, name_or_path)


def get_instruct(ctx: AppContext, name_or_path: str) -> InstructTemplate:
    preset = preset_from(ctx, "instruct", name_or_path)
    assert isinstance(preset, InstructTemplate)
    return preset


def get_context(ctx: AppContext, name_or_path: str) -> ContextTemplate:
    preset = preset_from(ctx, "context", name_or_path)
    assert isinstance(preset, ContextTemplate)
    return preset


def get_sysprompt(ctx: AppContext, name_or_path: str) -> SystemPromptPreset:
    preset = preset_from(ctx, "sysprompt", name_or_path)
    assert isinstance(preset, SystemPromptPreset)
    return preset


def to_sillytavern(preset: AnyTemplate) -> dict[str, Any]:
    """The preset as SillyTavern writes it (its `enabled` is a global setting there, not part of a preset)."""
    data = preset.model_dump()
    data.pop("enabled", None)
    return data


def save_preset(ctx: AppContext, preset: AnyTemplate) -> PresetEntry:
    """Store `preset` under its name (replacing the user's copy of that name; shadowing a shipped one)."""
    kind = kind_of(preset)
    if not preset.name.strip():
        raise StoreError(f"a {kind} preset needs a name")
    path = preset_store(ctx).write(kind, to_sillytavern(preset))
    return PresetEntry(kind, path.stem, "edited" if _shipped_name(kind, path.stem) else "user")


def delete_preset(ctx: AppContext, kind: str, name: str) -> bool:
    """Delete the user's preset `name` (a shipped one of that name comes back); False when there is none."""
    return preset_store(ctx).delete(_check_kind(kind), name)


# ---- import ----------------------------------------------------------------------------------------------
def _objects(data: dict[str, Any]) -> list[tuple[PresetKind, dict[str, Any]]]:
    """The presets in one parsed file: one preset, or SillyTavern's Advanced Formatting "master export"."""
    nested = [(k, data[k]) for k in PRESET_KINDS if isinstance(data.get(k), dict)]
    if nested:
        return [(k, v) for k, v in nested if preset_kind(v) == k]
    kind = preset_kind(data)
    return [(kind, data)] if kind is not None else []


def _import_one(ctx: AppContext, kind: PresetKind, data: dict[str, Any], stem: str, report: ImportReport) -> None:
    name = data.get("name") if isinstance(data.get("name"), str) and data["name"].strip() else stem
    preset = parse_preset(kind, {**data, "name": name})
    shipped = _shipped_name(kind, preset.name)
    if shipped is not None and to_sillytavern(load_shipped(kind, shipped)) == to_sillytavern(
            preset.model_copy(update={"name": shipped})):
        # Importing SillyTavern's own folder should not pile up copies of what is shipped; an older
        # edited copy of that name is dropped, so the imported (shipped) values are the ones in effect.
        preset_store(ctx).delete(kind, preset.name)
        report.same_as_shipped.append(PresetEntry(kind, shipped, "shipped"))
        return
    report.imported.append(save_preset(ctx, preset))


def _files(path: Path) -> list[Path]:
    """JSON files to read: the file, or a folder's and its instruct/, context/, sysprompt/ subfolders'."""
    if path.is_file():
        return [path]
    found = sorted(path.glob("*.json"))
    for kind in PRESET_KINDS:
        found += sorted((path / kind).glob("*.json"))
    return found


def import_presets(ctx: AppContext, path: Path) -> ImportReport:
    """Import SillyTavern instruct/context/system-prompt presets from a file or a folder into the user's.

    A folder is read with its instruct/, context/ and sysprompt/ subfolders (a SillyTavern user data folder or
    its default/content/presets); files that are not such presets are reported as skipped.
    """
    if not path.exists():
        raise StoreError(f"no such file or folder: {path}")
    files = _files(path)
    if not files:
        raise StoreError(f"{path}: no .json files here or in instruct/, context/, sysprompt/")
    report = ImportReport()
    for file in files:
        try:
            data = json.loads(file.read_text(encoding="utf-8-sig"))
        except OSError as exc:
            report.skipped.append(f"{file}: {exc.strerror}")
            continue
        except ValueError:
            report.skipped.append(f"{file}: not valid JSON")
            continue
        objects = _objects(data) if isinstance(data, dict) else []
        if not objects:
            report.skipped.append(f"{file}: not an instruct, context or system-prompt preset")
            continue
        for kind, obj in objects:
            try:
                _import_one(ctx, kind, obj, file.stem, report)
            except (PresetError, StoreError) as exc:
                report.skipped.append(f"{file}: {exc}")
    return report


# ---- assembly ---------------------------------------------------------------------------------------------
AUTO = "auto"  # a profile's instruct "auto": derive the templates from the server's chat template
FALLBACK = "ChatML"


@dataclass(frozen=True)
class PresetChoice:
    """assemble() arguments for presets the engine cannot find by name itself, and notes saying what was chosen."""

    inputs: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Derivation:
    """What reading a server's chat template gave: preset names, or why there are none."""

    derived: Derived | None
    problem: str = ""


# One derivation per server and model for the whole process (SillyTavern derives again on each connect).
_DERIVED: dict[tuple[str, str, str], Derivation] = {}
_FAILED: dict[tuple[str, str, str], tuple[float, Derivation]] = {}  # a failed read is tried again later
RETRY_AFTER = 30.0  # seconds


def wants_derived(profile: ConnectionProfile) -> bool:
    return profile.mode == "text" and profile.instruct.strip().lower() == AUTO


def _key(profile: ConnectionProfile) -> tuple[str, str, str]:
    return profile.kind, profile.base_url.rstrip("/"), profile.model


def derivation_for(profile: ConnectionProfile) -> Derivation | None:
    """The derivation already made for this profile's server and model, else the last failure to read it."""
    known = _DERIVED.get(_key(profile))
    if known is not None:
        return known
    failed = _FAILED.get(_key(profile))
    return failed[1] if failed is not None else None


def needs_derivation(profile: ConnectionProfile) -> bool:
    """True when an "auto" profile's templates are still to be derived (never read, or a failure is old)."""
    if not wants_derived(profile) or _key(profile) in _DERIVED:
        return False
    failed = _FAILED.get(_key(profile))
    return failed is None or time.monotonic() - failed[0] >= RETRY_AFTER


async def derive_templates_for(session: SessionCore) -> Derivation | None:
    """Read the server's chat template and derive the templates, once per server and model (profiles whose
    instruct template is "auto", in text mode); None when the profile does not ask for it."""
    profile = session.profile
    if not wants_derived(profile) or session.is_demo:
        return None
    if not needs_derivation(profile):
        return derivation_for(profile)  # a server that is down is not asked again on every keystroke
    fetch = getattr(session.backend, "chat_template", None)
    if fetch is None:
        outcome = Derivation(None, f"a {profile.kind} connection does not report its chat template")
    else:
        try:
            text = await fetch()
        except BackendError as exc:
            outcome = Derivation(None, f"the server's chat template could not be read: {exc.message}")
            _FAILED[_key(profile)] = (time.monotonic(), outcome)
            return outcome
        derived = derive_templates(text)
        problem = "" if derived else ("the server reports no chat template" if not text
                                      else "the server's chat template matches no known format")
        outcome = Derivation(derived, problem)
    _DERIVED[_key(profile)] = outcome
    _FAILED.pop(_key(profile), None)
    return outcome


def prompt_presets(ctx: AppContext, settings: PromptSettings, profile: ConnectionProfile) -> PresetChoice:
    """The user's own presets chosen by name (shipped ones the engine finds itself) and derived templates."""
    choice = PresetChoice()
    store = preset_store(ctx)
    if settings.sysprompt_enabled and store.names("sysprompt"):
        found = _quiet(ctx, "sysprompt", settings.sysprompt_name, choice.notes)
        if found is not None:
            choice.inputs["sysprompt"] = found
    if profile.mode != "text":
        return choice
    instruct_name = profile.instruct
    context_name = settings.context_name
    if wants_derived(profile):
        known = derivation_for(profile)
        if known is not None and known.derived is not None:
            instruct_name = known.derived.instruct
            context_name = context_name or known.derived.context
            choice.notes.append(known.derived.note)
        else:
            instruct_name = FALLBACK
            why = known.problem if known is not None else "the server's chat template has not been read yet"
            choice.notes.append(f"instruct: auto, but {why}: using {FALLBACK}")
        found = _quiet(ctx, "instruct", instruct_name, choice.notes)
        choice.inputs["instruct"] = found if found is not None else load_shipped("instruct", instruct_name)
    elif store.names("instruct"):
        found = _quiet(ctx, "instruct", instruct_name, choice.notes)
        if found is not None:
            choice.inputs["instruct"] = found
    context_name = context_name or instruct_name
    context = _quiet(ctx, "context", context_name, choice.notes) if store.names("context") else None
    if context is None and wants_derived(profile):
        context = context_for_instruct(context_name)
    if context is not None:
        choice.inputs["context"] = context
    return choice


def _quiet(ctx: AppContext, kind: str, name: str, notes: list[str]) -> AnyTemplate | None:
    """The user's preset, or None; a damaged file is a note, and the shipped preset of that name (if any) is used."""
    try:
        return user_preset(ctx, kind, name)
    except StoreError as exc:
        notes.append(f"{exc}: not used")
        return None
