"""`tavo-tui worldinfo ...`: lorebook files, the global selection and the world-info settings, and `prompt`
using them for every chat (in-process, fast)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tavo_tui.cli import main
from tests.fakes.openai_server import FakeOpenAIServer

from .test_prompt_flags import GRIMBLE, contents, prompt_json


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def book(tmp_path: Path, name: str, key: str, content: str, **entry: object) -> Path:
    path = tmp_path / f"{name}.json"
    data = {"entries": {"0": {"uid": 0, "key": [key], "keysecondary": [], "comment": f"{name} entry",
                              "content": content, "constant": False, "selective": True, "order": 100,
                              "position": 0, "disable": False, "futureField": {"kept": [1, 2]}, **entry}},
            "extensions": {"somebody": "else"}}
    path.write_text(json.dumps(data), "utf-8")
    return path


def test_corpus_world_file_round_trips(home: Path, corpus: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    source = corpus / "worldinfo" / "st_Eldoria_2024.json"
    code, out, _ = run(capsys, "worldinfo", "import", str(source))
    assert code == 0 and "'st_Eldoria_2024'" in out
    target = tmp_path / "out.json"
    assert run(capsys, "worldinfo", "export", "st_Eldoria_2024", "-o", str(target))[0] == 0
    assert json.loads(target.read_text("utf-8")) == json.loads(source.read_text("utf-8"))
    code, out, _ = run(capsys, "worldinfo", "export", "st_Eldoria_2024")
    assert code == 0 and json.loads(out) == json.loads(source.read_text("utf-8"))
    code, out, _ = run(capsys, "worldinfo", "list", "--json")
    entries = len(json.loads(source.read_text("utf-8"))["entries"])
    assert json.loads(out) == [{"name": "st_Eldoria_2024", "entries": entries, "global": False, "error": None}]
    code, out, _ = run(capsys, "worldinfo", "show", "st_Eldoria_2024")
    assert code == 0 and f"{entries} entries" in out and "eldoria" in out


def test_import_names_and_bad_input(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = book(tmp_path, "Lore", "lantern", "A")
    assert run(capsys, "worldinfo", "import", str(src), "--name", "Other Name")[0] == 0
    code, _, err = run(capsys, "worldinfo", "import", str(src), "--name", "Other Name")
    assert code == 2 and "exists" in err and err.count("\n") == 1
    assert run(capsys, "worldinfo", "import", str(src), "--name", "Other Name", "--replace")[0] == 0
    for bad_name in ("../escape", "a/b"):
        code, _, err = run(capsys, "worldinfo", "import", str(src), "--name", bad_name)
        assert code == 2 and "cannot be a lorebook name" in err
    not_book = tmp_path / "card.json"
    not_book.write_text(json.dumps({"name": "x"}), "utf-8")
    code, _, err = run(capsys, "worldinfo", "import", str(not_book))
    assert code == 2 and "no \"entries\"" in err and "Traceback" not in err
    code, _, err = run(capsys, "worldinfo", "show", "Nope")
    assert code == 2 and "no lorebook 'Nope'" in err
    assert [r["name"] for r in json.loads(run(capsys, "worldinfo", "list", "--json")[1])] == ["Other Name"]


def test_global_selection_and_prompt(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name, key, content in (("Roads", "lantern", "GLOBAL-ROADS-LORE"), ("Seas", "ship", "GLOBAL-SEAS-LORE")):
        assert run(capsys, "worldinfo", "import", str(book(tmp_path, name, key, content)))[0] == 0
    before = contents(prompt_json(capsys, "-m", "Is the lantern lit?"))
    assert "GLOBAL-ROADS-LORE" not in before
    code, out, _ = run(capsys, "worldinfo", "global", "Roads", "--json")
    assert code == 0 and json.loads(out) == ["Roads"]
    after = contents(prompt_json(capsys, "-m", "Is the lantern lit?"))
    assert "GLOBAL-ROADS-LORE" in after and "GLOBAL-SEAS-LORE" not in after
    assert json.loads(run(capsys, "worldinfo", "global", "--add", "Seas", "--json")[1]) == ["Roads", "Seas"]
    both = contents(prompt_json(capsys, "-m", "A ship by the lantern"))
    assert "GLOBAL-ROADS-LORE" in both and "GLOBAL-SEAS-LORE" in both
    assert json.loads(run(capsys, "worldinfo", "global", "--remove", "Roads", "--json")[1]) == ["Seas"]
    assert "GLOBAL-ROADS-LORE" not in contents(prompt_json(capsys, "-m", "Is the lantern lit?"))
    code, _, err = run(capsys, "worldinfo", "global", "--add", "Missing")
    assert code == 2 and "no lorebook 'Missing'" in err
    code, _, err = run(capsys, "worldinfo", "global", "--remove", "Roads")
    assert code == 2 and "not in the global selection" in err
    assert json.loads(run(capsys, "worldinfo", "list", "--json")[1])[1]["global"] is True  # Seas
    assert json.loads(run(capsys, "worldinfo", "global", "--none", "--json")[1]) == []


def test_settings_change_prompts_and_keep_unknown_keys(home: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "worldinfo", "import", str(book(tmp_path, "Roads", "Lantern", "GLOBAL-ROADS-LORE")))[0] == 0
    assert run(capsys, "worldinfo", "global", "Roads")[0] == 0
    code, out, _ = run(capsys, "worldinfo", "settings", "--json")
    defaults = json.loads(out)
    assert defaults["scan_depth"] == 2 and defaults["insertion_strategy"] == "character_first"
    assert defaults["budget"] == 25 and defaults["whole_words"] is True
    assert "GLOBAL-ROADS-LORE" in contents(prompt_json(capsys, "-m", "the lantern"))
    # Case-sensitive matching: "lantern" no longer matches the key "Lantern", for every chat.
    code, out, _ = run(capsys, "worldinfo", "settings", "--case-sensitive", "on", "--insertion-strategy",
                       "global_first", "--json")
    changed = json.loads(out)
    assert code == 0 and changed["case_sensitive"] is True and changed["insertion_strategy"] == "global_first"
    assert "GLOBAL-ROADS-LORE" not in contents(prompt_json(capsys, "-m", "the lantern"))
    assert "GLOBAL-ROADS-LORE" in contents(prompt_json(capsys, "-m", "the Lantern"))
    # The file is SillyTavern's world_info_settings layout; keys written by someone else stay.
    stored = home / "data" / "worldinfo.json"
    data = json.loads(stored.read_text("utf-8"))
    assert data["world_info_case_sensitive"] is True and data["world_info_character_strategy"] == 2
    assert data["world_info"]["globalSelect"] == ["Roads"]
    data["someday"] = {"x": 1}
    stored.write_text(json.dumps(data), "utf-8")
    assert run(capsys, "worldinfo", "settings", "--scan-depth", "0")[0] == 0
    assert json.loads(stored.read_text("utf-8"))["someday"] == {"x": 1}
    assert "GLOBAL-ROADS-LORE" not in contents(prompt_json(capsys, "-m", "the Lantern"))  # depth 0: no scan
    for argv, says in ((("--budget", "0"), "budget"), (("--insertion-strategy", "random"), "insertion strategy"),
                       (("--scan-depth", "-1"), "depth")):
        code, _, err = run(capsys, "worldinfo", "settings", *argv)
        assert code == 2 and says in err and err.count("\n") == 1
    with pytest.raises(SystemExit) as exited:  # argparse's own refusal: usage and one error line, exit 2
        main(["worldinfo", "settings", "--recursive", "maybe"])
    assert exited.value.code == 2 and "expected on or off" in capsys.readouterr().err
    assert json.loads(run(capsys, "worldinfo", "settings", "--json")[1])["scan_depth"] == 0  # nothing lost


def test_a_chat_book_that_is_also_global_is_loaded_once(home: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from tavo_tui.session import AppContext

    assert run(capsys, "worldinfo", "import", str(book(tmp_path, "Roads", "lantern", "ONCE-ONLY")))[0] == 0
    assert run(capsys, "worldinfo", "global", "Roads")[0] == 0
    ctx = AppContext.open(home)
    session = ctx.open_chat(GRIMBLE, persist=False)
    session.metadata["world_info"] = "Roads"
    text = "\n".join(s.content for s in session.build_prompt(pending="the lantern").sections)
    assert text.count("ONCE-ONLY") == 1
    assert session.lorebooks() == session.lorebooks() and len(session.lorebooks()) == 1
    assert session.lorebooks()[0] is session.lorebooks()[0]  # the same object while the file is unchanged


def test_send_carries_the_global_books_entry(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             openai_server: FakeOpenAIServer) -> None:
    assert run(capsys, "worldinfo", "import", str(book(tmp_path, "Roads", "lantern", "GLOBAL-ROADS-LORE")))[0] == 0
    assert run(capsys, "worldinfo", "global", "--add", "Roads")[0] == 0
    run(capsys, "connection", "add", "local", "--url", openai_server.base_url, "--model", "fake-model")
    code, out, _ = run(capsys, "send", "--card", str(GRIMBLE), "--connection", "local", "Is the lantern lit?")
    assert code == 0 and out == openai_server.reply + "\n"
    assert b"GLOBAL-ROADS-LORE" in openai_server.requests[-1].body
