"""Compare two prompts: section by section (what was added, removed or changed, with token deltas) and as a
unified diff of the request text. Also the in-memory record of the last prompt sent in each chat."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tavo_tui.model import PromptSection
from tavo_tui.session.inspection import Inspection
from tavo_tui.session.prompt_sources import section_origin

if TYPE_CHECKING:
    from tavo_tui.session.chat_session import ChatSession

# Unified diffs of huge prompts are cut to this many lines (the section summary is always complete).
MAX_DIFF_LINES = 2000


@dataclass(frozen=True)
class SectionChange:
    op: str  # "added", "removed", "changed"
    name: str
    origin: str
    old_tokens: int
    new_tokens: int
    preview: str  # the new text (or the old one for a removal), folded to one line

    @property
    def delta(self) -> int:
        return self.new_tokens - self.old_tokens


@dataclass(frozen=True)
class PromptDiff:
    old_label: str
    new_label: str
    changes: list[SectionChange]
    unified: list[str]
    old_total: int
    new_total: int
    truncated: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not self.changes and not self.unified

    def as_text(self) -> str:
        """The whole diff as plain text: a summary, the section changes, then the unified diff."""
        lines = [f"--- {self.old_label}", f"+++ {self.new_label}",
                 f"tokens {self.old_total} -> {self.new_total} ({self.new_total - self.old_total:+d})"]
        lines += self.notes
        if self.identical:
            lines.append("(no difference)")
            return "\n".join(lines)
        lines.append("")
        lines.append(f"sections: {len(self.changes)} changed")
        for change in self.changes:
            mark = {"added": "+", "removed": "-", "changed": "~"}[change.op]
            lines.append(f" {mark} {change.name} [{change.origin}] {change.old_tokens} -> {change.new_tokens}"
                         f" ({change.delta:+d})  {change.preview}")
        lines.append("")
        lines += self.unified
        if self.truncated:
            lines.append(f"... (diff cut at {MAX_DIFF_LINES} lines)")
        return "\n".join(lines)


def _fold(text: str, width: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _key(section: PromptSection) -> tuple[str, str, str]:
    # Sections are matched on what they say, not where they sit: history indices shift when old messages drop.
    return (section_origin(section).kind, section.role, section.content)


def diff_sections(old: list[PromptSection], new: list[PromptSection]) -> list[SectionChange]:
    """Added, removed and changed sections, in prompt order (a pure function of the two lists)."""
    matcher = difflib.SequenceMatcher(a=[_key(s) for s in old], b=[_key(s) for s in new], autojunk=False)
    changes: list[SectionChange] = []
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            continue
        changes += _pair_block(old[a0:a1], new[b0:b1])
    return changes


def _same_name(a: PromptSection, b: PromptSection) -> bool:
    return a.name == b.name


def _same_kind(a: PromptSection, b: PromptSection) -> bool:
    return a.role == b.role and section_origin(a).kind == section_origin(b).kind


def _pair_block(olds: list[PromptSection], news: list[PromptSection]) -> list[SectionChange]:
    """Within one differing stretch: a section with the same name (else the same kind and role) on both sides
    is "changed"; the rest were added or removed."""
    free = list(range(len(olds)))
    result: list[SectionChange] = []

    def take(after: PromptSection, match: Callable[[PromptSection, PromptSection], bool]) -> PromptSection | None:
        for pos, i in enumerate(free):
            if match(olds[i], after):
                del free[pos]
                return olds[i]
        return None

    for after in news:
        before = take(after, _same_name) or take(after, _same_kind)
        if before is None:
            result.append(SectionChange("added", after.name, section_origin(after).label, 0, after.tokens,
                                        _fold(after.content)))
        else:
            result.append(SectionChange("changed", after.name, section_origin(after).label, before.tokens,
                                        after.tokens, _fold(after.content)))
    for i in free:
        before = olds[i]
        result.append(SectionChange("removed", before.name, section_origin(before).label, before.tokens, 0,
                                    _fold(before.content)))
    return result


def unified_diff(old_text: str, new_text: str, old_label: str, new_label: str,
                 limit: int = MAX_DIFF_LINES) -> tuple[list[str], bool]:
    """A unified diff (3 lines of context) of two texts, cut at `limit` lines; (lines, was cut)."""
    lines: list[str] = []
    for line in difflib.unified_diff(old_text.splitlines(), new_text.splitlines(), old_label, new_label,
                                     lineterm=""):
        if line.startswith(("---", "+++")) and len(lines) < 2:
            continue  # the labels are printed once, in the summary
        if len(lines) >= limit:
            return lines, True
        lines.append(line)
    return lines, False


def diff_inspections(old: Inspection, new: Inspection, old_label: str, new_label: str) -> PromptDiff:
    """Compare two inspections: their sections and the text of their requests (JSON body or prompt text)."""
    unified, cut = unified_diff(old.display_text, new.display_text, old_label, new_label)
    notes: list[str] = []
    if old.prompt.mode != new.prompt.mode:
        notes.append(f"modes differ: {old.prompt.mode} vs {new.prompt.mode} (chat sends messages, text one prompt)")
    if old.request.url != new.request.url:
        notes.append(f"URL: {old.request.url or '(none)'} -> {new.request.url or '(none)'}")
    return PromptDiff(
        old_label=old_label,
        new_label=new_label,
        changes=diff_sections(old.prompt.sections, new.prompt.sections),
        unified=unified,
        old_total=old.prompt.token_total,
        new_total=new.prompt.token_total,
        truncated=cut,
        notes=notes,
    )


class SentPrompts:
    """The last inspection sent in each chat, kept in memory only (never written: it may hold a whole chat)."""

    def __init__(self) -> None:
        self._by_chat: dict[str, Inspection] = {}

    @staticmethod
    def keys(session: ChatSession) -> list[str]:
        # A new chat has no file until its first message is saved, so it is also known by the session's identity.
        keys = [f"session:{id(session)}"]
        if session.ref is not None:
            keys.insert(0, f"chat:{session.ref.path}")
        return keys

    def record(self, session: ChatSession, inspection: Inspection) -> None:
        for key in self.keys(session):
            self._by_chat[key] = inspection

    def last(self, session: ChatSession) -> Inspection | None:
        for key in self.keys(session):
            found = self._by_chat.get(key)
            if found is not None:
                return found
        return None
