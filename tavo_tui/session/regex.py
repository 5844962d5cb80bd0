"""Regex scripts in a chat session: which scripts are in force, and the stages that change stored text.

In force, in run order: the global scripts (data folder), this run's `--regex` files, then the character's
own scripts (`data.extensions.regex_scripts`) once the user allowed them for that card. A card's scripts
are never run before that: `card_regex_status()` says how many it has so a front end can ask, and
`allow_card_regex()` records the answer (SillyTavern asks the same question).

Stored text is changed as SillyTavern changes it: the user's message when it is sent, the model's reply (and
its reasoning) when it arrives, an impersonated reply as user input, an edit only by `runOnEdit` scripts.
Prompt-only scripts run in the prompt engine; display-only ones through `display_text()` for rendering.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tavo_tui.model.regex_script import AI_OUTPUT, REASONING, USER_INPUT, RegexScript
from tavo_tui.prompt.inputs import visible_positions
from tavo_tui.prompt.macros import MacroEnv, substitute
from tavo_tui.prompt.regex_scripts import RegexRun, apply_scripts
from tavo_tui.store import StoreError
from tavo_tui.store.regex_scripts import RegexStore

if TYPE_CHECKING:
    from tavo_tui.session.core import SessionCore

__all__ = ["AI_OUTPUT", "REASONING", "USER_INPUT", "CardRegexStatus", "RegexMixin", "display_regex",
           "regex_scripts", "stored_text"]


@dataclass(frozen=True)
class CardRegexStatus:
    """The character's own regex scripts: how many, and whether the user allowed them to run."""

    count: int
    allowed: bool

    @property
    def needs_answer(self) -> bool:
        """The card has scripts the user has not allowed: the front end may ask."""
        return self.count > 0 and not self.allowed


def card_scripts(session: SessionCore) -> list[RegexScript]:
    raw = session.card.extensions.get("regex_scripts") if isinstance(session.card.extensions, dict) else None
    if not isinstance(raw, list):
        return []
    return [RegexScript.from_raw(item) for item in raw if isinstance(item, dict)]


def regex_store(session: SessionCore) -> RegexStore:
    return RegexStore(session.ctx.paths.data_dir / "regex")


def card_allowed(session: SessionCore) -> bool:
    return session.card_path.name in regex_store(session).allowed_cards()


def regex_scripts(session: SessionCore) -> list[RegexScript]:
    """Every script in force for this chat, in run order (an unreadable global file counts as none)."""
    store = _store(session)
    try:
        scripts = store.global_scripts()
    except StoreError:
        scripts = []
    scripts += list(getattr(session, "extra_regex", ()))
    own = card_scripts(session)
    if own and session.card_path.name in store.allowed_cards():
        scripts += own
    return scripts


def _store(session: SessionCore) -> RegexStore:
    # One store per session keeps the parsed global file between prompts.
    store: RegexStore | None = getattr(session, "_regex_store", None)
    if store is None:
        store = regex_store(session)
        session._regex_store = store  # type: ignore[attr-defined]
    return store


def _macros(session: SessionCore) -> MacroEnv:
    return MacroEnv(user=session.user_name, char=session.card.name)


def stored_text(session: SessionCore, text: str, placement: int, *, edit: bool = False) -> str:
    """`text` as it is stored after the plain (neither prompt- nor display-only) scripts of `placement`."""
    scripts = regex_scripts(session)
    if not scripts or not text:
        return text
    env = _macros(session)
    return apply_scripts(scripts, text, placement, substitute=lambda t: substitute(t, env), edit=edit)


def display_regex(scripts: list[RegexScript], text: str, *, is_user: bool, depth: int | None, user: str,
                  char: str, reasoning: bool = False) -> str:
    """A message's text as shown (pure): the display-only scripts of its placement, with its depth."""
    placement = REASONING if reasoning else (USER_INPUT if is_user else AI_OUTPUT)
    env = MacroEnv(user=user, char=char)
    return apply_scripts(scripts, text, placement, substitute=lambda t: substitute(t, env), display=True,
                         depth=depth, run=RegexRun())


class RegexMixin:
    """The session's regex facade for the fronts."""

    extra_regex: tuple[RegexScript, ...] = ()  # this run's scripts (`--regex FILE`), not stored

    def regex_scripts(self: SessionCore) -> list[RegexScript]:  # type: ignore[misc]
        return regex_scripts(self)

    def card_regex_status(self: SessionCore) -> CardRegexStatus:  # type: ignore[misc]
        return CardRegexStatus(len(card_scripts(self)), card_allowed(self))

    def allow_card_regex(self: SessionCore, allowed: bool = True) -> None:  # type: ignore[misc]
        """Record whether this card's own scripts may run (kept for the card, across chats)."""
        _store(self).set_allowed(self.card_path.name, allowed)

    def display_text(self: SessionCore, index: int, *, reasoning: bool = False) -> str:  # type: ignore[misc]
        """Message `index` (or its reasoning) as it should be shown, after the display-only scripts.
        Depth counts the messages that take part in the prompt, 0 for the newest; a hidden one has none."""
        message = self.messages[index]
        text = str((message.extra or {}).get("reasoning") or "") if reasoning else message.mes
        scripts = regex_scripts(self)
        if not scripts or not text:
            return text
        depth: int | None = None
        if not message.is_system:
            visible = visible_positions(self.messages)
            depth = len(visible) - bisect_right(visible, index % len(self.messages))
        return display_regex(scripts, text, is_user=message.is_user, depth=depth, user=self.user_name,
                             char=self.card.name, reasoning=reasoning)
