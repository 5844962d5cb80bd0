"""The inspector's view of one turn: the assembled prompt and the exact request for it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tavo_tui.model import AssembledPrompt, PreparedRequest
from tavo_tui.session.visible import mask_url


@dataclass(frozen=True)
class Inspection:
    prompt: AssembledPrompt
    request: PreparedRequest
    # The connection this was built for ("" when the caller did not say; the chat's own connection).
    profile_name: str = ""

    @property
    def body_text(self) -> str:
        """The body pretty-printed (chat mode) or the raw prompt text (text mode)."""
        if self.prompt.mode == "text":
            return self.prompt.text
        return self.body_json

    @property
    def body_json(self) -> str:
        """The request body as indented JSON (what "copy as JSON" and "save" produce)."""
        return json.dumps(self.request.body, indent=2, ensure_ascii=False)

    @property
    def display_text(self) -> str:
        """What the inspector's body view shows: the JSON body, or in text mode the prompt and its stop strings."""
        if self.prompt.mode != "text":
            return self.body_json
        stops = self.prompt.stop or self.request.body.get("stop") or []
        listed = json.dumps(stops, ensure_ascii=False)
        return f"{self.prompt.text}\n\n──── stop strings ────\n{listed}"

    @property
    def budget(self) -> int:
        """Tokens the prompt may use: the context size minus what is kept for the reply."""
        return max(0, self.prompt.max_context - self.prompt.max_tokens)

    def section_tokens(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for section in self.prompt.sections:
            totals[section.name] = totals.get(section.name, 0) + section.tokens
        # Chat formats add a few tokens outside any section (the reply priming); name them so the
        # sections always add up to the total.
        rest = self.prompt.token_total - sum(totals.values())
        if rest:
            totals["(message framing)"] = rest
        return totals

    def as_json(self) -> dict[str, Any]:
        """The `prompt --json` shape: {"url", "body", "tokens": {"total", "sections", ...}}."""
        return {
            "url": mask_url(self.request.url),  # a key in the URL (Gemini's ?key=, user:pass@) is never printed
            "body": self.request.body,
            "tokens": {
                "total": self.prompt.token_total,
                "sections": self.section_tokens(),
                "method": self.prompt.token_method,
                "exact": self.prompt.token_exact,
                "max_context": self.prompt.max_context,
            },
            # What the engine chose and why: templates derived from the server, lore that fired, fallbacks.
            "notes": list(self.prompt.notes),
        }
