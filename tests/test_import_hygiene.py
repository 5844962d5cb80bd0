"""Start-up stays lean: opening the TUI imports no HTTP client, no tokenizer, no backend adapter, no prompt
engine, no chat session and no command module; those load when a chat, a request or a command needs them.
The kind table that replaced the eager imports still builds the right adapter for every kind."""

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
import tavo_tui.ui.main.screen
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


def test_the_tui_path_leaves_the_prompt_engine_and_chat_session_for_later(tui_modules: set[str]) -> None:
    deferred = {"tavo_tui.prompt.assembly", "tavo_tui.prompt.chat_completion", "tavo_tui.prompt.text_completion",
                "tavo_tui.prompt.worldinfo", "tavo_tui.prompt.macros", "tavo_tui.session.chat_session",
                "tavo_tui.session.generation", "tavo_tui.session.core", "tavo_tui.session.lore_report"}
    assert not deferred & tui_modules, deferred & tui_modules


@pytest.mark.parametrize("package", ["tavo_tui.session", "tavo_tui.prompt"])
def test_lazy_package_exports_are_the_submodules_objects(package: str) -> None:
    # Run in a fresh interpreter: the first import of a submodule named like an export would replace the
    # export on the package (why prompt/assemble.py became assembly.py).
    code = f"""
import importlib, json, pkgutil
pkg = importlib.import_module({package!r})
homes = pkg._HOMES
submodules = {{m.name for m in pkgutil.iter_modules(pkg.__path__)}}
for name in submodules:
    importlib.import_module({package!r} + "." + name)
home = lambda n: importlib.import_module({package!r} + "." + homes[n])
bad = [n for n in pkg.__all__ if getattr(pkg, n) is not getattr(home(n), n)]
print(json.dumps({{"bad": bad, "clash": sorted(set(pkg.__all__) & submodules), "all": sorted(pkg.__all__),
                   "homes": sorted(homes)}}))
"""
    result = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                       check=True).stdout)
    assert result["all"] == result["homes"]
    assert result["clash"] == []
    assert result["bad"] == []


def test_an_unknown_name_on_a_lazy_package_is_an_attribute_error() -> None:
    import tavo_tui.session

    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        tavo_tui.session.Nope  # noqa: B018


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
