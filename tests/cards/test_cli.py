"""`tavo-tui card ...` through the real argument parser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tavo_tui.cards import read_card
from tavo_tui.cli import main
from tests.cards.helpers import b64json, png_with, text, v2


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_show_human_and_json(capsys: pytest.CaptureFixture[str], sample_cards: Path) -> None:
    code, out, _ = run(capsys, "card", "show", str(sample_cards / "tamsin_reed.png"))
    assert code == 0 and "Tamsin Reed" in out and "png-v3" in out and "Lorebook:   5 entries" in out
    code, out, _ = run(capsys, "card", "show", "--json", str(sample_cards / "tamsin_reed.png"))
    obj = json.loads(out)
    assert code == 0 and obj["spec"] == "chara_card_v3" and obj["data"]["name"] == "Tamsin Reed"
    assert len(obj["data"]["character_book"]["entries"]) == 5


def test_show_json_escapes_controls_and_a_pipe_gets_the_exact_text(capsys: pytest.CaptureFixture[str],
                                                                     tmp_path: Path) -> None:
    # On a terminal the controls are shown instead (tests/cli/test_terminal_output.py runs it in a pty).
    p = tmp_path / "evil.json"
    p.write_text(json.dumps(v2(name="Evil\x1b]0;pwned\x07", description="\x1b[2Jclear\x9b")), "utf-8")
    code, out, _ = run(capsys, "card", "show", "--json", str(p))
    assert code == 0 and "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert json.loads(out)["data"]["name"] == "Evil\x1b]0;pwned\x07"
    code, out, _ = run(capsys, "card", "show", str(p))
    assert code == 0 and "Evil\x1b]0;pwned\x07" in out and "\x1b[2Jclear\x9b" in out


def test_show_missing_or_bad_file_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "card", "show", str(tmp_path / "none.png"))
    assert code == 1 and out == "" and err.count("\n") == 1 and "none.png" in err
    bad = tmp_path / "bad.png"
    bad.write_bytes(png_with(text("chara", b"%%%")))
    code, _, err = run(capsys, "card", "show", str(bad))
    assert code == 1 and "bad.png" in err and "base64" in err and "Traceback" not in err


def test_validate(capsys: pytest.CaptureFixture[str], sample_cards: Path, tmp_path: Path) -> None:
    good = sorted(sample_cards.iterdir())
    code, out, _ = run(capsys, "card", "validate", *map(str, good))
    assert code == 0 and out.count("\n") == len(good) and all(line.startswith("OK") for line in out.splitlines())
    broken = tmp_path / "broken.json"
    broken.write_text("{nope", "utf-8")
    code, out, _ = run(capsys, "card", "validate", str(good[0]), str(broken))
    lines = out.splitlines()
    assert code == 1 and len(lines) == 2 and lines[1].startswith("FAIL") and "broken.json" in lines[1]


def test_validate_corpus_reports_the_plain_png(capsys: pytest.CaptureFixture[str], corpus: Path) -> None:
    files = sorted((corpus / "cards").iterdir())
    code, out, _ = run(capsys, "card", "validate", *map(str, files))
    fails = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert code == 1 and len(fails) == 1 and "plainpng_nocard" in fails[0]


@pytest.mark.parametrize("ext", [".png", ".json", ".charx"])
def test_convert(capsys: pytest.CaptureFixture[str], sample_cards: Path, tmp_path: Path, ext: str) -> None:
    src = sample_cards / "sable.json"
    dst = tmp_path / f"sable{ext}"
    code, out, _ = run(capsys, "card", "convert", str(src), str(dst))
    assert code == 0 and dst.exists() and "wrote" in out
    assert read_card(dst).card == read_card(src).card
    code, _, err = run(capsys, "card", "convert", str(src), str(dst))
    assert code == 1 and "already exists" in err
    assert run(capsys, "card", "convert", "--force", str(src), str(dst))[0] == 0


def test_convert_v2_json_and_bad_extension(capsys: pytest.CaptureFixture[str], sample_cards: Path,
                                           tmp_path: Path) -> None:
    dst = tmp_path / "m.json"
    assert run(capsys, "card", "convert", "--v2", str(sample_cards / "maren_holloway.png"), str(dst))[0] == 0
    assert json.loads(dst.read_text("utf-8"))["spec"] == "chara_card_v2"
    code, _, err = run(capsys, "card", "convert", str(sample_cards / "sable.json"), str(tmp_path / "x.txt"))
    assert code == 1 and "x.txt" in err and ".png, .json or .charx" in err


def test_import_copies_into_cards_dir(capsys: pytest.CaptureFixture[str], sample_cards: Path, tmp_path: Path,
                                     home: Path) -> None:
    lying = tmp_path / "sneaky:name.json"
    lying.write_bytes(png_with(text("chara", b64json(v2(name="../../x")))))  # a PNG named .json
    code, out, _ = run(capsys, "card", "import", str(sample_cards / "sable.json"), str(lying),
                       str(sample_cards / "sable.json"), "--on-duplicate", "keep-both")  # else refused
    cards = home / "data" / "cards"
    names = sorted(p.name for p in cards.iterdir())
    assert code == 0 and names == ["sable (2).json", "sable.json", "sneaky_name.png"], names
    assert read_card(cards / "sneaky_name.png").card.name == "../../x"
    assert out.count("imported") == 3


def test_import_refuses_non_cards(capsys: pytest.CaptureFixture[str], tmp_path: Path, home: Path) -> None:
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"\x89PNG\r\n\x1a\nnothing")
    code, out, _ = run(capsys, "card", "import", str(junk))
    assert code == 1 and out.startswith("FAIL") and not (home / "data" / "cards" / "junk.png").exists()
