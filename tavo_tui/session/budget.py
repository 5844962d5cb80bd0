"""The one rule for a message that cannot fit the context: it is never left out silently.

Older history may be trimmed by the context budget as always, but the message the user just wrote (or the
message being continued) is what the request is for: when it does not fit, the send is refused with a one-line
reason, and `prompt` shows the same reason as a note. Both fronts (TUI and CLI) and every action use this.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tavo_tui.model import AssembledPrompt, Message, PromptSection
from tavo_tui.session.events import ActionError
from tavo_tui.session.prompt_sources import section_origin

if TYPE_CHECKING:  # the TUI imports this module at start-up; the prompt engine loads with the first chat
    from tavo_tui.prompt.tokens import TokenCounter


@dataclass(frozen=True)
class Refusal:
    """Why a prompt cannot be sent: `tokens` of the message against the `available` room."""

    tokens: int
    available: int
    max_context: int
    max_tokens: int
    rest: int  # the prompt's other fixed parts (system prompt, card, lore, framing)
    continuing: bool = False

    @property
    def text(self) -> str:
        whose = "the message to continue" if self.continuing else "your message"
        return (f"{whose} is {self.tokens} tokens; {self.available} are available (context {self.max_context}, "
                f"reply {self.max_tokens}, rest of the prompt {self.rest})")


class MessageDoesNotFit(ActionError):
    """Raised before anything is sent or saved: the message would have to be left out of the request."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.text)
        self.refusal = refusal


def newest_source(messages: Sequence[Message], pending: str | None) -> tuple[str, str, bool] | None:
    """(source, text, is_user) of the newest message the prompt is built from, as the engine names its
    sections: "pending" for a message not yet in the chat, else "history[i]" / "greeting"."""
    if pending is not None:
        return "pending", pending, True
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if message.is_system:  # hidden messages never enter the prompt
            continue
        source = "greeting" if index == 0 and not message.is_user else f"history[{index}]"
        return source, message.mes, message.is_user
    return None


def refusal_for(prompt: AssembledPrompt, newest: tuple[str, str, bool] | None, counter: TokenCounter, *,
                continuing: bool = False) -> Refusal | None:
    """None when the prompt carries the message it is for; otherwise why not.

    A reply (or new version) is for the user's newest message: it must be in the prompt, not among what the
    budget left out. A continuation always carries the continued message, so it is refused when the prompt
    is over the budget."""
    if newest is None:
        return None
    source, text, is_user = newest
    if not text.strip() or (not is_user and not continuing):
        return None
    budget = max(0, prompt.max_context - prompt.max_tokens)
    if continuing:
        if prompt.token_total <= budget:
            return None
        mine = next((s.tokens for s in prompt.sections if s.source == source), None)
    else:
        # Not cut by the budget when nothing was (a message whose macros leave it empty is not in the prompt
        # either); the newest message sits at the end, so look from there.
        if not prompt.dropped or any(s.source == source for s in reversed(prompt.sections)):
            return None
        mine = None
    # Only a refusal needs the figures (every send checks; a long chat has thousands of sections).
    rest = prompt.token_total - sum(s.tokens for s in prompt.sections if _is_history(s))
    if mine is None:
        from tavo_tui.prompt.chat_completion import MESSAGE_OVERHEAD

        mine = counter.count(text) + (MESSAGE_OVERHEAD if prompt.mode == "chat" else 0)
    return Refusal(tokens=mine, available=max(0, budget - rest), max_context=prompt.max_context,
                   max_tokens=prompt.max_tokens, rest=rest, continuing=continuing)


def _is_history(section: PromptSection) -> bool:
    return section_origin(section).kind == "history"


def over_budget(prompt: AssembledPrompt) -> str | None:
    """The prompt's own total (e.g. as the server counted it, chat template included) past the room the
    budget has: the engine's offline figure was low, and the server would cut the prompt or refuse it."""
    budget = max(0, prompt.max_context - prompt.max_tokens)
    if prompt.token_total <= budget:
        return None
    return (f"the prompt is {prompt.token_total} tokens as counted ({prompt.token_method}); {budget} are "
            f"available (context {prompt.max_context}, reply {prompt.max_tokens})")
