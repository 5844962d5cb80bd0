"""Sampler presets: SillyTavern files round-trip, stored presets apply to connections, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tavo_tui.cli import main
from tavo_tui.model import ConnectionProfile, SamplerSettings
from tavo_tui.model.sampler_preset import SamplerPreset
from tavo_tui.session import AppContext
from tavo_tui.session.sampler_presets import (
    apply_preset,
    effective_profile,
    export_preset,
    import_preset,
    kind_samplers,
    list_presets,
    preset_problem,
    save_preset,
)
from tavo_tui.store import StoreError

ROOT = Path(__file__).resolve().parents[2]
GRIMBLE = ROOT / "sample_cards" / "grimble.json"
TEXTGEN = {"temp": 0.7, "top_k": 0, "min_p": 0.05, "rep_pen": 1.1, "seed": -1, "genamt": 180, "max_length": 6144,
           "dry_sequence_breakers": "[\"\\n\", \":\", \"\\\"\", \"*\"]", "banned_tokens": "", "logit_bias": [],
           "sampler_order": [6, 0, 1, 3, 4, 2, 5], "a_key_we_do_not_know": [1, {"x": None}]}  # fmt: skip


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, indent=4), encoding="utf-8")
    return path


def st_textgen_settings(reference: Path) -> dict[str, Any]:
    """SillyTavern 1.18's live TextGen settings (what its preset files hold), from a captured settings.json."""
    settings = json.loads((reference / "st-golden" / "A_cc_custom.settings.json").read_text(encoding="utf-8"))
    data: dict[str, Any] = settings["textgenerationwebui_settings"]
    return {**data, "genamt": settings["amount_gen"], "max_length": settings["max_context"]}


def test_sillytavern_files_round_trip(home: Path, tmp_path: Path, reference: Path) -> None:
    ctx = AppContext.open(home)
    sources = {
        "openai": reference / "st-golden" / "inputs" / "openai_preset_Default.json",
        "textgen": write(tmp_path / "ST 1.18.json", st_textgen_settings(reference)),
    }
    for fmt, source in sources.items():
        preset = import_preset(ctx, source)
        assert preset.format == fmt
        out = tmp_path / f"out-{fmt}.json"
        export_preset(ctx, preset.name, out)
        assert json.loads(out.read_text(encoding="utf-8")) == json.loads(source.read_text(encoding="utf-8"))
        # Writing every sampler back as read changes nothing either.
        assert preset.with_values(preset.values()).data == preset.data
    assert {(e.name, e.format) for e in list_presets(ctx)} == {("openai_preset_Default", "openai"),
                                                               ("ST 1.18", "textgen")}  # fmt: skip
    assert (home / "data" / "TextGen Settings" / "ST 1.18.json").is_file()


def test_values_and_edits_use_sillytavern_keys() -> None:
    preset = SamplerPreset.from_sillytavern("p", TEXTGEN)
    values = preset.values()
    assert values["temperature"] == 0.7 and values["repetition_penalty"] == 1.1 and values["top_k"] == 0
    assert values["seed"] is None and values["banned_tokens"] is None  # -1 = random, "" = none: not sent
    assert values["dry_sequence_breakers"] == ["\n", ":", '"', "*"]
    assert preset.context_size() == 6144 and preset.reply_length() == 180
    edited = preset.with_values({"temperature": 1.2, "seed": 5, "dry_sequence_breakers": ["\n"],
                                 "banned_tokens": ['"hi"', "[3]"]}).with_lengths(reply_length=90)  # fmt: skip
    changed = {k for k in edited.data if edited.data[k] != TEXTGEN.get(k)}
    assert changed == {"temp", "seed", "dry_sequence_breakers", "banned_tokens", "genamt"}
    assert edited.data["dry_sequence_breakers"] == '["\\n"]' and edited.data["banned_tokens"] == '"hi"\n[3]'
    assert edited.with_values({"seed": None}).data["seed"] == -1
    with pytest.raises(ValueError, match="not a sampler"):
        preset.with_values({"openai_max_tokens": 3})
    kobold = SamplerPreset.from_sillytavern("k", {"temp": 0.7, "typical": 0.19, "mirostat": 2, "sampler_order": [6]})
    assert kobold.values()["typical_p"] == 0.19 and kobold.values()["mirostat_mode"] == 2
    assert kobold.with_values({"typical_p": 0.5}).data == {"temp": 0.7, "typical": 0.5, "mirostat": 2,
                                                           "sampler_order": [6]}  # KoboldAI Settings names kept
    openai = SamplerPreset.from_sillytavern("o", {"temperature": 1, "top_k": 0, "top_p": 1, "openai_max_tokens": 300})
    assert openai.format == "openai" and openai.values()["top_k"] is None  # 0 = off in OpenAI Settings


def test_connection_uses_its_preset_with_sillytavern_lengths(home: Path) -> None:
    ctx = AppContext.open(home)
    save_preset(ctx, SamplerPreset.from_sillytavern("Warm", TEXTGEN))
    base = ConnectionProfile(name="c", kind="llamacpp", mode="text", max_context=2048, max_tokens=50,
                             sampler=SamplerSettings(temperature=1.0, stop=["\nYou:"]), sampler_preset="Warm")
    used = effective_profile(ctx, base)
    assert used.sampler.temperature == 0.7 and used.sampler.min_p == 0.05 and used.sampler.stop == ["\nYou:"]
    assert (used.max_context, used.max_tokens) == (6144, 180)
    kept = effective_profile(ctx, base.model_copy(update={"preset_lengths": False}))
    assert (kept.max_context, kept.max_tokens) == (2048, 50) and kept.sampler.temperature == 0.7
    gone = base.model_copy(update={"sampler_preset": "Gone"})
    assert effective_profile(ctx, gone) == gone and "no sampler preset named 'Gone'" in str(preset_problem(ctx, gone))
    assert apply_preset(base, SamplerPreset.from_sillytavern("x", {"temperature": 0.3, "top_p": 1})).max_tokens == 50


def test_bad_files_and_names_are_one_line_errors(home: Path, tmp_path: Path) -> None:
    ctx = AppContext.open(home)
    with pytest.raises(StoreError, match="not a SillyTavern sampler preset"):
        import_preset(ctx, write(tmp_path / "card.json", {"name": "Aria", "description": "x"}))
    with pytest.raises(StoreError, match="not valid JSON"):
        broken = tmp_path / "broken.json"
        broken.write_text("{", encoding="utf-8")
        import_preset(ctx, broken)
    with pytest.raises(StoreError, match="cannot be a preset name"):
        import_preset(ctx, write(tmp_path / "ok.json", TEXTGEN), name="../escape")
    import_preset(ctx, tmp_path / "ok.json")
    with pytest.raises(StoreError, match="exists"):
        import_preset(ctx, tmp_path / "ok.json")
    assert list((home / "data").rglob("*.json")) == [home / "data" / "TextGen Settings" / "ok.json"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_import_show_export_and_prompt(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write(tmp_path / "Warm.json", TEXTGEN)
    assert run(capsys, "sampler", "import", str(src))[0] == 0
    code, out, _ = run(capsys, "sampler", "list", "--json")
    assert code == 0 and [(e["name"], e["format"]) for e in json.loads(out)] == [("Warm", "textgen")]
    code, out, _ = run(capsys, "sampler", "show", "Warm", "--kind", "claude", "--json")
    sent = {s["name"]: s["sent_as"] for s in json.loads(out)["samplers"]}
    assert code == 0 and sent["temperature"] == "temperature" and sent["repetition_penalty"] is None
    assert run(capsys, "sampler", "export", "Warm", str(tmp_path / "back.json"))[0] == 0
    assert json.loads((tmp_path / "back.json").read_text(encoding="utf-8")) == TEXTGEN
    code, _, err = run(capsys, "sampler", "export", "Warm", str(tmp_path / "back.json"))
    assert code == 1 and "exists" in err and "Traceback" not in err

    assert run(capsys, "connection", "add", "lc", "--kind", "llamacpp", "--url", "http://127.0.0.1:9",
               "--mode", "text")[0] == 0  # fmt: skip
    args = ("prompt", "--card", str(GRIMBLE), "--connection", "lc", "--offline-tokens", "--json")
    code, out, err = run(capsys, *args, "--sampler-preset", "Warm")
    body = json.loads(out)["body"]
    assert code == 0, err
    assert body["temperature"] == 0.7 and body["repeat_penalty"] == 1.1 and body["n_predict"] == 180
    code, out, _ = run(capsys, *args, "--sampler-preset", str(src), "--max-tokens", "33")
    assert json.loads(out)["body"]["n_predict"] == 33 and json.loads(out)["body"]["min_p"] == 0.05
    code, _, err = run(capsys, *args, "--sampler-preset", "Nope")
    assert code == 1 and "no sampler preset named 'Nope'" in err
    # A connection that names its preset gets it without the flag; --keep-lengths keeps its own reply length.
    assert run(capsys, "connection", "add", "named", "--kind", "llamacpp", "--url", "http://127.0.0.1:9",
               "--mode", "text", "--sampler-preset", "Warm", "--max-tokens", "77", "--keep-lengths")[0] == 0
    code, out, err = run(capsys, *args[:4], "named", *args[5:])
    body = json.loads(out)["body"]
    assert code == 0, err
    assert body["temperature"] == 0.7 and body["min_p"] == 0.05 and body["n_predict"] == 77


def test_kind_samplers_follow_the_profiles_api() -> None:
    assert kind_samplers("claude") == ("temperature", "top_p", "top_k")
    native = kind_samplers("llamacpp")
    assert "samplers" in native and "banned_tokens" in native and "sampler_order" not in native and "tfs" not in native
    chat = ConnectionProfile(name="c", kind="llamacpp", mode="chat")  # chat goes through llama.cpp's /v1
    assert "tfs" in kind_samplers("llamacpp", chat)
    assert "sampler_order" in kind_samplers("koboldcpp") and kind_samplers("demo") == ()
