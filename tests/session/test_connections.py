"""Connection helpers without an open chat: test, model list, discovery, key status, per-kind fields."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext
from tavo_tui.session.connections import (
    add_discovered,
    already_known,
    check_profile,
    discover_servers,
    editable_kinds,
    filter_models,
    key_status,
    list_models,
    sampler_fields,
    set_model,
    unique_name,
)
from tests.fakes.local_servers import FakeLlamaCppServer
from tests.fakes.openai_server import LLAMA_401, FakeOpenAIServer, error


@pytest.fixture
def ctx(home: Path) -> AppContext:
    return AppContext.open(home=home)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fake(ctx: AppContext, server: FakeOpenAIServer, name: str = "fake") -> ConnectionProfile:
    profile = ConnectionProfile(name=name, base_url=server.base_url, model="fake-model")
    ctx.profiles.save(profile)
    return profile


async def test_check_profile_reports_latency_and_server_or_the_error(
    ctx: AppContext, openai_server: FakeOpenAIServer
) -> None:
    _fake(ctx, openai_server)
    result = await check_profile(ctx, "fake")
    assert result.ok and result.latency_ms > 0
    assert "fake-model" in result.detail and result.models == ("fake-model", "fake-model-2")
    assert openai_server.paths() == ["/v1/models"]
    openai_server.script.append(error(401, LLAMA_401))
    bad = await check_profile(ctx, "fake")
    assert not bad.ok and bad.error_kind == "auth"
    unknown = await check_profile(ctx, ConnectionProfile(name="x", kind="telepathy"))
    assert not unknown.ok and "unknown backend kind 'telepathy'" in unknown.detail


async def test_check_profile_uses_a_key_typed_but_not_yet_saved(
    ctx: AppContext, openai_server: FakeOpenAIServer
) -> None:
    openai_server.api_key = "sk-typed-1234"
    profile = ConnectionProfile(name="unsaved", base_url=openai_server.base_url)
    assert not (await check_profile(ctx, profile)).ok
    assert (await check_profile(ctx, profile, api_key="sk-typed-1234")).ok


async def test_list_models_from_the_server_or_a_reason(ctx: AppContext, openai_server: FakeOpenAIServer) -> None:
    openai_server.models = ["llama-3-8b", "mistral-7b", "llama-3-70b"]
    profile = _fake(ctx, openai_server)
    listing = await list_models(ctx, "fake")
    assert listing.ok and listing.models == ("llama-3-8b", "mistral-7b", "llama-3-70b")
    assert filter_models(listing.models, "LLAMA 70") == ["llama-3-70b"]
    assert filter_models(listing.models, "") == list(listing.models)
    openai_server.models = []
    empty = await list_models(ctx, profile)
    assert not empty.ok and "type the model name" in empty.reason
    openai_server.stop()
    failed = await list_models(ctx, profile)
    assert not failed.ok and failed.reason.startswith("could not list models")


async def test_a_kind_without_a_model_list_offers_its_known_names_without_a_request(ctx: AppContext) -> None:
    listing = await list_models(ctx, ConnectionProfile(name="p", kind="perplexity",
                                                       base_url="http://127.0.0.1:9/none"))
    assert "sonar" in listing.models


def test_set_model_saves_the_profile(ctx: AppContext, openai_server: FakeOpenAIServer) -> None:
    _fake(ctx, openai_server)
    assert set_model(ctx, "fake", " fake-model-2 ").model == "fake-model-2"
    assert ctx.profiles.get("fake").model == "fake-model-2"


async def test_discovery_finds_a_server_on_an_injected_port_and_adds_it_under_unique_names(
    ctx: AppContext, llamacpp_server: FakeLlamaCppServer
) -> None:
    dead = _free_port()
    found = await discover_servers([dead, llamacpp_server.port], timeout=2.0)
    assert [(s.kind, s.port) for s in found] == [("llamacpp", llamacpp_server.port)]
    assert "b6000-abc" in found[0].server  # identified by what it says, not by its port
    assert already_known(ctx, found[0]) is None
    first = add_discovered(ctx, found)
    second = add_discovered(ctx, found)
    name = f"llamacpp-{llamacpp_server.port}"
    assert [p.name for p in first] == [name] and [p.name for p in second] == [f"{name}-2"]
    assert ctx.profiles.get(name).base_url == llamacpp_server.root
    assert already_known(ctx, found[0]) == name


def test_unique_name() -> None:
    assert unique_name("a", []) == "a"
    assert unique_name("a", ["a", "a-2"]) == "a-3"


def test_key_status_never_shows_the_key(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    profile = ConnectionProfile(name="k", kind="openai", api_key_env="TAVO_TEST_KEY")
    monkeypatch.delenv("TAVO_TEST_KEY", raising=False)
    assert key_status(ctx, profile) == "none ($TAVO_TEST_KEY is not set)"
    ctx.profiles.save(profile, "sk-stored-secret-abcd")
    assert key_status(ctx, profile) == "stored ****abcd"
    monkeypatch.setenv("TAVO_TEST_KEY", "sk-from-env-9999")
    assert key_status(ctx, profile) == "from $TAVO_TEST_KEY"
    assert key_status(ctx, None) == "none"


def test_per_kind_fields() -> None:
    names = [k.name for k in editable_kinds()]
    assert "demo" not in names and {"openai", "claude", "llamacpp", "horde", "novelai"} <= set(names)
    assert "top_k" not in sampler_fields("openai") and "seed" in sampler_fields("openai")
    assert "min_p" not in sampler_fields("claude") and "top_k" in sampler_fields("claude")
    assert "min_p" in sampler_fields("llamacpp") and "min_p" in sampler_fields("openai-compatible")


async def test_discovery_names_a_generic_openai_server_and_skips_dead_ports(
    ctx: AppContext, openai_server: FakeOpenAIServer
) -> None:
    found = await discover_servers([openai_server.port, _free_port()], timeout=2.0)
    assert [(s.kind, s.base_url) for s in found] == [("openai-compatible", openai_server.base_url)]
    assert found[0].models == ("fake-model", "fake-model-2")
    (added,) = add_discovered(ctx, found)
    assert added.model == "fake-model" and (await check_profile(ctx, added.name)).ok
