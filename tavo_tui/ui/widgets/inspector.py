"""The prompt inspector: token use per section, total against the context, and the exact request."""

from __future__ import annotations

from typing import Protocol

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static, TextArea

from tavo_tui.model import AssembledPrompt, PreparedRequest
from tavo_tui.ui.safe_text import plain_line, sanitize

BAR_WIDTH = 20


class InspectionLike(Protocol):
    """What the inspector reads from the session layer's Inspection."""

    @property
    def prompt(self) -> AssembledPrompt: ...

    @property
    def request(self) -> PreparedRequest: ...

    @property
    def body_text(self) -> str: ...


def usage_bar(used: int, limit: int, width: int = BAR_WIDTH) -> Content:
    """A small bar of `used` out of `limit` tokens; red when the prompt does not fit."""
    if limit <= 0:
        return Content("")
    ratio = used / limit
    filled = min(width, round(ratio * width))
    style = "$text-error" if ratio > 1 else "$text-warning" if ratio > 0.85 else "$text-success"
    return Content.assemble(("█" * filled, style), ("░" * (width - filled), "dim"))


def section_rows(prompt: AssembledPrompt) -> list[tuple[str, int]]:
    """Token counts per section name, in first-seen order (history messages are summed into one row)."""
    totals: dict[str, int] = {}
    for section in prompt.sections:
        key = "history" if section.name.startswith("history[") else section.name
        totals[key] = totals.get(key, 0) + section.tokens
    return list(totals.items())


def summary(prompt: AssembledPrompt, request: PreparedRequest) -> Content:
    total, limit = prompt.token_total, prompt.max_context
    pct = f" ({total * 100 // limit}%)" if limit > 0 else ""
    method = prompt.token_method or "unknown"
    if not prompt.token_exact and "estimate" not in method:
        method += ", estimate"
    return Content.assemble(
        ("Tokens ", "bold"),
        f"{total} / {limit}{pct} ",
        usage_bar(total, limit),
        "\n",
        ("method: ", "dim"),
        plain_line(method),
        ("  mode: ", "dim"),
        prompt.mode,
        ("  reply ≤ ", "dim"),
        str(prompt.max_tokens),
        "\n",
        ("POST ", "dim"),
        plain_line(request.url or "(no URL: demo)"),
    )


def sections_table(prompt: AssembledPrompt) -> Content:
    """One line per section: tokens right-aligned first (so narrow panes cut names, not numbers), then the name."""
    rows = section_rows(prompt)
    if not rows:
        return Content("(no sections)")
    lines = [Content.assemble(f"{tokens:>6}  ", plain_line(name)) for name, tokens in rows]
    return Content("\n").join(lines)


class PromptInspector(Vertical):
    """Shows what the next request will contain. The body view is read-only and never parses markup."""

    DEFAULT_CSS = """
    PromptInspector { height: 1fr; }
    PromptInspector > .pane-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    PromptInspector:focus-within > .pane-title { background: $primary 35%; }
    PromptInspector > TextArea:focus { border: none; }
    PromptInspector > .insp-summary { height: auto; padding: 0 1; }
    PromptInspector > .insp-sections {
        height: auto; max-height: 12; padding: 0 1; overflow-y: auto; text-wrap: nowrap; text-overflow: ellipsis;
    }
    PromptInspector > TextArea { height: 1fr; border: none; }
    PromptInspector > .insp-error { color: $text-error; padding: 0 1; height: auto; }
    """

    def compose(self) -> ComposeResult:
        yield Static(Content("Prompt inspector"), classes="pane-title")
        yield Static(Content("Open a character to see the prompt."), classes="insp-summary")
        yield Static("", classes="insp-sections")
        error = Static("", classes="insp-error")
        error.display = False
        yield error
        yield TextArea("", read_only=True, soft_wrap=True, show_line_numbers=False, id="insp-body")

    @property
    def body(self) -> TextArea:
        return self.query_one("#insp-body", TextArea)

    def show(self, inspection: InspectionLike) -> None:
        prompt, request = inspection.prompt, inspection.request
        self.query_one(".insp-summary", Static).update(summary(prompt, request))
        self.query_one(".insp-sections", Static).update(sections_table(prompt))
        self.query_one(".insp-error", Static).display = False
        # TextArea never interprets markup, but it does pass escape sequences through: sanitise.
        self.body.load_text(sanitize(inspection.body_text))

    def show_error(self, message: str) -> None:
        error = self.query_one(".insp-error", Static)
        error.update(Content.assemble(("Cannot build the prompt: ", "bold"), plain_line(message)))
        error.display = True

    def clear(self, message: str) -> None:
        self.query_one(".insp-summary", Static).update(Content(message))
        self.query_one(".insp-sections", Static).update("")
        self.body.load_text("")
