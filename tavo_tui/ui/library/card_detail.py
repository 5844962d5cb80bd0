"""A card's detail view: every field, greetings to start a new chat with, the lorebook, the token cost."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from tavo_tui.session.library import CardDetail
from tavo_tui.ui.keys.modal import KeyModal
from tavo_tui.ui.shared.avatar import Avatar, avatar_mode
from tavo_tui.ui.shared.safe_text import one_line, plain, plain_line

GREETING_PREVIEW = 160
AVATAR_COLS, AVATAR_ROWS = 12, 6  # the card's image beside its name (small: the fields matter more at 80x24)

# (field, title) in the order the view shows them after the greetings.
TEXT_FIELDS = (
    ("description", "Description"),
    ("personality", "Personality"),
    ("scenario", "Scenario"),
    ("mes_example", "Example dialogue"),
    ("creator_notes", "Creator notes"),
    ("system_prompt", "System prompt"),
    ("post_history_instructions", "Post-history instructions"),
)


class CardDetailScreen(KeyModal[str | None]):
    """Dismisses with what to do next: "new:<i>" (new chat with greeting i), "edit", "export", "duplicate",
    "delete", or None (closed)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="detail-close"),
        Binding("e", "finish('edit')", "Edit", id="detail-edit"),
        Binding("x", "finish('export')", "Export", id="detail-export"),
        Binding("c", "finish('duplicate')", "Duplicate", id="detail-duplicate"),
        Binding("delete,D", "finish('delete')", "Delete", id="detail-delete"),
        Binding("g", "focus_greetings", "Greetings", id="detail-greetings"),
    ]

    DEFAULT_CSS = """
    CardDetailScreen { align: center middle; }
    CardDetailScreen > Vertical { width: 90%; max-width: 120; height: 90%; border: round $primary;
                                  background: $surface; }
    CardDetailScreen #detail-top { height: auto; background: $panel; }
    CardDetailScreen #detail-avatar { margin: 0 0 0 1; }
    CardDetailScreen #detail-head { height: auto; width: 1fr; padding: 0 1; background: $panel; }
    CardDetailScreen #detail-body { height: 1fr; padding: 0 1; }
    CardDetailScreen .section { text-style: bold; color: $primary; margin-top: 1; height: 1; }
    CardDetailScreen .field { height: auto; }
    CardDetailScreen .muted { color: $text-muted; height: auto; }
    CardDetailScreen #greetings { height: auto; max-height: 14; border: none; padding: 0; }
    """

    def __init__(self, detail: CardDetail) -> None:
        super().__init__()
        self.detail = detail

    def compose(self) -> ComposeResult:
        card = self.detail.card
        with Vertical():
            with Horizontal(id="detail-top"):
                yield Avatar(self.detail.path, AVATAR_COLS, AVATAR_ROWS,
                             mode=avatar_mode(getattr(self.app, "ui_settings", None)), id="detail-avatar")
                yield Static(self._head(), id="detail-head")
            with VerticalScroll(id="detail-body"):
                yield Static(Content("Greetings — enter starts a new chat with the highlighted one"), classes="section")
                greetings = card.greetings()
                if greetings:
                    yield OptionList(*(Option(_greeting_prompt(i, g)) for i, g in enumerate(greetings)),
                                     id="greetings")
                else:
                    yield Static(Content("(no greeting)"), classes="muted")
                for name, title in TEXT_FIELDS:
                    text = str(getattr(card, name) or "")
                    tokens = self.detail.field_tokens.get(name)
                    label = f"{title} · {tokens} tokens" if tokens else title
                    yield Static(Content(label), classes="section")
                    yield Static(plain(text) if text.strip() else Content("(empty)"),
                                 classes="field" if text.strip() else "muted")
                yield Static(Content("Lorebook"), classes="section")
                yield Static(plain(self.detail.lorebook), classes="field")
                if self.detail.loaded.warnings:
                    yield Static(Content("Warnings while reading"), classes="section")
                    yield Static(plain("\n".join(self.detail.loaded.warnings)), classes="muted")
            yield Footer(compact=True)

    def _head(self) -> Content:
        card = self.detail.card
        facts = []
        if card.creator.strip():
            facts.append(f"by {one_line(card.creator)}")
        if card.character_version.strip():
            facts.append(f"version {one_line(card.character_version)}")
        facts.append(self.detail.loaded.format)
        tags = ", ".join(one_line(t) for t in card.tags if one_line(t))
        lines: list[Content | str | tuple[str, str]] = [
            plain_line(card.name or "(unnamed)", "bold"), "  ", (" · ".join(facts), "dim"),
        ]
        if tags:
            lines += ["\n", ("tags: ", "dim"), tags]
        lines += ["\n", (f"permanent tokens: {self.detail.permanent_tokens} ({self.detail.token_method})", "italic")]
        return Content.assemble(*lines)

    def on_mount(self) -> None:
        greetings = self.query("#greetings")
        if greetings:
            greetings.first(OptionList).focus()
        else:
            self.query_one("#detail-body").focus()

    @on(OptionList.OptionSelected, "#greetings")
    def _greeting_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(f"new:{event.option_index}")

    def action_focus_greetings(self) -> None:
        greetings = self.query("#greetings")
        if greetings:
            greetings.first(OptionList).focus()

    def action_finish(self, what: str) -> None:
        self.dismiss(what)

    def action_close(self) -> None:
        self.dismiss(None)


def _greeting_prompt(index: int, text: str) -> Content:
    label = "First message" if index == 0 else f"Alternate {index}"
    flat = one_line(text)
    preview = flat if len(flat) <= GREETING_PREVIEW else flat[: GREETING_PREVIEW - 1] + "…"
    return Content.assemble((label, "bold"), "\n", preview or "(empty)")
