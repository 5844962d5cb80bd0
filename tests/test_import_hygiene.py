"""Start-up stays lean: opening the TUI imports no HTTP client, no tokenizer, no backend adapter and no
command module; those load when a chat, a request or a command needs them. The kind table that replaced the
eager imports still builds the right adapter for every kind."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tavo_tui.backends.registry import KINDS, make_backend
from tavo_tui.model import ConnectionProfile

# What `tavo-tui` (no command) imports before its first frame: the CLI, its parser, the session context and
# the app with its main screen.
TUI_PATH = """
import json, sys
from tavo_tui.cli import build_parser, _named_commands
build_parser(_named_commands([]))
import tavo_tui.session
import tavo_tui.ui.app
import tavo_tui.ui.screens.main
print(json.dumps(sorted(sys.modules)))
"""

ADAPTERS = sorted({info.adapter.partition(":")[0] for info in KINDS.values()}
                  | {info.native.partition(":")[0] for info in KINDS.values() if info.native})


def modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out))


@pytest.fixture(scope="module")
def tui_modules() -> set[str]:
    return modules_after(TUI_PATH)


@pytest.mark.parametrize("heavy", ["httpx", "tiktoken", "click", "markdown_it", "textual.widgets._markdown"])
def test_the_tui_path_imports_no_http_client_or_tokenizer(tui_modules: set[str], heavy: str) -> None:
    assert not {m for m in tui_modules if m == heavy or m.startswith(heavy + ".")}


def test_the_tui_path_imports_no_backend_adapter(tui_modules: set[str]) -> None:
    assert len(ADAPTERS) > 10
    loaded = {m.removeprefix("tavo_tui.backends.") for m in tui_modules if m.startswith("tavo_tui.backends.")}
    assert not loaded & set(ADAPTERS), loaded & set(ADAPTERS)
    assert not {"transport", "openai_compat", "native", "errors"} & loaded


def test_the_tui_path_imports_no_command_module(tui_modules: set[str]) -> None:
    commands = {"tavo_tui.cli.connection", "tavo_tui.cli.generate", "tavo_tui.cli.cards", "tavo_tui.cli.chats",
                "tavo_tui.cli.serve"}
    assert not commands & tui_modules


def test_a_command_loads_only_its_own_module() -> None:
    loaded = modules_after(
        "import json, sys\nfrom tavo_tui.cli import build_parser, _named_commands\n"
        "build_parser(_named_commands(['card', 'show', 'x.png']))\nprint(json.dumps(sorted(sys.modules)))"
    )
    assert "tavo_tui.cli.cards" in loaded
    assert not {"tavo_tui.cli.connection", "tavo_tui.cli.generate", "tavo_tui.cli.serve"} & loaded


def test_help_lists_every_command_whether_or_not_its_module_is_loaded() -> None:
    from tavo_tui.cli import build_parser

    assert build_parser([]).format_help() == build_parser().format_help()
    for command in ("connection", "send", "chat", "serve"):
        assert build_parser([command]).format_help() == build_parser().format_help()


KIND_APIS = [(kind, api) for kind, info in sorted(KINDS.items()) for api in (None, *info.apis)]


@pytest.mark.parametrize(("kind", "api"), KIND_APIS)
def test_every_kind_builds_its_adapter_from_the_table(kind: str, api: str | None) -> None:
    info = KINDS[kind]
    profile = ConnectionProfile.model_validate({"name": "p", "kind": kind, "base_url": info.default_url,
                                                "api": api, "mode": "text" if "text" in info.modes else "chat"})
    backend = make_backend(profile, "key")
    cls = type(backend)
    assert cls is info.adapter_class(info.api_for(profile))
    assert cls.kind == kind
    assert cls.default_base_url == info.default_url  # the table repeats each adapter's default URL
    if info.native:
        assert (info.api_for(profile) == "native") == (cls is info.adapter_class("native"))
