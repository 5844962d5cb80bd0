"""`tavo-tui prompt` reproduces any prompt from a shell: every input has a flag (issue 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tavo_tui.cli import main
from tests.fakes.openai_server import FakeOpenAIServer

ROOT = Path(__file__).resolve().parents[2]
GRIMBLE = ROOT / "sample_cards" / "grimble.json"  # a card without a lorebook


def prompt_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:  # type: ignore[type-arg]
    code = main(["prompt", "--card", str(GRIMBLE), *argv, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def contents(data: dict) -> str:  # type: ignore[type-arg]
    body = data["body"]
    return body["prompt"] if "prompt" in body else "\n".join(m["content"] for m in body["messages"])


def test_persona_and_author_note(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = prompt_json(capsys, "-m", "hi")
    data = prompt_json(capsys, "-m", "hi", "--persona", "A tall lantern-maker.",
                       "--author-note", "Keep replies under 50 words.", "--author-note-depth", "0")
    assert "A tall lantern-maker." in contents(data) and "A tall lantern-maker." not in contents(plain)
    messages = data["body"]["messages"]
    # Depth 0: after the last chat message.
    assert messages[-1]["content"] == "Keep replies under 50 words."
    assert messages[-2]["content"] == "hi"


def test_lorebook_file_fires_on_keywords(home: Path, corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = corpus / "worldinfo" / "st_Eldoria_2024.json"
    quiet = prompt_json(capsys, "--lorebook", str(book), "-m", "Nice weather.")
    fired = prompt_json(capsys, "--lorebook", str(book), "-m", "What lives in the forest?")
    assert "What is Eldoria?" not in contents(quiet)
    assert "What is Eldoria?" in contents(fired)


def test_text_mode_with_named_and_file_instruct(home: Path, reference: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    llama = prompt_json(capsys, "--mode", "text", "--instruct", "Llama 3 Instruct", "-m", "hi")
    assert "<|start_header_id|>" in llama["body"]["prompt"]
    preset = reference / "st-golden" / "inputs" / "instruct_ChatML.json"
    chatml = prompt_json(capsys, "--mode", "text", "--instruct", str(preset), "-m", "hi")
    assert chatml["body"]["prompt"].endswith("<|im_start|>assistant\n")


def test_sillytavern_chat_file_supplies_history(home: Path, corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chat = corpus / "chats" / "st_Aqua_2023-01_minimal.jsonl"
    data = prompt_json(capsys, "--chat", str(chat))
    lines = [json.loads(x) for x in chat.read_text(encoding="utf-8").splitlines() if x.strip()]
    last = [x for x in lines if "mes" in x][-1]["mes"]
    assert data["body"]["messages"][-1]["content"].endswith(last.strip()[-20:])


def test_converter_and_budget_flags(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    single = prompt_json(capsys, "--converter", "single", "-m", "hi")
    assert [m["role"] for m in single["body"]["messages"]] == ["user"]
    long = ["-m", "word " * 300] * 9
    small = prompt_json(capsys, *long, "--max-context", "1200", "--max-tokens", "100")
    assert small["tokens"]["max_context"] == 1200 and small["body"]["max_tokens"] == 100
    assert small["tokens"]["total"] <= 1200 - 100


def test_bad_preset_is_one_clear_error(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["prompt", "--card", str(GRIMBLE), "--mode", "text", "--instruct", "No Such Template"])
    _, err = capsys.readouterr()
    assert code == 1 and "No Such Template" in err and err.count("\n") == 1


def test_send_with_flags_sends_the_printed_body(home: Path, capsys: pytest.CaptureFixture[str],
                                                openai_server: FakeOpenAIServer) -> None:
    main(["connection", "add", "local", "--url", openai_server.base_url])
    flags = ["--card", str(GRIMBLE), "--connection", "local", "--persona", "P.", "--author-note", "AN.",
             "--mode", "text", "--instruct", "Alpaca", "--max-tokens", "77"]
    capsys.readouterr()
    assert main(["prompt", *flags, "-m", "hello", "--json"]) == 0
    out = capsys.readouterr().out
    body = out[out.index('"body":') + len('"body":'): out.index(',"tokens":')]
    assert main(["send", *flags, "hello"]) == 0
    assert openai_server.requests[-1].body == body.encode("utf-8")
    assert openai_server.requests[-1].path.endswith("/completions")
