"""Token figures as the server sees them (issue 14): llama.cpp's chat template and BOS counted, the rest
labelled an estimate. The fakes tokenize deterministically (tests/fakes/openai_server.py: `fake_tokenize`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tavo_tui.cli import main
from tavo_tui.model import AssembledPrompt, ConnectionProfile, PromptSection
from tavo_tui.session import AppContext
from tests.fakes.local_servers import FakeLlamaCppServer
from tests.fakes.openai_server import FakeOpenAIServer, apply_chatml, error, fake_tokenize

CARD = Path(__file__).resolve().parents[2] / "sample_cards" / "grimble.json"


def prompt(capsys: pytest.CaptureFixture[str], *extra: str) -> dict:  # type: ignore[type-arg]
    capsys.readouterr()
    code = main(["prompt", "--card", str(CARD), "--connection", "local", "-m", "hi there", "--json", *extra])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_llamacpp_chat_counts_the_templated_prompt_the_server_evaluates(
        home: Path, capsys: pytest.CaptureFixture[str], llamacpp_server: FakeLlamaCppServer) -> None:
    llamacpp_server.report_evaluated = True
    AppContext.open(home).profiles.save(ConnectionProfile(name="local", kind="llamacpp",
                                                          base_url=llamacpp_server.root, mode="chat"))
    data = prompt(capsys)
    tokens, messages = data["tokens"], data["body"]["messages"]
    evaluated = llamacpp_server.evaluated(apply_chatml(messages))
    assert tokens["total"] == evaluated and tokens["exact"] is True
    assert "chat template applied" in tokens["method"]
    # The sections alone miss the template's tokens (and BOS): they show as the framing row.
    assert tokens["sections"]["(message framing)"] == evaluated - sum(
        len(fake_tokenize(m["content"])) for m in messages)
    asked = [r for r in llamacpp_server.requests if r.path == "/apply-template"]
    assert asked and asked[-1].json() == {"messages": messages}


def test_llamacpp_text_counts_the_bos_token(home: Path, capsys: pytest.CaptureFixture[str],
                                            llamacpp_server: FakeLlamaCppServer) -> None:
    llamacpp_server.report_evaluated = True
    AppContext.open(home).profiles.save(ConnectionProfile(name="local", kind="llamacpp",
                                                          base_url=llamacpp_server.root, mode="text"))
    data = prompt(capsys)
    text = data["body"]["prompt"]
    assert data["tokens"]["total"] == len(fake_tokenize(text)) + 1 == llamacpp_server.evaluated(text)
    assert data["tokens"]["exact"] is True and "special tokens included" in data["tokens"]["method"]
    tokenized = [r.json() for r in llamacpp_server.requests if r.path == "/tokenize"]
    assert {"content": text, "add_special": True} in tokenized


def test_without_a_template_endpoint_the_framing_is_a_labelled_estimate(
        home: Path, capsys: pytest.CaptureFixture[str], openai_server: FakeOpenAIServer) -> None:
    openai_server.tokenizer = "llama-cpp-python"  # counts text, has no /apply-template
    AppContext.open(home).profiles.save(ConnectionProfile(name="local", base_url=openai_server.base_url))
    tokens = prompt(capsys)["tokens"]
    assert tokens["exact"] is False and "estimated framing" in tokens["method"]
    assert tokens["total"] > sum(n for name, n in tokens["sections"].items() if name != "(message framing)")


async def test_a_build_without_apply_template_is_asked_once(openai_server: FakeOpenAIServer) -> None:
    from tavo_tui.backends.registry import make_backend
    from tavo_tui.session.inspection import Inspection
    from tavo_tui.session.server_tokens import ServerTokenCache, count_on_server

    openai_server.tokenizer = "llama.cpp"
    openai_server.script.append(error(404, {"error": {"code": 404, "message": "File Not Found"}},
                                      path="/apply-template"))
    backend = make_backend(ConnectionProfile(name="local", kind="llamacpp", api="openai",
                                             base_url=openai_server.root), None)
    cache = ServerTokenCache()
    try:
        for text in ("one", "two words"):
            prompt = AssembledPrompt(mode="chat", messages=[{"role": "user", "content": text}], max_context=100,
                                     sections=[PromptSection(name="m", source="pending", content=text)])
            refined = await count_on_server(backend, Inspection(prompt, backend.prepare(prompt)), cache,
                                            label="llamacpp")
            assert refined is not None and refined.prompt.token_exact is False  # framing estimated, labelled
            assert refined.prompt.token_total == len(text.split()) + 4 + 3
    finally:
        await backend.aclose()
    assert [r.path for r in openai_server.requests].count("/apply-template") == 1
