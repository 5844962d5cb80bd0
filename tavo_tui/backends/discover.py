"""Find local LLM servers on 127.0.0.1 and say what each one is, from what it answers (not from its port).

Probes run concurrently per port with a short timeout; a closed port costs one refused connection. The
order of probes matters because servers emulate each other: KoboldCpp also speaks OpenAI and Ollama,
TabbyAPI also has /props, LM Studio and vLLM both serve /v1/models.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from tavo_tui.model import ConnectionProfile

if TYPE_CHECKING:  # httpx and the adapters load on the first probe: the UI imports this module at start-up
    import httpx

DEFAULT_PORTS: tuple[int, ...] = (5001, 8080, 11434, 5000, 1234, 8000, 2242)


@dataclass(frozen=True)
class DiscoveredServer:
    """One answering server, ready to become a connection profile."""

    kind: str
    base_url: str
    server: str  # what it said it is, e.g. "KoboldCpp 1.76"
    port: int
    api: Literal["native", "openai"] | None = None
    models: tuple[str, ...] = field(default_factory=tuple)

    def profile(self, name: str | None = None) -> ConnectionProfile:
        return ConnectionProfile(
            name=name or f"{self.kind}-{self.port}",
            kind=self.kind,
            base_url=self.base_url,
            api=self.api,
            model=self.models[0] if self.models else "",
            mode="text" if self.kind == "koboldai" else "chat",
        )


async def _get(client: httpx.AsyncClient, url: str) -> httpx.Response | None:
    import httpx

    try:
        return await client.get(url)
    except httpx.HTTPError:
        return None


def _json(response: httpx.Response | None) -> Any:
    if response is None or not response.is_success:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _model_ids(data: Any) -> tuple[str, ...]:
    from tavo_tui.backends.oai_events import model_ids

    return tuple(model_ids(data))


async def _models(client: httpx.AsyncClient, url: str) -> tuple[str, ...]:
    return _model_ids(_json(await _get(client, url)))


async def identify(client: httpx.AsyncClient, root: str, port: int) -> DiscoveredServer | None:
    """What answers at `root`, or None when nothing (or nothing known) does."""
    first = await _get(client, f"{root}/api/extra/version")
    if first is None:
        return None  # refused or timed out: nothing listens here
    kcpp = _json(first)
    if isinstance(kcpp, dict) and kcpp.get("result") == "KoboldCpp":
        model = _json(await _get(client, f"{root}/api/v1/model"))
        name = model.get("result") if isinstance(model, dict) else None
        server = f"KoboldCpp {kcpp.get('version', '')}".strip()
        return DiscoveredServer("koboldcpp", root, server, port, "openai", (name,) if isinstance(name, str) else ())
    ollama = _json(await _get(client, f"{root}/api/version"))
    if isinstance(ollama, dict) and isinstance(ollama.get("version"), str):
        models = await _models(client, f"{root}/api/tags")
        return DiscoveredServer("ollama", root, f"Ollama {ollama['version']}", port, "native", models)
    health = _json(await _get(client, f"{root}/health"))
    if isinstance(health, dict) and health.get("status") in ("healthy", "unhealthy"):
        return DiscoveredServer("tabby", root, "TabbyAPI", port, None, await _models(client, f"{root}/v1/models"))
    info = _json(await _get(client, f"{root}/v1/internal/model/info"))
    if isinstance(info, dict) and "model_name" in info:
        models = await _models(client, f"{root}/v1/models")
        return DiscoveredServer("ooba", root, "text-generation-webui", port, None, models)
    props = _json(await _get(client, f"{root}/props"))
    if isinstance(props, dict) and "default_generation_settings" in props:
        build = props.get("build_info")
        server = f"llama.cpp server ({build})" if isinstance(build, str) and build else "llama.cpp server"
        return DiscoveredServer("llamacpp", root, server, port, "openai", await _models(client, f"{root}/v1/models"))
    united = _json(await _get(client, f"{root}/api/v1/info/version"))
    if isinstance(united, dict) and isinstance(united.get("result"), str):
        return DiscoveredServer("koboldai", root, f"KoboldAI (API {united['result']})", port)
    return await _openai_like(client, root, port)


async def _openai_like(client: httpx.AsyncClient, root: str, port: int) -> DiscoveredServer | None:
    response = await _get(client, f"{root}/v1/models")
    data = _json(response)
    if response is None or not isinstance(data, dict) or not isinstance(data.get("data"), list):
        return None
    models = _model_ids(data)
    owners = {item.get("owned_by") for item in data["data"] if isinstance(item, dict)}
    if "express" in response.headers.get("x-powered-by", "").lower():
        return DiscoveredServer("lmstudio", root, "LM Studio", port, None, models)
    if "vllm" in owners:
        return DiscoveredServer("vllm", root, "vLLM", port, None, models)
    if "pygmalionai" in owners or "aphrodite" in owners:
        return DiscoveredServer("aphrodite", root, "Aphrodite", port, None, models)
    if "llamacpp" in owners:
        return DiscoveredServer("llamacpp", root, "llama.cpp server", port, "openai", models)
    server = "llama-cpp-python" if "uvicorn" in response.headers.get("server", "").lower() else "OpenAI-compatible"
    return DiscoveredServer("openai-compatible", f"{root}/v1", server, port, None, models)


async def discover_local(
    ports: Sequence[int] = DEFAULT_PORTS,
    timeout: float = 0.3,
    *,
    host: str = "127.0.0.1",
    client: httpx.AsyncClient | None = None,
) -> list[DiscoveredServer]:
    """Every known server answering on `host` at `ports`, in port order. Never raises for a dead port."""
    import httpx

    own = client is None
    http = client or httpx.AsyncClient(timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=False)
    try:
        found = await asyncio.gather(*(identify(http, f"http://{host}:{port}", port) for port in ports))
    finally:
        if own:
            await http.aclose()
    return [server for server in found if server is not None]
