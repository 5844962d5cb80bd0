"""The connection editor: every kind's defaults, sampler knobs and options, a write-only masked key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Input, Select

from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.connections.editor import ConnectionEditor
from tavo_tui.ui.connections.form import build_profile, parse_option, parse_stops
from tests.fakes.openai_server import FakeOpenAIServer
from tests.ui.helpers import main, screen_text, wait_for

SECRET = "sk-or-very-secret-key-WXYZ"


def _field(editor: ConnectionEditor, key: str) -> Input:
    return editor.query_one(f"#f-{key}", Input)


def _shown(editor: ConnectionEditor, selector: str) -> bool:
    return bool(editor.query_one(selector).display)


async def _open_add(app: TavoApp, pilot: object) -> ConnectionEditor:
    screen = main(app)
    screen.action_add_connection()
    await pilot.pause()  # type: ignore[attr-defined]
    editor = app.screen
    assert isinstance(editor, ConnectionEditor)
    return editor


async def test_choosing_a_kind_fills_its_defaults_and_shows_its_fields(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        editor = await _open_add(app, pilot)
        kind = editor.query_one("#f-kind", Select)
        mode = editor.query_one("#f-mode", Select)
        # A new profile starts as a generic OpenAI-compatible server with that kind's default URL.
        assert _field(editor, "base_url").value == "http://127.0.0.1:8080/v1"

        kind.value = "claude"
        await pilot.pause()
        assert _field(editor, "base_url").value == "https://api.anthropic.com/v1"
        assert _field(editor, "api_key_env").value == "ANTHROPIC_API_KEY"
        assert [str(value) for _, value in mode._options] == ["chat"]  # Claude has no text completion
        assert not _shown(editor, "#api-row")
        assert _shown(editor, "#obox-thinking_budget") and not _shown(editor, "#obox-provider")
        assert _shown(editor, "#sbox-top_k") and not _shown(editor, "#sbox-min_p")
        assert "Anthropic Claude" in editor.query_one("#kind-desc").render().plain  # type: ignore[attr-defined]

        kind.value = "llamacpp"
        await pilot.pause()
        assert _field(editor, "base_url").value == "http://127.0.0.1:8080"
        assert _field(editor, "api_key_env").value == "LLAMA_API_KEY"
        assert _shown(editor, "#api-row")  # native and OpenAI-compatible: the choice is offered
        assert {str(value) for _, value in mode._options} == {"chat", "text"}
        assert _shown(editor, "#sbox-min_p") and not _shown(editor, "#options-title")
        mode.value = "text"
        await pilot.pause()
        assert _shown(editor, "#instruct-row")

        # A URL the user typed survives a change of kind.
        _field(editor, "base_url").value = "http://10.0.0.5:9000"
        kind.value = "koboldcpp"
        await pilot.pause()
        assert _field(editor, "base_url").value == "http://10.0.0.5:9000"
        assert _field(editor, "api_key_env").value == "KOBOLDCPP_PASSWORD"


async def test_saving_a_profile_with_options_samplers_and_a_masked_key(
    ctx: AppContext, alice: Path, home: Path
) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        editor = await _open_add(app, pilot)
        editor.query_one("#f-kind", Select).value = "openrouter"
        await pilot.pause()
        assert _shown(editor, "#obox-provider") and _shown(editor, "#sbox-top_a")
        _field(editor, "name").value = "router"
        _field(editor, "model").value = "meta/llama-3"
        editor.query_one("#o-provider", Input).value = '{"order": ["lambda"'  # broken JSON
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is editor
        error = editor.query_one(".editor-error").render().plain  # type: ignore[attr-defined]
        assert "option provider: not valid JSON" in error and "Traceback" not in screen_text(app)

        editor.query_one("#o-provider", Input).value = '{"order": ["lambda"], "allow_fallbacks": false}'
        editor.query_one("#s-temperature", Input).value = "0.7"
        editor.query_one("#s-top_k", Input).value = "40"
        editor.query_one("#s-presence_penalty", Input).value = ""  # empty: not sent
        _field(editor, "stop").value = '["\\nUser:", "###"]'
        editor.query_one("#f-converter", Select).value = "merge"
        _field(editor, "api_key").value = SECRET
        await pilot.pause()
        assert SECRET not in screen_text(app)  # a password field: dots on screen
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ConnectionEditor)

        saved = ctx.profiles.get("router")
        assert saved.kind == "openrouter" and saved.base_url == "https://openrouter.ai/api/v1"
        assert saved.api_key_env == "OPENROUTER_API_KEY"
        assert saved.options["provider"] == {"order": ["lambda"], "allow_fallbacks": False}
        assert (saved.sampler.temperature, saved.sampler.top_k, saved.sampler.presence_penalty) == (0.7, 40, None)
        assert saved.sampler.stop == ["\nUser:", "###"] and saved.converter == "merge"
        assert ctx.profiles.secrets.get("router") == SECRET

        # Opening it again shows where the key is, masked; the key field itself starts empty.
        main(app).edit_connection("router")
        await pilot.pause()
        again = app.screen
        assert isinstance(again, ConnectionEditor)
        assert _field(again, "api_key").value == ""
        assert "stored ****WXYZ" in again.query_one("#key-hint").render().plain  # type: ignore[attr-defined]
        assert again.query_one("#o-provider", Input).value == '{"order": ["lambda"], "allow_fallbacks": false}'
        assert SECRET not in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert ctx.profiles.secrets.get("router") == SECRET  # an empty key field keeps the stored key
    connections = next(home.rglob("connections.json")).read_text()
    assert SECRET not in connections and "router" in connections


async def test_a_key_from_an_environment_variable_is_named_not_shown(
    ctx: AppContext, alice: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAVO_UI_TEST_KEY", "sk-env-secret-5678")
    ctx.profiles.save(ConnectionProfile(name="envkey", kind="openai", api_key_env="TAVO_UI_TEST_KEY"))
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        main(app).edit_connection("envkey")
        await pilot.pause()
        hint = app.screen.query_one("#key-hint").render().plain  # type: ignore[attr-defined]
        assert "from $TAVO_UI_TEST_KEY" in hint
        assert "sk-env-secret" not in screen_text(app) and "5678" not in screen_text(app)


async def test_the_editor_tests_the_form_as_typed_with_the_typed_key(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer
) -> None:
    openai_server.api_key = "sk-typed-0000"
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        editor = await _open_add(app, pilot)
        _field(editor, "name").value = "typed"
        _field(editor, "base_url").value = openai_server.base_url
        status = editor.query_one(".editor-status")
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: "FAILED" in status.render().plain)  # type: ignore[attr-defined]
        assert "[auth]" in status.render().plain  # type: ignore[attr-defined]
        _field(editor, "api_key").value = "sk-typed-0000"
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: "OK in" in status.render().plain)  # type: ignore[attr-defined]
        assert ctx.profiles.names() == ["demo"]  # testing saves nothing


def test_form_parsing_rules() -> None:
    assert parse_option("region", "us-central1") == "us-central1"
    assert parse_option("poll_seconds", "2.5") == 2.5
    assert parse_option("include_thoughts", "true") is True
    assert parse_option("models", '["a", "b"]') == ["a", "b"]
    assert parse_stops("###") == ["###"] and parse_stops("") == []
    with pytest.raises(ValueError, match="JSON list of strings"):
        parse_stops("[1, 2]")
    base = ConnectionProfile(name="a", options={"other": 1, "provider": {"x": 1}})
    profile = build_profile(base, {"name": "a", "option.provider": "", "sampler.seed": "7", "stop": ""},
                            samplers=["seed"], options=["provider"])
    assert profile.options == {"other": 1} and profile.sampler.seed == 7  # options of other kinds are kept
    with pytest.raises(ValueError, match="seed must be a whole number"):
        build_profile(None, {"name": "a", "sampler.seed": "1.5"}, samplers=["seed"])
    assert json.loads(json.dumps(profile.model_dump()))["name"] == "a"
    assert build_profile(None, {"name": "n", "kind": "llamacpp", "api": "native"}).api == "native"
    assert build_profile(profile, {"name": "a", "api": "auto"}).api is None


async def test_the_editor_lists_the_models_of_the_server_being_typed(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer
) -> None:
    from tavo_tui.ui.connections.model_picker import ModelPicker

    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        editor = await _open_add(app, pilot)
        _field(editor, "name").value = "new"
        _field(editor, "base_url").value = openai_server.base_url
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelPicker))
        picker = app.screen
        assert isinstance(picker, ModelPicker)
        await wait_for(pilot, lambda: picker.models == ["fake-model", "fake-model-2"])
        await pilot.press("2", "enter")
        await pilot.pause()
        assert app.screen is editor and _field(editor, "model").value == "fake-model-2"
        assert ctx.profiles.names() == ["demo"]  # nothing saved until ctrl+s


async def test_the_pane_names_where_the_key_comes_from_masked(
    ctx: AppContext, alice: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TAVO_UI_UNSET_KEY", raising=False)
    ctx.profiles.save(ConnectionProfile(name="stored", kind="openai"), SECRET)
    ctx.profiles.save(ConnectionProfile(name="unset", kind="openai", api_key_env="TAVO_UI_UNSET_KEY"))
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        pane = main(app).connection_pane
        detail = pane.query_one(".conn-detail")
        pane.options.highlighted = 1
        await pilot.pause()
        assert "key: stored ****WXYZ" in detail.render().plain  # type: ignore[attr-defined]
        pane.options.highlighted = 2
        await pilot.pause()
        assert "key: none ($TAVO_UI_UNSET_KEY is not set)" in detail.render().plain  # type: ignore[attr-defined]
        assert SECRET not in screen_text(app)
