"""Local discovery: real fake servers on random ports, identified from their answers alone."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from tavo_tui.backends.discover import discover_local
from tavo_tui.backends.registry import make_backend
from tests.fakes.local_servers import FakeKoboldServer, FakeLlamaCppServer, FakeOllamaServer, ok_json
from tests.fakes.openai_server import Canned, FakeOpenAIServer


class _Tabby(FakeOpenAIServer):
    def default_answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Canned:
        if path == "/health":
            return ok_json({"status": "healthy", "issues": []})
        if path == "/props":  # TabbyAPI has /props too: must not be taken for llama.cpp
            return ok_json({"model": "x"})
        return super().default_answer(method, path, headers, body)


class _Ooba(FakeOpenAIServer):
    def default_answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Canned:
        if path == "/v1/internal/model/info":
            return ok_json({"model_name": "mistral-7b", "lora_names": []})
        return super().default_answer(method, path, headers, body)


class _LMStudio(FakeOpenAIServer):
    def default_answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Canned:
        answer = super().default_answer(method, path, headers, body)
        if path == "/v1/models":
            answer.headers["X-Powered-By"] = "Express"
        return answer


class _VLLM(FakeOpenAIServer):
    def default_answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Canned:
        if path == "/v1/models":
            return ok_json({"object": "list", "data": [{"id": "Qwen/Qwen3-8B", "owned_by": "vllm"}]})
        return super().default_answer(method, path, headers, body)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def servers() -> Iterator[dict[str, FakeOpenAIServer]]:
    made: dict[str, FakeOpenAIServer] = {
        "koboldcpp": FakeKoboldServer(),
        "koboldai": FakeKoboldServer(kcpp=False),
        "ollama": FakeOllamaServer(),
        "llamacpp": FakeLlamaCppServer(),
        "tabby": _Tabby(),
        "ooba": _Ooba(),
        "lmstudio": _LMStudio(),
        "vllm": _VLLM(),
        "openai-compatible": FakeOpenAIServer(),
    }
    for server in made.values():
        server.start()
    yield made
    for server in made.values():
        server.stop()


async def test_every_local_server_is_identified_by_what_it_says(servers: dict[str, FakeOpenAIServer]) -> None:
    ports = [s.port for s in servers.values()] + [_closed_port()]
    start = time.monotonic()
    found = await discover_local(ports, timeout=0.5)
    assert time.monotonic() - start < 3
    by_port = {d.port: d for d in found}
    assert len(found) == len(servers)  # the closed port is silently skipped
    for kind, server in servers.items():
        assert by_port[server.port].kind == kind, (kind, by_port[server.port])
    assert by_port[servers["koboldcpp"].port].server == "KoboldCpp 1.76"
    assert by_port[servers["koboldcpp"].port].models == ("koboldcpp/tiny-model",)
    assert by_port[servers["ollama"].port].models == ("llama3.2:latest", "qwen3:8b")
    assert by_port[servers["llamacpp"].port].server == "llama.cpp server (b6000-abc)"
    assert by_port[servers["vllm"].port].models == ("Qwen/Qwen3-8B",)


async def test_discovered_servers_become_working_profiles(servers: dict[str, FakeOpenAIServer]) -> None:
    found = await discover_local([servers["ollama"].port, servers["openai-compatible"].port], timeout=0.5)
    for item in found:
        profile = item.profile()
        assert profile.name == f"{item.kind}-{item.port}" and profile.model == item.models[0]
        backend = make_backend(profile)
        check = await backend.check()
        assert check.ok, check.detail
        await backend.aclose()


async def test_nothing_listening_is_an_empty_list_quickly() -> None:
    start = time.monotonic()
    assert await discover_local([_closed_port(), _closed_port()], timeout=0.3) == []
    assert time.monotonic() - start < 1.5
