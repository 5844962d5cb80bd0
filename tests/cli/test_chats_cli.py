"""`tavo-tui chat ...`, `tavo-tui persona ...` and `send --chat`: what a script sees (stdout, exit codes, files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tavo_tui.cli import main
from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext
from tests.fakes.openai_server import FakeOpenAIServer

ROOT = Path(__file__).resolve().parents[2]
CARD = ROOT / "sample_cards" / "maren_holloway.png"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_export_round_trip_and_list(home: Path, corpus: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    source = corpus / "chats" / "st_Aqua_2023-01_minimal.jsonl"
    code, out, err = run(capsys, "chat", "import", str(source), "--card", str(CARD))
    assert code == 0, err
    chat_id = out.strip()
    assert chat_id == "maren_holloway/st_Aqua_2023-01_minimal"
    target = tmp_path / "back.jsonl"
    assert run(capsys, "chat", "export", chat_id, "--format", "jsonl", "-o", str(target))[0] == 0
    original = source.read_text(encoding="utf-8").splitlines()
    assert [json.loads(x) for x in target.read_text(encoding="utf-8").splitlines()] == [json.loads(x) for x in original]
    code, out, _ = run(capsys, "chat", "export", chat_id, "--format", "md")
    assert code == 0 and out.startswith("# st_Aqua_2023-01_minimal") and "goddess of water" in out
    code, out, _ = run(capsys, "chat", "list", "--card", str(CARD), "--json")
    (entry,) = json.loads(out)
    assert entry["id"] == chat_id and entry["messages"] == 1 and entry["last_name"] == "Aqua"
    code, out, _ = run(capsys, "chat", "list")
    assert out.startswith(chat_id + "\t1 messages\tAqua: *I am in the town square")


def test_send_continues_a_stored_chat(home: Path, openai_server: FakeOpenAIServer,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    AppContext.open(home).profiles.save(ConnectionProfile(name="local", base_url=openai_server.base_url,
                                                          model="fake-model"))
    code, out, _ = run(capsys, "chat", "new", "--card", str(CARD), "--greeting", "1")
    chat_id = out.strip()
    assert code == 0 and chat_id.startswith("maren_holloway/Maren Holloway - ")
    openai_server.reply = "Stored reply."
    code, out, err = run(capsys, "send", "--chat", chat_id, "--card", str(CARD), "--connection", "local", "Hi")
    assert code == 0, err
    assert out.strip() == "Stored reply."
    # The greeting chosen at `chat new` is in the request, and both new messages are in the file.
    body = openai_server.requests[-1].json()
    card = AppContext.open(home).load_card(CARD)
    assert body["messages"][-2]["content"].startswith(card.greetings()[1][:30])
    code, out, _ = run(capsys, "send", "--chat", chat_id, "--library", str(CARD.parent), "--connection", "local",
                       "Again")
    assert code == 0
    path = home / "data" / "chats" / f"{chat_id}.jsonl"
    mes = [json.loads(x)["mes"] for x in path.read_text(encoding="utf-8").splitlines()[1:]]
    assert mes[1:] == ["Hi", "Stored reply.", "Again", "Stored reply."]
    # prompt --chat shows what the next send would carry, and writes nothing.
    code, out, _ = run(capsys, "prompt", "--chat", chat_id, "--card", str(CARD), "--connection", "local", "--json")
    assert code == 0 and json.loads(out)["body"]["messages"][-1]["content"] == "Stored reply."
    assert len(path.read_text(encoding="utf-8").splitlines()) == 6


def test_send_errors_are_one_line(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "send", "--chat", "nobody/nothing", "Hi")
    assert code == 1 and err.startswith("tavo-tui: no chat with id") and "Traceback" not in err
    code, out, _ = run(capsys, "chat", "new", "--card", str(CARD))
    code, _, err = run(capsys, "send", "--chat", out.strip(), "Hi")
    assert code == 1 and "pass --card PATH" in err
    code, _, err = run(capsys, "send", "--chat", out.strip(), "--card", str(CARD), "-m", "x", "Hi")
    assert code == 1 and "cannot be combined" in err
    code, _, err = run(capsys, "send", "Hi")
    assert code == 1 and "--card" in err


def test_send_to_a_chat_open_elsewhere_is_refused(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    session = AppContext.open(home).open_chat(CARD)
    session.rewrite_file()
    assert session.ref is not None
    code, _, err = run(capsys, "send", "--chat", session.ref.id, "--card", str(CARD), "Hi")
    assert code == 1 and "read-only" in err
    code, _, err = run(capsys, "chat", "delete", session.ref.id, "--yes")
    assert code == 1 and "another tavo-tui process" in err
    session.close()


def test_rename_search_delete(home: Path, capsys: pytest.CaptureFixture[str], corpus: Path) -> None:
    _, out, _ = run(capsys, "chat", "import", str(corpus / "chats" / "st_Aqua_2023-01_minimal.jsonl"),
                    "--card", str(CARD))
    code, out, _ = run(capsys, "chat", "rename", out.strip(), "Axel morning")
    new_id = out.strip()
    assert code == 0 and new_id == "maren_holloway/Axel morning"
    code, out, _ = run(capsys, "chat", "search", "GODDESS")
    assert code == 0 and out.startswith(f"{new_id}#0\tAqua: ") and "goddess of water" in out
    assert run(capsys, "chat", "search", "no such words anywhere")[0] == 1
    code, _, err = run(capsys, "chat", "delete", new_id)  # stdin is not a terminal under pytest
    assert code == 1 and "--yes" in err
    assert run(capsys, "chat", "delete", new_id, "--yes")[0] == 0
    assert run(capsys, "chat", "list")[1] == ""


def test_personas_cli_and_user_macro(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "persona", "add", "Rook", "--description", "A cartographer.", "--default")
    assert code == 0 and out.strip() == "rook"
    run(capsys, "persona", "add", "Vale", "--position", "9")
    code, out, _ = run(capsys, "persona", "list")
    assert out.splitlines()[0].startswith("* rook\tRook\tin prompt") and "vale\tVale\tnone" in out
    code, out, _ = run(capsys, "prompt", "--card", str(CARD), "--json")
    body = json.dumps(json.loads(out)["body"])
    assert "A cartographer." in body and "Rook" in body
    assert run(capsys, "persona", "default", "Vale")[0] == 0
    code, out, _ = run(capsys, "prompt", "--card", str(CARD), "--json")
    assert "A cartographer." not in out and "Vale" in out
    code, _, err = run(capsys, "persona", "default", "Nobody")
    assert code == 1 and "no persona" in err
