"""Backend kinds by name, and the one factory the session uses to build an adapter from a profile."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import httpx

from tavo_tui.backends.base import Backend, BackendError
from tavo_tui.backends.demo import DemoBackend
from tavo_tui.backends.openai_compat import OpenAICompatBackend
from tavo_tui.model import ConnectionProfile

Factory = Callable[..., Backend]


@dataclass(frozen=True)
class KindInfo:
    """What the connection editor shows for a kind, and how to build it."""

    name: str
    description: str
    default_base_url: str
    factory: Factory
    needs_key: bool = False  # hosted APIs always need one; local servers only when started with one
    modes: tuple[str, ...] = ("chat", "text")

    @property
    def default_url(self) -> str:
        """Alias of `default_base_url` (the CLI's name for it)."""
        return self.default_base_url


def _entries(*infos: KindInfo) -> Mapping[str, KindInfo]:
    return MappingProxyType({info.name: info for info in infos})


# New kinds are one more KindInfo line here plus a small adapter module.
KINDS: Mapping[str, KindInfo] = _entries(
    KindInfo(
        "demo",
        "offline demo: in-character canned replies, no server needed",
        DemoBackend.default_base_url,
        DemoBackend,
    ),
    KindInfo(
        "openai-compatible",
        "any OpenAI-style server: llama.cpp, llama-cpp-python, vLLM, LM Studio, TabbyAPI, ...",
        OpenAICompatBackend.default_base_url,
        OpenAICompatBackend,
    ),
)


def make_backend(
    profile: ConnectionProfile, api_key: str | None = None, *, client: httpx.AsyncClient | None = None
) -> Backend:
    """Build the adapter for `profile.kind`; an unknown kind is a BackendError naming the known ones."""
    info = KINDS.get(profile.kind)
    if info is None:
        known = ", ".join(sorted(KINDS))
        raise BackendError(
            "bad_request",
            f"unknown backend kind {profile.kind!r} in connection {profile.name!r} — use one of: {known}",
        )
    return info.factory(profile, api_key, client=client)
