"""`prompt` counts with the connection's own tokenizer when it has one (issue 4), else offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tavo_tui.cli import main
from tests.fakes.openai_server import FakeOpenAIServer

CARD = Path(__file__).resolve().parents[2] / "sample_cards" / "grimble.json"


def tokens(capsys: pytest.CaptureFixture[str], *extra: str) -> dict:  # type: ignore[type-arg]
    capsys.readouterr()
    assert main(["prompt", "--card", str(CARD), "--connection", "local", "-m", "hi", "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)["tokens"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("tokenizer", ["llama.cpp", "llama-cpp-python"])
def test_server_tokenizer_counts_every_section(home: Path, capsys: pytest.CaptureFixture[str],
                                               openai_server: FakeOpenAIServer, tokenizer: str) -> None:
    openai_server.tokenizer = tokenizer
    main(["connection", "add", "local", "--url", openai_server.base_url])
    counted = tokens(capsys)
    assert counted["method"].startswith("server tokenizer (openai-compatible)")
    # llama.cpp counts the whole templated request; llama-cpp-python only texts (the framing is estimated).
    assert counted["exact"] is (tokenizer == "llama.cpp")
    assert counted["total"] == sum(counted["sections"].values())
    asked = [r for r in openai_server.requests if "tokenize" in r.path]
    assert len(asked) >= len(counted["sections"]) - 1  # one request per distinct section text
    offline = tokens(capsys, "--offline-tokens")
    assert offline["method"].startswith("tiktoken")
    assert offline["sections"].keys() <= counted["sections"].keys() | {"(message framing)"}


def test_no_tokenizer_falls_back_to_offline(home: Path, capsys: pytest.CaptureFixture[str],
                                            openai_server: FakeOpenAIServer) -> None:
    main(["connection", "add", "local", "--url", openai_server.base_url])
    assert tokens(capsys)["method"].startswith("tiktoken")
