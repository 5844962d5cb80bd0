"""The CLI does its work through the session API: what it gained by routing through it, through the real parser
(library import of folders, model listing and scripted history through the session helpers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tavo_tui.cli import main
from tavo_tui.session import AppContext
from tavo_tui.session.errors import StoreError
from tavo_tui.session.scripted import RunInputs, add_history, apply_inputs, read_lorebook
from tests.fakes.openai_server import FakeOpenAIServer, error

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_cards"
CARD = SAMPLES / "maren_holloway.png"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_card_import_takes_a_folder_like_the_tui_import(home: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "sable.json").write_bytes((SAMPLES / "sable.json").read_bytes())
    (folder / "notes.txt").write_text("not a card", encoding="utf-8")
    code, out, err = run(capsys, "card", "import", str(folder))
    assert code == 0 and (home / "data" / "cards" / "sable.json").is_file()
    assert out.startswith("imported 'Sable") and "notes.txt" in err and "not a card file" in err


def test_connection_models_lists_and_filters_through_the_session(home: Path, capsys: pytest.CaptureFixture[str],
                                                                 openai_server: FakeOpenAIServer) -> None:
    run(capsys, "connection", "add", "up", "--url", openai_server.root)
    code, out, _ = run(capsys, "connection", "models", "up", "--filter", "-2")
    assert code == 0 and out.splitlines() == ["fake-model-2"]
    openai_server.script.append(error(500, {"error": {"message": "model list broke"}}, path="/models"))
    code, _, err = run(capsys, "connection", "models", "up")
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err


def test_history_alternates_and_inputs_apply_for_the_run_only(home: Path, tmp_path: Path) -> None:
    ctx = AppContext.open(home, user_name="Ann")
    session = ctx.open_chat(CARD, new=True, persist=False)
    add_history(session, ["one", "two", "three"])
    assert [(m.is_user, m.mes) for m in session.messages][1:] == [(True, "one"), (False, "two"), (True, "three")]
    assert session.messages[2].name == session.card.name
    apply_inputs(session, RunInputs(persona="A lighthouse keeper.", max_tokens=77, mode="text"))
    assert session.profile.max_tokens == 77 and session.profile.mode == "text"
    assert "A lighthouse keeper." in session.inspect().prompt.text
    assert ctx.profiles.get(session.profile.name).max_tokens != 77  # the stored profile is untouched


def test_a_lorebook_that_is_not_one_says_so(tmp_path: Path) -> None:
    wrong = tmp_path / "card.json"
    wrong.write_text(json.dumps({"name": "not a lorebook"}), encoding="utf-8")
    with pytest.raises(StoreError, match="no \"entries\""):
        read_lorebook(wrong)
    with pytest.raises(StoreError, match="cannot read"):
        read_lorebook(tmp_path / "missing.json")
