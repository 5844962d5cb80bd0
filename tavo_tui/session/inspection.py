"""The inspector's view of one turn: the assembled prompt and the exact request for it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tavo_tui.model import AssembledPrompt, PreparedRequest


@dataclass(frozen=True)
class Inspection:
    prompt: AssembledPrompt
    request: PreparedRequest

    @property
    def body_text(self) -> str:
        """The body pretty-printed (chat mode) or the raw prompt text (text mode)."""
        if self.prompt.mode == "text":
            return self.prompt.text
        return json.dumps(self.request.body, indent=2, ensure_ascii=False)

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
            "url": self.request.url,
            "body": self.request.body,
            "tokens": {
                "total": self.prompt.token_total,
                "sections": self.section_tokens(),
                "method": self.prompt.token_method,
                "exact": self.prompt.token_exact,
                "max_context": self.prompt.max_context,
            },
        }
