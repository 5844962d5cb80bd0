"""`tavo-tui connection` for every kind: add with --kind/--api/--mode/--option, kinds, test, models, discover."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tavo_tui.backends.registry import KINDS
from tavo_tui.cli import main
from tests.fakes.local_servers import FakeKoboldServer, FakeOllamaServer
from tests.fakes.openai_server import FakeOpenAIServer

SEED_KINDS = (
    "openai-compatible openai deepseek mistral openrouter perplexity ai21 electronhub aimlapi dreamgen pollinations "
    "mancer cloudflare llamacpp koboldcpp koboldai ollama ooba tabby vllm aphrodite lmstudio claude gemini vertex "
    "cohere horde novelai"
).split()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def rows(capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, object]]:
    code, out, _ = run(capsys, "connection", "list", "--json")
    assert code == 0
    return {r["name"]: r for r in json.loads(out)}


def test_kinds_lists_exactly_the_seed_kinds_with_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    assert set(KINDS) == {*SEED_KINDS, "demo"}
    code, out, _ = run(capsys, "connection", "kinds")
    assert code == 0
    listed = [line.split()[0] for line in out.splitlines()]
    assert listed == list(KINDS)
    assert "https://api.anthropic.com/v1" in out and "ANTHROPIC_API_KEY" in out
    code, out, _ = run(capsys, "connection", "kinds", "--json")
    data = {row["name"]: row for row in json.loads(out)}
    assert data["llamacpp"]["apis"] == ["native", "openai"] and data["horde"]["streaming"] is False
    assert data["gemini"]["key_env"] == "GEMINI_API_KEY" and data["koboldcpp"]["tokenizer"] == "/api/extra/tokencount"


@pytest.mark.parametrize("kind", SEED_KINDS)
def test_every_kind_can_be_added_with_its_defaults(home: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    mode = "text" if "chat" not in KINDS[kind].modes else "chat"
    code, out, err = run(capsys, "connection", "add", f"p-{kind}", "--kind", kind, "--mode", mode)
    assert code == 0, err
    row = rows(capsys)[f"p-{kind}"]
    assert row["kind"] == kind and row["base_url"] == KINDS[kind].default_url and row["mode"] == mode
    if KINDS[kind].needs_key:
        assert row["api_key_env"] == KINDS[kind].key_env and f"${KINDS[kind].key_env}" in out


def test_api_and_mode_are_validated_per_kind(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "connection", "add", "x", "--kind", "openai", "--api", "native")
    assert code == 1 and err.count("\n") == 1 and "--api native does not apply" in err
    code, _, err = run(capsys, "connection", "add", "x", "--kind", "claude", "--mode", "text")
    assert code == 1 and "chat mode" in err
    code, _, err = run(capsys, "connection", "add", "x", "--kind", "horde", "--mode", "chat")
    assert code == 1 and "text mode" in err
    code, _, err = run(capsys, "connection", "add", "k", "--kind", "koboldcpp", "--mode", "text", "--api", "native")
    assert code == 0
    assert rows(capsys)["k"]["api"] == "native"
    code, _, err = run(capsys, "connection", "add", "h", "--kind", "horde")  # no --mode: the kind's own
    assert code == 0 and rows(capsys)["h"]["mode"] == "text"


def test_options_are_parsed_as_json_or_text(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys,
        "connection",
        "add",
        "or",
        "--kind",
        "openrouter",
        "--option",
        'provider={"order": ["a"]}',
        "--option",
        'transforms=["middle-out"]',
        "--option",
        "note=plain words",
        "--api-key-env",
        "MY_KEY",
    )
    assert code == 0, err
    row = rows(capsys)["or"]
    assert row["options"] == {"provider": {"order": ["a"]}, "transforms": ["middle-out"], "note": "plain words"}
    assert row["api_key_env"] == "MY_KEY"
    code, _, err = run(capsys, "connection", "add", "bad", "--option", "novalue")
    assert code == 1 and "KEY=VALUE" in err


def test_models_and_test_for_native_kinds(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ollama = FakeOllamaServer().start()
    kobold = FakeKoboldServer().start()
    try:
        run(capsys, "connection", "add", "o", "--kind", "ollama", "--url", ollama.root, "--model", "qwen3:8b")
        code, out, _ = run(capsys, "connection", "models", "o")
        assert code == 0 and out.split() == ["llama3.2:latest", "qwen3:8b"]
        code, out, _ = run(capsys, "connection", "models", "o", "--filter", "QWEN")
        assert out.split() == ["qwen3:8b"]
        code, out, _ = run(capsys, "connection", "test", "o")
        assert code == 0 and "Ollama 0.6.2" in out
        run(capsys, "connection", "add", "k", "--kind", "koboldcpp", "--url", kobold.root, "--mode", "text")
        code, out, _ = run(capsys, "connection", "test", "k")
        assert code == 0 and "KoboldCpp 1.76" in out
    finally:
        ollama.stop()
        kobold.stop()


def test_discover_lists_and_adds(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kobold = FakeKoboldServer().start()
    generic = FakeOpenAIServer().start()
    try:
        ports = f"{kobold.port},{generic.port}"
        code, out, _ = run(capsys, "connection", "discover", "--ports", ports, "--timeout", "0.5")
        assert code == 0 and "koboldcpp" in out and "openai-compatible" in out and "saved" not in out
        code, out, _ = run(capsys, "connection", "discover", "--ports", ports, "--timeout", "0.5", "--add")
        assert out.count("saved as") == 2
        saved = rows(capsys)
        assert saved[f"koboldcpp-{kobold.port}"]["base_url"] == kobold.root
        code, out, _ = run(capsys, "connection", "discover", "--ports", ports, "--timeout", "0.5", "--add")
        assert out.count("exists, kept") == 2
    finally:
        kobold.stop()
        generic.stop()
    code, _, err = run(capsys, "connection", "discover", "--ports", "abc")
    assert code == 1 and "--ports" in err
