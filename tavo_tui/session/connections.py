"""Connection-profile work for front ends that has no open chat behind it: test a profile, list its models,
find local servers and turn them into profiles, describe a kind's fields for an editor.

Every network call goes through the backend adapters; front ends call these in their own workers.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tavo_tui.backends.base import BackendError, ConnectionCheck
from tavo_tui.backends.discover import DEFAULT_PORTS, DiscoveredServer, discover_local
from tavo_tui.backends.registry import KINDS, KindInfo, make_backend
from tavo_tui.backends.sampler_table import accepted_fields
from tavo_tui.backends.used_url import used_base_url
from tavo_tui.model import ConnectionProfile
from tavo_tui.store.secrets import mask_secret

if TYPE_CHECKING:
    from tavo_tui.session.context import AppContext

# Also named here for the fronts, which use the session API only: KINDS and KindInfo (the kind table),
# ConnectionCheck, DEFAULT_PORTS and DiscoveredServer (test and discovery results) and mask_secret.
__all__ = [
    "DEFAULT_PORTS", "EDITABLE_SAMPLERS", "KINDS", "BackendError", "ConnectionCheck", "DiscoveredServer", "KindInfo",
    "ModelListing", "add_discovered", "already_known", "check_profile", "discover_servers", "editable_kinds",
    "filter_models", "key_status", "kind_info", "list_models", "mask_secret", "model_ids", "sampler_fields",
    "set_model", "unique_name", "used_base_url",
]  # fmt: skip

# The sampler knobs an editor offers (a sensible subset of SamplerSettings; the rest are kept as they are).
EDITABLE_SAMPLERS: tuple[str, ...] = (
    "temperature", "top_p", "top_k", "min_p", "presence_penalty", "frequency_penalty", "repetition_penalty",
    "typical_p", "top_a", "seed",
)  # fmt: skip


def editable_kinds() -> list[KindInfo]:
    """Kinds a user can create a profile for (the demo is built in), in the registry's order."""
    return [info for info in KINDS.values() if info.name != "demo"]


def kind_info(kind: str) -> KindInfo | None:
    return KINDS.get(kind)


def sampler_fields(kind: str) -> tuple[str, ...]:
    """The editable sampler knobs this kind's server accepts (stop strings are always accepted); a kind with
    two APIs counts what either of them takes (which one is used depends on the profile)."""
    info = KINDS.get(kind)
    if info is None:
        return EDITABLE_SAMPLERS
    apis = info.apis or (None,)
    accepted = {name for api in apis for name in accepted_fields(kind, api)}
    return tuple(name for name in EDITABLE_SAMPLERS if name in accepted)


def key_status(ctx: AppContext, profile: ConnectionProfile | None) -> str:
    """Where the key comes from, safe to show: "from $ENV", "stored ****abcd" or "none"."""
    if profile is None:
        return "none"
    if profile.api_key_env and os.environ.get(profile.api_key_env):
        return f"from ${profile.api_key_env}"
    try:
        stored = ctx.profiles.secrets.get(profile.name)
    except Exception:
        stored = None
    if stored:
        return f"stored {mask_secret(stored)}"
    if profile.api_key_env:
        return f"none (${profile.api_key_env} is not set)"
    return "none"


def _resolve(ctx: AppContext, profile: ConnectionProfile | str) -> ConnectionProfile:
    return ctx.profiles.get(profile) if isinstance(profile, str) else profile


def _key(ctx: AppContext, profile: ConnectionProfile, api_key: str | None) -> str | None:
    return api_key or ctx.profiles.api_key(profile)


async def check_profile(
    ctx: AppContext, profile: ConnectionProfile | str, *, api_key: str | None = None
) -> ConnectionCheck:
    """The connection test (the cheapest real call), no chat needed. Never raises for server trouble."""
    try:
        resolved = _resolve(ctx, profile)
        backend = make_backend(resolved, _key(ctx, resolved, api_key))
    except Exception as exc:
        return ConnectionCheck(False, 0.0, str(exc), error_kind="bad_request")
    try:
        return await backend.check()
    except BackendError as exc:
        return ConnectionCheck(False, 0.0, exc.message, error_kind=exc.kind)
    finally:
        await backend.aclose()


@dataclass(frozen=True)
class ModelListing:
    """What a model picker shows: the ids, or why the user has to type the name."""

    models: tuple[str, ...]
    reason: str = ""  # non-empty when `models` is empty: the fetch failed or the API has no list

    @property
    def ok(self) -> bool:
        return bool(self.models)


async def list_models(
    ctx: AppContext, profile: ConnectionProfile | str, *, api_key: str | None = None
) -> ModelListing:
    """The models the profile's server offers. A failure is a listing with a reason, never an exception."""
    try:
        resolved = _resolve(ctx, profile)
        backend = make_backend(resolved, _key(ctx, resolved, api_key))
    except Exception as exc:
        return ModelListing((), str(exc))
    try:
        models = await backend.list_models()
    except BackendError as exc:
        return ModelListing((), f"could not list models: {exc.message}")
    except Exception as exc:  # a bad URL and the like
        return ModelListing((), f"could not list models: {exc}")
    finally:
        await backend.aclose()
    if not models:
        return ModelListing((), "this server lists no models; type the model name")
    return ModelListing(tuple(dict.fromkeys(models)))


async def model_ids(ctx: AppContext, profile: ConnectionProfile | str) -> list[str]:
    """The model ids the profile's server lists, as it lists them; a failure raises (BackendError and the like)
    for a caller that reports it itself (`list_models` turns it into a reason for a picker)."""
    resolved = _resolve(ctx, profile)
    backend = make_backend(resolved, _key(ctx, resolved, None))
    try:
        return await backend.list_models()
    finally:
        await backend.aclose()


def filter_models(models: Iterable[str], query: str) -> list[str]:
    """Models containing every word of `query` (case-insensitive), in their original order."""
    words = query.lower().split()
    return [m for m in models if all(w in m.lower() for w in words)]


def set_model(ctx: AppContext, name: str, model: str) -> ConnectionProfile:
    """Save `model` into the stored profile `name`; returns the updated profile."""
    profile = ctx.profiles.get(name).model_copy(update={"model": model.strip()})
    ctx.profiles.save(profile)
    return profile


async def discover_servers(
    ports: Sequence[int] = DEFAULT_PORTS, timeout: float = 0.3, *, host: str = "127.0.0.1"
) -> list[DiscoveredServer]:
    """Local servers answering on the default ports (or `ports`), identified by what they say they are."""
    return await discover_local(ports, timeout, host=host)


def unique_name(wanted: str, taken: Iterable[str]) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`, ... when that name is already used."""
    used = set(taken)
    if wanted not in used:
        return wanted
    n = 2
    while f"{wanted}-{n}" in used:
        n += 1
    return f"{wanted}-{n}"


def already_known(ctx: AppContext, server: DiscoveredServer) -> str | None:
    """The name of a saved profile that already points at this server (same kind and URL), if any."""
    want = server.base_url.rstrip("/")
    for profile in ctx.profiles.list():
        if profile.kind == server.kind and profile.base_url.rstrip("/") == want:
            return profile.name
    return None


def add_discovered(ctx: AppContext, servers: Iterable[DiscoveredServer]) -> list[ConnectionProfile]:
    """Save each server as a new profile under a unique name; returns the saved profiles."""
    taken = set(ctx.profiles.names())
    added: list[ConnectionProfile] = []
    for server in servers:
        name = unique_name(f"{server.kind}-{server.port}", taken)
        profile = server.profile(name)
        ctx.profiles.save(profile)
        taken.add(name)
        added.append(profile)
    return added
