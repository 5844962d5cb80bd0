"""The app at 80x24 (and 160x45): nothing that tells the user what to do is cut off or hidden.

Each test reads the screen as drawn (plain text per row, or which widget owns a cell): a footer whose right
edge is clean, an inspector title that names its view, dialogs whose key hints stay inside the screen, button
labels drawn whole, and the connection test's result in sight.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.content import Content
from textual.geometry import Region
from textual.screen import Screen
from textual.widgets import Button, Footer, Input
from textual.widgets._footer import FooterKey

from tavo_tui.model import ConnectionProfile
from tavo_tui.prompt.settings import AuthorsNote
from tavo_tui.session import AppContext
from tavo_tui.session.connections import DiscoveredServer, ModelListing
from tavo_tui.session.library import card_detail
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.chat.chats_screen import ChatsScreen
from tavo_tui.ui.chat.flows import AuthorsNoteDialog
from tavo_tui.ui.chat.personas_screen import PersonaEditor, PersonasScreen
from tavo_tui.ui.connections.confirm import ConfirmRemove
from tavo_tui.ui.connections.discover import DiscoverScreen
from tavo_tui.ui.connections.editor import ConnectionEditor
from tavo_tui.ui.connections.model_picker import ModelPicker
from tavo_tui.ui.connections.picker import ConnectionPicker
from tavo_tui.ui.inspector.dialogs import CompareConnectionPicker, SavePathPrompt, SectionViewer
from tavo_tui.ui.inspector.pane import VIEW_TITLES, VIEWS
from tavo_tui.ui.keys.help import HelpScreen, KeyRow
from tavo_tui.ui.library.card_detail import CardDetailScreen
from tavo_tui.ui.library.card_editor import CardEditorScreen
from tavo_tui.ui.shared.dialogs import (
    ChoiceDialog,
    ConfirmDialog,
    MultiChoiceDialog,
    ReportDialog,
    TextEditDialog,
    TextPrompt,
)
from tavo_tui.ui.welcome.screen import WelcomeScreen
from tests.fakes.openai_server import FakeOpenAIServer
from tests.ui.helpers import main, screen_text, wait_for, write_card

SIZES = [(80, 24), (160, 45)]


def lit_text(app: TavoApp, region: Region) -> str:
    """The text drawn in reverse video on the first row of `region` (a lit tab, a highlighted entry)."""
    x, lit = 0, []
    for segment in app.screen._compositor.render_strips()[region.y]:
        if region.x <= x < region.right and segment.style is not None and segment.style.reverse:
            lit.append(segment.text)
        x += segment.cell_length
    return "".join(lit)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("focus", ["chat", "inspector"])
async def test_the_footer_ends_with_the_palette_key_and_nothing_after_it(
    ctx: AppContext, alice: Path, size: tuple[int, int], focus: str
) -> None:
    """A key of the footer showed through a one-cell gap right of `^p palette` (`▏^p palettef`)."""
    app = TavoApp(ctx, card_path=alice)
    width, height = size
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = main(app)
        if not screen.inspector.display:
            await pilot.press("f4")
        screen.action_focus_pane(focus)
        await pilot.pause()
        footer = screen.query_one(Footer)
        await pilot.pause()
        owner, _ = app.screen.get_widget_at(width - 1, height - 1)
        assert isinstance(owner, FooterKey) and owner.has_class("-command-palette")
        assert owner.region.right == width and footer.region.right == width
        last_row = screen_text(app).splitlines()[-1]
        assert last_row.rstrip().endswith("^p palette")


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 45)])
async def test_the_inspector_title_names_the_view_shown(ctx: AppContext, alice: Path, size: tuple[int, int]) -> None:
    """At 80x24 the title was cut after "Prompt inspector  request", so tab changed nothing readable."""
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = main(app)
        if not screen.inspector.display:
            await pilot.press("f4")
        screen.action_focus_pane("inspector")
        await pilot.pause()
        for view in VIEWS:
            assert screen.inspector.view == view
            title = screen.inspector.query_one(".pane-title").region
            row = screen_text(app).splitlines()[title.y][title.x:title.right]
            assert f" {VIEW_TITLES[view]} " in row, row
            assert lit_text(app, title) == f" {VIEW_TITLES[view]} "  # and it is the one lit
            await pilot.press("tab")


# ---- every dialog fits 80x24: its key hints (or buttons) are on screen however long its content ----------
LONG_TEXT = "\n".join(f"line {i} of a long text that goes on" for i in range(120))
MANY = 60


def _profiles() -> list[ConnectionProfile]:
    return [ConnectionProfile(name=f"server-{i}", kind="openai-compatible", model=f"model-{i}") for i in range(MANY)]


async def _models() -> ModelListing:
    return ModelListing(tuple(f"org/model-{i}" for i in range(MANY)), "")


async def _servers() -> list[DiscoveredServer]:
    return [DiscoveredServer("llama-cpp", f"http://127.0.0.1:{8000 + i}", "llama.cpp", 8000 + i, models=("m",))
            for i in range(MANY)]


def _long_card(folder: Path) -> Path:
    fields = {name: LONG_TEXT for name in ("description", "personality", "scenario", "mes_example")}
    return write_card(folder, "long.json", alternate_greetings=[LONG_TEXT] * 8, **fields)


Factory = Callable[[AppContext, Path], Screen[Any]]
# name: (the dialog, its key hints or buttons: always on screen, what is on screen when it opens: its title, the
# highlighted entry).
DIALOGS: dict[str, tuple[Factory, tuple[str, ...], tuple[str, ...]]] = {
    "confirm": (lambda ctx, card: ConfirmDialog(Content(LONG_TEXT)), ("y / enter: yes",), ()),
    "text-prompt": (lambda ctx, card: TextPrompt(Content(LONG_TEXT)), ("enter: OK",), ()),
    "text-edit": (lambda ctx, card: TextEditDialog(Content("Edit"), LONG_TEXT), ("ctrl+s: save",), ("Edit",)),
    "choice": (lambda ctx, card: ChoiceDialog(Content("Pick"), [Content(f"entry {i}") for i in range(MANY)],
                                              highlighted=MANY - 1), ("enter: choose",), ("Pick", "entry 59")),
    "multi-choice": (lambda ctx, card: MultiChoiceDialog(Content("Tick"), [(Content(f"{i}"), i) for i in range(MANY)]),
                     ("space: tick",), ("Tick",)),
    "report": (lambda ctx, card: ReportDialog(Content("Report"), Content(LONG_TEXT)), ("esc / enter: close",),
               ("Report",)),
    "card-editor": (lambda ctx, card: CardEditorScreen(ctx.load_card(card)), ("$EDITOR", "Cancel"), ("Edit card",)),
    "card-detail": (lambda ctx, card: CardDetailScreen(card_detail(ctx, card)), ("Duplicate",), ("Greetings",)),
    "connection-editor": (lambda ctx, card: ConnectionEditor(None), ("Save (ctrl+s)", "Test (ctrl+t)", "Cancel (esc)"),
                          ("Add a connection",)),
    "model-picker": (lambda ctx, card: ModelPicker("server", "org/model-59", _models), ("enter picks",),
                     ("Model for", "org/model-59")),
    "discover": (lambda ctx, card: DiscoverScreen(_servers, lambda server: None), ("enter adds the selected",),
                 ("Local servers",)),
    "confirm-remove": (lambda ctx, card: ConfirmRemove("x" * 300), ("y / enter: remove",), ()),
    "connection-picker": (lambda ctx, card: ConnectionPicker(_profiles(), "server-59"), ("esc to cancel",),
                          ("server-59",)),
    "persona-editor": (lambda ctx, card: PersonaEditor(None), ("ctrl+s: save",), ("New persona",)),
    "personas": (lambda ctx, card: PersonasScreen(ctx, None), ("Chat: default",), ("Personas",)),
    "chats": (lambda ctx, card: ChatsScreen(ctx, card, "Alice", None), ("Branch",), ("Chats with",)),
    "authors-note": (lambda ctx, card: AuthorsNoteDialog(AuthorsNote(prompt=LONG_TEXT)), ("ctrl+s: save",),
                     ("Author's note",)),
    "compare-picker": (lambda ctx, card: CompareConnectionPicker(_profiles(), "none"), ("esc to cancel",), ()),
    "save-path": (lambda ctx, card: SavePathPrompt("/tmp/" + "long/" * 40 + "request.json"), ("esc cancels",), ()),
    "section-viewer": (lambda ctx, card: SectionViewer(Content("Section"), LONG_TEXT), ("esc closes",),
                       ("Section",)),
    "welcome": (lambda ctx, card: WelcomeScreen(ctx, ports=[1], timeout=0.1), ("Save (ctrl+s)", "Skip (esc)"),
                ("Welcome to tavo-tui",)),
    "help": (lambda ctx, card: HelpScreen([KeyRow(f"ctrl+{i}", f"action {i}", f"id-{i}", "Chat") for i in range(MANY)]),
             ("esc closes",), ()),
}
# 80x24 is where hints get lost; the wide sweep (~2 min) runs in the slow suite.
DIALOG_CASES = [
    pytest.param(name, size, id=f"{name}-{size[0]}x{size[1]}",
                 marks=[pytest.mark.slow] if size != (80, 24) else [])
    for name in DIALOGS for size in SIZES
]


@pytest.mark.parametrize(("name", "size"), DIALOG_CASES)
async def test_every_dialog_keeps_its_key_hints_on_screen(
    ctx: AppContext, library: Path, name: str, size: tuple[int, int]
) -> None:
    """Opened on content far taller than the screen, then moved through (tab, end): the key hints stay."""
    factory, hints, at_open = DIALOGS[name]
    card = _long_card(library)
    app = TavoApp(ctx, card_path=card)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        dialog = factory(ctx, card)
        await app.push_screen(dialog)
        await pilot.app.workers.wait_for_complete()
        # A footer fills itself in after the screen's bindings are known (a refresh later): wait for its keys.
        await wait_for(pilot, lambda: all(footer.query(FooterKey) for footer in dialog.query(Footer)))
        await pilot.pause()
        assert app.screen is dialog
        text = screen_text(app)
        for hint in (*hints, *at_open):
            assert hint in text, f"{name}: {hint!r} is not on screen when it opens:\n{text}"
        await pilot.press(*["tab"] * 12, "end")
        await pilot.pause()
        assert app.screen is dialog
        text = screen_text(app)
        for hint in hints:
            assert hint in text, f"{name}: {hint!r} is not on screen after moving down:\n{text}"


async def test_the_connection_test_result_is_in_sight_at_80x24(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer
) -> None:
    """ctrl+t wrote its result under the last field of the form, far below the visible area."""
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        main(app).action_add_connection()
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, ConnectionEditor)
        editor.query_one("#f-name", Input).value = "local"
        editor.query_one("#f-base_url", Input).value = openai_server.base_url
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: "OK in" in screen_text(app))
        buttons = screen_text(app).splitlines()
        assert any("Save (ctrl+s)" in row for row in buttons)
        status = editor.query_one(".editor-status")
        assert Region(0, 0, 80, 24).contains_region(status.region)
        await pilot.press("ctrl+t")  # typing on after a result: the form still scrolls under a fixed foot
        editor.query_one("#f-api_key_env", Input).focus()
        await pilot.pause()
        assert "OK in" in screen_text(app) or "Testing" in screen_text(app)
        assert "…or read the key from this environment variable" in screen_text(app)


@pytest.mark.parametrize("size", [(80, 24), (90, 30), (100, 30), (160, 45)])
async def test_no_button_label_is_cut(ctx: AppContext, alice: Path, size: tuple[int, int]) -> None:
    """The connection pane's buttons read `Defaul` and `Disco` at 80 columns."""
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = main(app)
        if not screen.connection_pane.display:
            await pilot.press("f3")
        await pilot.pause()
        rows = screen_text(app).splitlines()
        buttons = list(screen.connection_pane.query(Button))
        assert buttons
        for button in buttons:
            region = button.region
            assert region.area, f"{button.id} is not shown"
            drawn = rows[region.y][region.x:region.right]
            assert str(button.label) in drawn, f"{button.id}: {drawn!r}"
