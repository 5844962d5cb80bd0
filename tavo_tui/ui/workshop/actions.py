"""The main screen's editor actions (prompt manager, lorebooks, templates, the open chat's card) and the
inspector's "edit source" message. A mixin of MainScreen; the keys are in the key registry."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import on
from textual.screen import Screen

from tavo_tui.ui.inspector.pane import PromptInspector

if TYPE_CHECKING:
    from tavo_tui.session.workshop_sources import EditTarget
    from tavo_tui.ui.chat.actions import ChatActions


class WorkshopActions(Screen[None]):
    """Needs ChatActions' helpers (`_run`, `_idle_session`, ...): MainScreen has both."""

    def _chat(self) -> ChatActions:
        return cast("ChatActions", self)

    def action_prompt_manager(self) -> None:
        from tavo_tui.ui.workshop.flows import edit_prompts

        self._chat()._run(edit_prompts(self._chat()))

    def action_lorebook_editor(self) -> None:
        from tavo_tui.ui.workshop.flows import edit_lorebook

        self._chat()._run(edit_lorebook(self._chat()))

    def action_templates(self) -> None:
        from tavo_tui.ui.workshop.flows import edit_templates

        self._chat()._run(edit_templates(self._chat()))

    def action_edit_chat_card(self) -> None:
        from tavo_tui.ui.workshop.flows import edit_card

        self._chat()._run(edit_card(self._chat()))

    @on(PromptInspector.EditSource)
    def _edit_source(self, message: PromptInspector.EditSource) -> None:
        self.open_source(message.target)

    def open_source(self, target: EditTarget) -> None:
        from tavo_tui.ui.workshop.flows import open_source

        self._chat()._run(open_source(self._chat(), target))
