"""Pure builders of what the prompt inspector draws: summary, section rows, lore and dropped rows, diff rows.

Everything untrusted (section text, entry labels, URLs) goes through `plain`/`plain_line`, so it is shown
literally. Long lists are folded so a 10,000-message chat stays quick to draw; `show_all` lifts the fold.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.content import Content

from tavo_tui.model import AssembledPrompt, PreparedRequest, PromptSection
from tavo_tui.session.prompt_sources import KIND_LABELS, KINDS, section_origin
from tavo_tui.ui.shared.safe_text import one_line, plain, plain_line

if TYPE_CHECKING:  # the lore report needs the prompt engine, which loads after the first frame
    from tavo_tui.session.lore_report import LoreLine
    from tavo_tui.session.prompt_diff import PromptDiff

BAR_WIDTH = 20
# Rows drawn before folding (the first HEAD and the last TAIL of a longer list).
HEAD_ROWS = 100
TAIL_ROWS = 300
# The body view shows at most this many characters (head and tail) unless "show all" is on.
MAX_BODY_CHARS = 60_000
PREVIEW_CHARS = 50

KIND_STYLES: dict[str, str] = {
    "system": "$primary",
    "card": "$secondary",
    "world_info": "$success",
    "persona": "$accent",
    "authors_note": "$warning",
    "examples": "$text-accent",
    "history": "$foreground-muted",
    "post_history": "$error",
    "other": "$foreground-darken-1",
}


@dataclass
class Rows:
    """Rows of a list view and, for each, the section it shows (enter opens it), or None."""

    contents: list[Content] = field(default_factory=list)
    targets: list[PromptSection | None] = field(default_factory=list)
    # Row index -> the label of the lorebook entry the row shows (the "edit source" key opens that entry).
    lore_labels: dict[int, str] = field(default_factory=dict)

    def add_lore(self, content: Content, label: str) -> None:
        self.lore_labels[len(self.contents)] = label
        self.add(content)

    def add(self, content: Content, target: PromptSection | None = None) -> None:
        self.contents.append(content)
        self.targets.append(target)

    def append(self, content: Content) -> None:
        self.add(content)

    def extend(self, contents: Iterable[Content]) -> None:
        for content in contents:
            self.add(content)


def kind_style(kind: str) -> str:
    return KIND_STYLES.get(kind, KIND_STYLES["other"])


def usage_bar(used: int, limit: int, width: int = BAR_WIDTH) -> Content:
    """A small bar of `used` out of `limit` tokens; red when the prompt does not fit."""
    if limit <= 0:
        return Content("")
    ratio = used / limit
    filled = min(width, round(ratio * width))
    style = "$text-error" if ratio > 1 else "$text-warning" if ratio > 0.85 else "$text-success"
    return Content.assemble(("█" * filled, style), ("░" * (width - filled), "dim"))


def kind_totals(prompt: AssembledPrompt) -> list[tuple[str, int]]:
    """Tokens per source kind, in legend order (kinds with no sections left out)."""
    totals: dict[str, int] = {}
    for section in prompt.sections:
        kind = section_origin(section).kind
        totals[kind] = totals.get(kind, 0) + section.tokens
    return [(kind, totals[kind]) for kind in KINDS if kind in totals]


def summary(prompt: AssembledPrompt, request: PreparedRequest) -> Content:
    """Budget line (used / context − reply reserve), tokens by source, method, mode and the URL."""
    total, limit, reserve = prompt.token_total, prompt.max_context, prompt.max_tokens
    budget = max(0, limit - reserve)
    pct = f" ({total * 100 // budget}%)" if budget > 0 else ""
    method = prompt.token_method or "unknown"
    if not prompt.token_exact and "estimate" not in method:
        method += ", estimate"
    by_kind: list[Content | str | tuple[str, str]] = []
    for kind, tokens in kind_totals(prompt):
        if by_kind:
            by_kind.append(("  ", ""))
        by_kind.append(("▌", kind_style(kind)))
        by_kind.append(f"{KIND_LABELS[kind]} {tokens}")
    parts: list[Content | str | tuple[str, str]] = [
        ("Tokens ", "bold"),
        f"{total} / {limit} − {reserve} reply = {budget}{pct} ",
        usage_bar(total, budget),
        "\n",
        *by_kind,
        "\n",
        ("method: ", "dim"),
        plain_line(method),
        ("  mode: ", "dim"),
        prompt.mode,
        ("  reply ≤ ", "dim"),
        str(reserve),
    ]
    if prompt.dropped:
        parts += ["\n", (f"{len(prompt.dropped)} section(s) dropped by the budget (tab to 'lore')", "$text-warning")]
    parts += ["\n", ("POST ", "dim"), plain_line(request.url or "(no URL: demo)")]
    return Content.assemble(*parts)


def preview(text: str, width: int = PREVIEW_CHARS) -> str:
    flat = one_line(text)
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def fold(count: int, show_all: bool) -> tuple[range, range, int]:
    """Which rows to draw out of `count`: (head, tail, hidden in between)."""
    if show_all or count <= HEAD_ROWS + TAIL_ROWS:
        return range(count), range(0), 0
    return range(HEAD_ROWS), range(count - TAIL_ROWS, count), count - HEAD_ROWS - TAIL_ROWS


def fold_row(hidden: int, what: str) -> Content:
    return Content(f"   … {hidden} {what} folded (press a to show all) …").stylize("dim italic")


def section_row(section: PromptSection) -> Content:
    origin = section_origin(section)
    return Content.assemble(
        f"{section.tokens:>6} ",
        ("▌", kind_style(origin.kind)),
        plain_line(section.name, "bold"),
        (f"  {origin.label} · {section.role}  ", "dim"),
        plain_line(preview(section.content)),
    )


def lore_sub_row(line: LoreLine) -> Content:
    return Content.assemble("        ↳ ", plain_line(line.label, kind_style("world_info")), ("  ", ""),
                            plain_line(line.reason, "dim"))


def _lands_in(line: LoreLine, section: PromptSection) -> bool:
    source = section.source or section.name
    if source == "context.story_string":
        return line.lands_in in ("world_info.before", "world_info.after")
    return bool(line.lands_in) and source.startswith(line.lands_in)


def section_rows(prompt: AssembledPrompt, lore: Sequence[LoreLine], show_all: bool) -> Rows:
    """One row per section (coloured by source); fired lore entries listed under the section they landed in."""
    sections = prompt.sections
    if not sections:
        return Rows([Content("(no sections)")], [None])
    fired = [line for line in lore if line.status == "fired"]
    head, tail, hidden = fold(len(sections), show_all)
    rows = Rows()

    def add(index: int) -> None:
        section = sections[index]
        rows.add(section_row(section), section)
        if section_origin(section).kind in ("world_info", "system", "authors_note"):
            for line in fired:
                if _lands_in(line, section):
                    rows.add_lore(lore_sub_row(line), line.label)

    for i in head:
        add(i)
    if hidden:
        rows.append(fold_row(hidden, "sections"))
        for i in tail:
            add(i)
    rest = prompt.token_total - sum(s.tokens for s in sections)
    if rest:
        rows.append(Content.assemble(f"{rest:>6} ", ("▌", "dim"), ("(message framing)", "dim")))
    legend = [Content.assemble(("▌", kind_style(kind)), KIND_LABELS[kind], " ") for kind in KINDS]
    rows.append(Content(" ").join(legend))
    return rows


def lore_rows(prompt: AssembledPrompt, lore: Sequence[LoreLine], show_all: bool) -> Rows:
    """Dropped sections, then lorebook entries (fired / over budget / not fired), then the engine's other notes."""
    rows = Rows()
    dropped = prompt.dropped
    rows.append(Content(f"Dropped by the context budget ({len(dropped)})").stylize("bold"))
    if not dropped:
        rows.append(Content("   nothing: the whole chat fits").stylize("dim"))
    head, tail, hidden = fold(len(dropped), show_all)
    for i in head:
        rows.add(section_row(dropped[i]), dropped[i])
    if hidden:
        rows.append(fold_row(hidden, "dropped sections"))
        for i in tail:
            rows.add(section_row(dropped[i]), dropped[i])
    counts = {status: sum(1 for line in lore if line.status == status)
              for status in ("fired", "over budget", "not fired", "disabled")}
    rows.append(Content(""))
    rows.append(Content(
        f"World info: {counts['fired']} fired, {counts['over budget']} over budget, "
        f"{counts['not fired']} not fired, {counts['disabled']} disabled"
    ).stylize("bold"))
    if not lore:
        rows.append(Content("   no lorebook for this chat").stylize("dim"))
    else:
        from tavo_tui.session.lore_report import lore_sources

        books = [f"{book} ({scope}, {n})" for scope, book, n in lore_sources(lore)]
        rows.append(Content.assemble(("   books: ", "dim"), plain_line(", ".join(books), "dim")))
    marks = {"fired": ("✓", "$text-success"), "over budget": ("✂", "$text-warning"),
             "not fired": ("·", "dim"), "disabled": ("×", "dim")}
    head, tail, hidden = fold(len(lore), show_all)
    for i in (*head, *tail):
        line = lore[i]
        mark, style = marks[line.status]
        rows.add_lore(Content.assemble(
            (f" {mark} ", style), plain_line(line.label, "bold" if line.status == "fired" else ""),
            (f"  {line.status} · {line.position} · ~{line.tokens_hint} tok  ", "dim"), plain_line(line.reason),
        ), line.label)
        if hidden and i == head[-1]:
            rows.append(fold_row(hidden, "entries"))
    if lore:
        rows.append(Content("   (reasons re-check each entry's keys against the recent messages; the engine "
                            "records which entries fired, not which key matched)").stylize("dim italic"))
    other = [note for note in prompt.notes if not note.startswith("world info")]
    if other:
        rows.append(Content(""))
        rows.append(Content("Notes").stylize("bold"))
        rows.extend(Content.assemble(" • ", plain_line(note)) for note in other)
    return rows


def diff_rows(diff: PromptDiff) -> list[Content]:
    """The diff, coloured: + added / - removed / ~ changed sections, then the unified diff of the request."""
    rows = [
        Content.assemble(("− ", "$text-error"), plain_line(diff.old_label)),
        Content.assemble(("+ ", "$text-success"), plain_line(diff.new_label)),
        Content(f"tokens {diff.old_total} → {diff.new_total} ({diff.new_total - diff.old_total:+d})").stylize("bold"),
    ]
    rows.extend(plain_line(note, "$text-warning") for note in diff.notes)
    if diff.identical:
        rows.append(Content("(no difference)").stylize("italic"))
        return rows
    rows.append(Content(f"Sections: {len(diff.changes)} changed").stylize("bold"))
    styles = {"added": ("+", "$text-success"), "removed": ("-", "$text-error"), "changed": ("~", "$text-warning")}
    for change in diff.changes:
        mark, style = styles[change.op]
        rows.append(Content.assemble(
            (f" {mark} ", style), plain_line(change.name, "bold"),
            (f"  {change.origin}  {change.old_tokens}→{change.new_tokens} ({change.delta:+d})  ", "dim"),
            plain_line(change.preview),
        ))
    rows.append(Content("Request text").stylize("bold"))
    for line in diff.unified:
        style = ("$text-success" if line.startswith("+") else "$text-error" if line.startswith("-")
                 else "$text-accent" if line.startswith("@@") else "")
        rows.append(plain(line, style) if line else Content(" "))
    if diff.truncated:
        rows.append(Content("… diff cut (too long)").stylize("dim italic"))
    return rows


def clip_body(text: str, show_all: bool, limit: int = MAX_BODY_CHARS) -> str:
    """The body for display: whole, or its head and tail with a marker saying how much is hidden."""
    if show_all or len(text) <= limit:
        return text
    half = limit // 2
    hidden = len(text) - 2 * half
    return f"{text[:half]}\n\n… {hidden} characters hidden (press a to show all; copy and save use the whole " \
           f"request) …\n\n{text[-half:]}"
