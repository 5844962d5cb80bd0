"""Templates derived from the server's chat template: llama.cpp /props, KoboldCpp /props, Ollama /api/show, on
real 127.0.0.1 fake servers; reported in the prompt's notes; an explicit template always wins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tavo_tui.backends.registry import make_backend
from tavo_tui.cli import main
from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext, Failed
from tavo_tui.session.presets import derive_templates_for, needs_derivation
from tests.fakes.local_servers import FakeKoboldServer, FakeLlamaCppServer, FakeOllamaServer

CARD = Path(__file__).resolve().parents[2] / "sample_cards" / "grimble.json"
LLAMA3 = ("{{ '<|start_header_id|>' + m.role + '<|end_header_id|>\\n\\n' + m.content + '<|eot_id|>' }}"
          "{# <|start_header_id|>assistant<|end_header_id|> #}")
CHATML = "{{ '<|im_start|>' + m.role }}{# <|im_start|>user <|im_start|>assistant #}{{ '<|im_end|>' }}"


async def test_each_local_server_reports_its_chat_template(
    llamacpp_server: FakeLlamaCppServer, kobold_server: FakeKoboldServer, ollama_server: FakeOllamaServer
) -> None:
    llamacpp_server.chat_template = CHATML
    kobold_server.chat_template = LLAMA3
    ollama_server.template = "<|im_start|>{{ .Role }}<|im_end|>"
    profiles = [
        ConnectionProfile(name="l", kind="llamacpp", base_url=llamacpp_server.base_url, mode="text"),
        ConnectionProfile(name="k", kind="koboldcpp", base_url=kobold_server.base_url, mode="text"),
        ConnectionProfile(name="o", kind="ollama", base_url=ollama_server.base_url, mode="text",
                          model="qwen3:8b"),
    ]
    got = []
    for profile in profiles:
        backend = make_backend(profile)
        try:
            got.append(await backend.chat_template())  # type: ignore[attr-defined]
        finally:
            await backend.aclose()
    assert got == [CHATML, LLAMA3, "<|im_start|>{{ .Role }}<|im_end|>"]
    assert ("POST", "/api/show") in [(r.method, r.path) for r in ollama_server.requests]
    assert json.loads(ollama_server.requests[-1].body) == {"model": "qwen3:8b"}


async def test_servers_without_a_template_give_none(llamacpp_server: FakeLlamaCppServer,
                                                    kobold_server: FakeKoboldServer) -> None:
    for profile in (ConnectionProfile(name="l", kind="llamacpp", base_url=llamacpp_server.base_url, mode="text"),
                    ConnectionProfile(name="k", kind="koboldcpp", base_url=kobold_server.base_url, mode="text")):
        backend = make_backend(profile)
        try:
            assert await backend.chat_template() is None  # type: ignore[attr-defined]
        finally:
            await backend.aclose()


async def test_auto_profile_derives_once_and_says_so(home: Path, llamacpp_server: FakeLlamaCppServer) -> None:
    llamacpp_server.chat_template = LLAMA3
    ctx = AppContext.open(home)
    ctx.profiles.save(ConnectionProfile(name="auto", kind="llamacpp", base_url=llamacpp_server.base_url,
                                        mode="text", instruct="auto"))
    session = ctx.open_chat(CARD, "auto", new=True, persist=False)
    before = session.build_prompt("normal", "hi")
    assert before.text.startswith("<|im_start|>")  # not read yet: ChatML, with a note saying so
    assert any("has not been read yet" in n for n in before.notes)
    derived = await derive_templates_for(session)
    assert derived is not None and derived.derived is not None and not derived.derived.sillytavern
    prompt = session.build_prompt("normal", "hi")
    assert "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>" in prompt.text
    assert prompt.notes[0].startswith("instruct: Llama 3 Instruct (derived from the server's chat template")
    assert await derive_templates_for(session) is derived
    assert [r.path for r in llamacpp_server.requests].count("/props") == 1
    await session.aclose()


def test_cli_prompt_reports_the_derivation_and_an_explicit_choice_wins(
    home: Path, llamacpp_server: FakeLlamaCppServer, capsys: pytest.CaptureFixture[str]
) -> None:
    llamacpp_server.chat_template = CHATML
    assert main(["connection", "add", "auto", "--kind", "llamacpp", "--url", llamacpp_server.base_url,
                 "--mode", "text", "--instruct", "auto"]) == 0
    capsys.readouterr()
    assert main(["prompt", "--card", str(CARD), "--connection", "auto", "-m", "hi", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["body"]["prompt"].endswith("<|im_start|>assistant\n")
    assert "instruct: ChatML (derived from the server's chat template: it uses" in data["notes"][0]
    assert main(["prompt", "--card", str(CARD), "--connection", "auto", "--instruct", "Alpaca", "-m", "hi",
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "### Instruction:" in data["body"]["prompt"]
    assert not any("derived" in n for n in data["notes"])


async def test_an_unreachable_server_is_not_asked_again_at_once(home: Path) -> None:
    ctx = AppContext.open(home)
    ctx.profiles.save(ConnectionProfile(name="down", kind="llamacpp", base_url="http://127.0.0.1:9",
                                        mode="text", instruct="auto"))
    session = ctx.open_chat(CARD, "down", new=True, persist=False)
    first = await derive_templates_for(session)
    assert first is not None and first.derived is None and "could not be read" in first.problem
    assert await derive_templates_for(session) is first
    assert not needs_derivation(session.profile)  # tried again only after RETRY_AFTER seconds
    prompt = session.build_prompt("normal", "hi")
    assert prompt.text.startswith("<|im_start|>")
    assert any(n.startswith("instruct: auto, but the server's chat template could not be read") for n in prompt.notes)
    await session.aclose()


async def test_send_derives_the_templates_before_the_budget_check_builds_the_prompt(
    home: Path, llamacpp_server: FakeLlamaCppServer
) -> None:
    # send() builds its budget-checked prompt itself (it no longer goes through generate()): the derivation
    # must still come first, or the first message of a chat goes out in the ChatML fallback.
    llamacpp_server.chat_template = LLAMA3
    ctx = AppContext.open(home)
    ctx.profiles.save(ConnectionProfile(name="auto-send", kind="llamacpp", base_url=llamacpp_server.base_url,
                                        mode="text", instruct="auto"))
    session = ctx.open_chat(CARD, "auto-send", new=True, persist=False)
    try:
        events = [event async for event in session.send("hi")]
    finally:
        await session.aclose()
    assert not [event for event in events if isinstance(event, Failed)]
    sent = [json.loads(r.body) for r in llamacpp_server.requests if r.path == "/completion"]
    assert len(sent) == 1
    assert "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>" in sent[0]["prompt"]
